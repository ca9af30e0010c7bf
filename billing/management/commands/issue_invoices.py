"""`manage.py issue_invoices [--through YYYY-MM-DD] [--customer ID]`: close every billing
cycle that ended by that date (default yesterday, UTC) and issue its invoice, through
the same code as the daily beat task. Safe to run twice or at the same time as another
run: a cycle closes once."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from billing import services
from orgs.models import Organization


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date; use YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = "Close the billing cycles that ended and issue their overage invoices."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--through", type=_date, help="Last day (default: yesterday, UTC).")
        parser.add_argument(
            "--customer",
            type=int,
            action="append",
            dest="customers",
            help="Customer id (repeatable).",
        )

    def handle(self, *args, through: date | None, customers, **options):
        if customers:
            known = set(
                Organization.objects.unscoped()
                .customers()
                .filter(pk__in=customers)
                .values_list("pk", flat=True)
            )
            unknown = sorted(set(customers) - known)
            if unknown:
                raise CommandError(f"No customer with id {', '.join(map(str, unknown))}.")
        result = services.invoices_issue(customers, through=through)
        self.stdout.write(
            f"{result.closed} cycle(s) closed, {len(result.invoices)} invoice(s) issued"
            + (
                f", {len(result.skipped)} customer(s) left for the next run (busy)"
                if result.skipped
                else ""
            )
            + "."
        )

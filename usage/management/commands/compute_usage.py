"""`manage.py compute_usage --from YYYY-MM-DD --to YYYY-MM-DD [--customer ID]`: compute
and store daily usage now, through the same code as the nightly task."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from usage import engine
from usage.tasks import chunks


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date; use YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = "Compute and store daily usage for a date range (same code as the nightly task)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--from", dest="first", required=True, type=_date)
        parser.add_argument("--to", dest="last", required=True, type=_date)
        parser.add_argument(
            "--customer",
            type=int,
            action="append",
            dest="customers",
            help="Only this customer id (repeatable).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, first: date, last: date, customers, no_progress: bool, **options):
        if last < first:
            raise CommandError("--to lies before --from.")
        ids = engine.customers_billable_between(first, last)
        if customers:
            unknown = set(customers) - set(ids)
            if unknown:
                raise CommandError(
                    f"No billable subscription between {first} and {last} for customer(s) "
                    f"{', '.join(map(str, sorted(unknown)))}."
                )
            ids = sorted(customers)
        parts = chunks(ids)
        n_days = (last - first).days + 1
        total = engine.ComputeResult()
        with tqdm(
            total=n_days * len(parts), unit="chunk-day", disable=no_progress, file=self.stderr._out
        ) as bar:
            day = first
            while day <= last:
                for part in parts:
                    total.add(engine.compute_days(part, day, day))
                    bar.update()
                day += timedelta(days=1)
        self.stdout.write(
            f"Computed {n_days} day(s) for {len(ids)} customer(s): {total.rows} rows."
        )
        if total.skipped:
            self.stdout.write(
                f"{len(total.skipped)} customer(s) were being computed by another run; their "
                "days are marked dirty and will be recomputed."
            )

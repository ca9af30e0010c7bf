"""`manage.py verify_invoices`: recompute every partner's hash chain from the stored
invoices and lines; report any invoice whose content or link no longer matches, or a
gap in a partner's numbers. Exits 1 when anything is reported."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from billing import services
from billing.models import Invoice


class Command(BaseCommand):
    help = "Verify the invoices' hash chains and numbering."

    def handle(self, *args, **options):
        problems = services.invoices_verify()
        for problem in problems:
            self.stdout.write(f"{problem.number}: {problem.reason}")
        if problems:
            raise CommandError(f"{len(problems)} problem(s) found.")
        self.stdout.write(
            f"{Invoice.objects.unscoped().count()} invoice(s) verified: chains intact."
        )

"""create_partner NAME --admin-email EMAIL [--tier 1|2]: a partner, its full admin, and
that admin's API token (printed)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from orgs.models import Organization
from orgs.services import partner_create


class Command(BaseCommand):
    help = "Create a partner organisation and its full admin; print the admin's API token."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--tier", type=int, choices=[1, 2], default=1)
        parser.add_argument("--distributor", help="Name of the distributor (tier 2 only)")
        parser.add_argument("--password", help="Set a password instead of emailing an invite")

    def handle(self, *args, name, admin_email, tier, distributor, password, **options):
        distributor_org = None
        if distributor:
            distributor_org = (
                Organization.objects.unscoped()
                .filter(name=distributor, is_distributor=True)
                .first()
            )
            if distributor_org is None:
                raise CommandError(f"No distributor named {distributor!r}.")
        try:
            partner, admin, token = partner_create(
                name=name,
                admin_email=admin_email,
                tier=tier,
                distributor=distributor_org,
                password=password,
            )
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            ) from error
        self.stderr.write(f"Created partner {partner.name} (id {partner.pk}), admin {admin.email}")
        self.stdout.write(token)

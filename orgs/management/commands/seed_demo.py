"""seed_demo: load the demo organisations, people and data of every app; print logins.

Each app contributes through `<app>.demo.seed(world)`, in the order of INSTALLED_APPS.
Running it on a database that already has the demo data only prints the logins.
"""

from importlib import import_module

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import translation

from orgs.demo import DEMO_PASSWORD, DemoWorld
from orgs.models import Organization, Person

MARKER = "Acme Partners"


class Command(BaseCommand):
    help = "Create the demo data and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Empty the database first.")

    def handle(self, *args, reset, **options):
        if reset:
            call_command("flush", interactive=False, verbosity=0)
        if Organization.objects.unscoped().filter(name=MARKER).exists():
            self.stdout.write("Demo data already loaded (use --reset to start again).")
        else:
            with transaction.atomic():
                world = DemoWorld()
                for config in apps.get_app_configs():
                    try:
                        module = import_module(f"{config.name}.demo")
                    except ModuleNotFoundError as error:
                        if error.name != f"{config.name}.demo":
                            raise
                        continue
                    module.seed(world)
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self._print_logins()

    @translation.override("en")
    def _print_logins(self) -> None:
        people = (
            Person.objects.filter(email__endswith=".example")
            .select_related("organization")
            .order_by("organization__kind", "organization__name", "role")
        )
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
        for person in people:
            self.stdout.write(
                f"  {person.email:<34} {person.organization.name:<24} "
                f"{person.get_role_display():<20} {person.get_language_display()}"
            )

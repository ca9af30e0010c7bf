"""`manage.py api_token EMAIL`: print a new personal API token for a person.

Tokens are stored hashed, so an earlier token cannot be shown again: this creates one
(replacing any earlier personal token of that person) and prints it on stdout.
"""

from django.core.management.base import BaseCommand, CommandError

from orgs.apikeys import person_token_create
from orgs.models import Person


class Command(BaseCommand):
    help = "Print a new API token for the person with this email (replaces their old one)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        person = Person.objects.filter(email__iexact=email.strip()).first()
        if person is None:
            raise CommandError(f"No person with the email {email!r}.")
        if not person.is_active:
            raise CommandError(f"{person.email} is deactivated.")
        _token, key = person_token_create(person=person)
        self.stderr.write(f"New API token for {person.email} (any earlier one is revoked):")
        self.stdout.write(key)

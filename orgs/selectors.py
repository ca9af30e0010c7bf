"""Reads of organisations and people that are more than one filter."""

from __future__ import annotations

from django.db.models import QuerySet

from orgs.models import Organization, Person


def people_of(organization: Organization) -> QuerySet[Person]:
    return Person.objects.filter(organization=organization).order_by("role", "email")

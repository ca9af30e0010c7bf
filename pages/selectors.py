"""The customer list's read: every app's columns for the customers a person may see."""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q, QuerySet

from orgs import clock
from orgs.models import Organization, PartnerRelationship, Person
from orgs.tenancy import PROVISION, VIEW, visible_rows
from subscriptions.models import Subscription
from trials.selectors import open_trials_prefetch


def customers_for_list(
    person: Person, reachable: QuerySet[Organization] | None = None
) -> QuerySet[Organization]:
    """The customers on a person's customer list: every customer they may see, plus the
    trial customers their partner may only provision; with what the columns need.
    `listed_by_trial_only` marks the rows whose customer home the person cannot open
    (provisioning-only access): their name links to the trial instead. A customer asked
    for consent is not listed until a full admin accepts: its partner sees the trial,
    with only what it typed (issue 13.3)."""
    today = clock.today()
    if reachable is None:
        reachable = visible_rows(Organization, person, (VIEW, PROVISION))
    current = (
        Subscription.objects.unscoped()
        .filter(start_date__lte=today)
        .exclude(end_date__lt=today)
        .select_related("order__offer")
    )
    reachable = reachable.values("pk")
    current = current.filter(customer__in=reachable)
    listed = Organization.objects.filter(pk__in=reachable)
    return (
        listed.customers()
        .annotate(
            listed_by_trial_only=ExpressionWrapper(
                ~Q(pk__in=Organization.objects.visible_to(person, VIEW).values("pk")),
                BooleanField(),
            )
        )
        .prefetch_related(
            open_trials_prefetch(person),
            Prefetch("subscriptions", queryset=current, to_attr="current_subscriptions"),
            Prefetch(
                "partner_relationships",
                queryset=PartnerRelationship.objects.select_related("partner"),
            ),
        )
    )

"""Trial summaries for the customer list and the customer's home."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.translation import ngettext

from orgs import clock, roles
from orgs.tenancy import PROVISION, can
from trials import rules, selectors, services

register = template.Library()


def trial_status_summary(trials) -> str:
    """The statuses of a customer's open trials, for the customer list."""
    labels = []
    for trial in trials:
        label = str(trial.get_status_display())
        if label not in labels:
            labels.append(label)
    return ", ".join(labels)


def trial_expiry_summary(trials, today=None) -> str:
    """Which trial services expire and the days left: "Meetings, Calling: 12 days left"."""
    today = today or clock.today()
    parts = []
    for trial in trials:
        if trial.end_date is None:
            continue
        left = rules.days_left(trial.end_date, today)
        if left >= 0:
            when = ngettext("%(days)s day left", "%(days)s days left", left) % {"days": left}
        else:  # as the trial's page and the customer's home say it
            grace = rules.grace_days_left(trial.end_date, today)
            when = ngettext(
                "in grace: %(days)s day left to convert",
                "in grace: %(days)s days left to convert",
                grace,
            ) % {"days": grace}
        parts.append(f"{trial.service_labels}: {when}")
    return "; ".join(parts)


@register.inclusion_tag("trials/_customer_trials.html", takes_context=True)
def customer_trials(context, customer):
    """The customer's trial licences on its home, flagged when they expire soon."""
    request = context.get("request")
    person = getattr(request, "user", None)
    rows = selectors.expiring_trials(person, customer) if person else []
    # Any partner related to the customer may add a trial (even provisioning-only).
    may_add = bool(person and roles.may_sell(person.role) and can(person, customer, PROVISION))
    if person and person.role == roles.Role.CUSTOMER_FULL_ADMIN:
        for row in rows:
            if row["trial"].status == row["trial"].Status.PENDING_CONSENT:
                token = services.consent_token(row["trial"])
                row["consent_path"] = reverse("trial-consent", args=[token])
    return {"rows": rows, "customer": customer, "may_add": may_add}

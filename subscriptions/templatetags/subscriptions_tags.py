"""Template tags of the subscriptions app."""

from django import template

from subscriptions.selectors import pending_subscription

register = template.Library()


@register.inclusion_tag("subscriptions/setup_banner.html", takes_context=True)
def setup_banner(context, customer):
    """On the customer home: the setup wizard until every subscription is set up."""
    request = context.get("request")
    person = getattr(request, "user", None)
    pending = pending_subscription(person, customer) if person is not None else None
    return {"pending": pending, "customer": customer}

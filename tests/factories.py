"""factory_boy factories for the whole suite."""

import datetime as dt

import factory
from django.utils import timezone

from orgs.models import Organization, PartnerRelationship, Person
from orgs.roles import Role
from subscriptions.models import AgentModel, Offer, Order, OrderLine, Sku, Subscription

PASSWORD = "correct horse battery staple"


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Partner {n}")
    kind = Organization.Kind.PARTNER
    tier = 1
    country = "GB"


class CustomerFactory(factory.django.DjangoModelFactory):
    """A customer; pass `partner=` to relate it (managing, full access)."""

    class Meta:
        model = Organization
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Customer {n}")
    kind = Organization.Kind.CUSTOMER
    country = "NL"
    industry = "finance"

    @factory.post_generation
    def partner(self, create, partner, **kwargs):
        if create and partner is not None:
            PartnerRelationship.objects.create(
                partner=partner,
                customer=self,
                is_managing=kwargs.get("managing", True),
                access=kwargs.get("access", PartnerRelationship.Access.FULL),
            )


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name")
    organization = factory.SubFactory(PartnerFactory)
    role = Role.PARTNER_FULL_ADMIN
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer
        django_get_or_create = ("code",)

    code = "A-FLEX-3-CC"
    name = "Flex 3.0 Contact Center"


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order
        skip_postgeneration_save = True

    partner = factory.SubFactory(PartnerFactory)
    web_order_id = factory.Sequence(lambda n: f"WO-{n:06d}")
    offer = factory.SubFactory(OfferFactory)
    requested_start_date = factory.LazyFunction(lambda: timezone.now().date())
    provisioning_contact_email = factory.Sequence(lambda n: f"contact{n}@example.test")

    @factory.post_generation
    def lines(self, create, lines, **kwargs):
        """`lines=[("A-FLEX-WCC-S-N", 10), ...]`: SKU codes of the seeded catalogue."""
        if create and lines:
            for code, quantity in lines:
                sku = Sku.objects.get(code=code)
                OrderLine.objects.create(
                    order=self, sku=sku, quantity=quantity, unit_price=sku.unit_price
                )


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    customer = factory.SubFactory(CustomerFactory)
    start_date = factory.LazyFunction(lambda: timezone.now().date() - dt.timedelta(days=40))
    agent_model = AgentModel.NAMED
    standard_agents = 10
    premium_agents = 5
    addon_ivr_ports = 2


class TrialFactory(factory.django.DjangoModelFactory):
    """An active trial of Contact Center run by `partner` for `customer`."""

    class Meta:
        model = "trials.Trial"
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    partner = factory.SubFactory(PartnerFactory)
    status = "active"
    admin_email = factory.Sequence(lambda n: f"trial-admin{n}@example.test")
    length_days = 90
    start_date = factory.LazyFunction(lambda: timezone.now().date())
    end_date = factory.LazyAttribute(lambda t: t.start_date + dt.timedelta(days=t.length_days))
    standard_agents = 5

    @factory.post_generation
    def services(self, create, services, **kwargs):
        if create:
            from trials.models import TrialService

            for service in services if services is not None else ["contact_center"]:
                TrialService.objects.create(trial=self, service=service)


def cycle_usage_from_daily_rows() -> None:
    """Rebuild the cycle summaries (usage.models.CycleUsage) of every cycle that has
    daily rows, as the engine does for the days it writes. Call it after creating rows
    with `DailyUsageFactory` when the test reads the partner usage view."""
    from usage.engine import cycle_usage_refresh
    from usage.models import DailyUsage

    cycles = DailyUsage.objects.unscoped().order_by().values_list("customer_id", "cycle_start")
    cycle_usage_refresh({c for c, _s in cycles}, {s for _c, s in cycles})


class DailyUsageFactory(factory.django.DjangoModelFactory):
    """A daily-detail row written directly (the engine is not needed to test pages). The
    engine also keeps the cycle's summary: call `cycle_usage_from_daily_rows()` after
    creating rows when a test reads the partner usage view."""

    class Meta:
        model = "usage.DailyUsage"

    subscription = factory.SubFactory(SubscriptionFactory)
    customer = factory.LazyAttribute(lambda row: row.subscription.customer)
    usage_date = factory.LazyFunction(lambda: timezone.now().date())
    cycle_start = factory.LazyAttribute(lambda row: row.usage_date.replace(day=1))
    usage_type = "Standard Named Agent"
    units_used = 0
    units_commitment = 0
    units_substituted = 0
    units_overage = factory.LazyAttribute(
        lambda row: max(0, row.units_used - row.units_commitment - row.units_substituted)
    )
    usage_unit = factory.LazyAttribute(
        lambda row: "Ports" if row.usage_type == "IVR Port" else "Licenses"
    )
    comment = ""


def issued_invoice(subscription, *, lines=(("A-FLEX-WCC-S-N-O", 3),), cycle=None):
    """An invoice issued through the billing service's writer (numbered and chained like
    any other) for one cycle of `subscription`, with overage lines `(sku, quantity)`."""
    from billing import rules, services, vat
    from subscriptions.models import Sku

    start = cycle[0] if cycle else subscription.start_date
    end = cycle[1] if cycle else start + dt.timedelta(days=29)
    customer = subscription.customer
    drafts = [
        services._Draft(
            cycle=services.Cycle(customer.pk, start, end, subscription.pk),
            partner_id=customer.managing_partner.pk,
            currency="USD",
            lines=[
                rules.line(
                    kind=rules.OVERAGE,
                    sku=code,
                    price=rules.Price(
                        Sku.objects.get(code=code).name, Sku.objects.get(code=code).unit_price
                    ),
                    quantity=quantity,
                    period=(start, end),
                    currency="USD",
                )
                for code, quantity in lines
            ],
            tax=vat.TaxRate(vat.ZERO),
            bill_to={
                "customer_name": customer.name,
                "partner_name": customer.managing_partner.name,
            },
        )
    ]
    return services._write(drafts, timezone.now())[0]


def consent_request(partner, email: str, *, actor_role=Role.SALES_FULL_ADMIN, company_name="Typed"):
    """Partner tenant `partner` asks the customer of `email` for consent to a Calling
    trial (SPEC §4): the trial waits for a full admin's answer."""
    from trials import services
    from trials.services import TrialSizes

    return services.trial_start(
        actor=partner[actor_role],
        partner=partner.partner,
        company_name=company_name,
        admin_email=email,
        industry="retail",
        country="GB",
        sizes=TrialSizes(services=["calling"]),
    )

"""Demo trials in every state: pending consent, pending provisioning, active, expiring
within 7 days, in grace, expired, converted, and a tier 2 request waiting at Northwind."""

from __future__ import annotations

import datetime as dt

from orgs import clock
from orgs.demo import DEMO_PASSWORD, DemoWorld
from orgs.models import Person
from trials import services
from trials.models import Trial
from trials.services import TrialSizes


def _new_customer_trial(world, partner_key, name, email, country, sizes, length=90):
    domain = world.partners[partner_key].name.split()[0].lower()
    trial = services.trial_start(
        actor=world.people[f"sales.full@{domain}.example"],
        partner=world.partners[partner_key],
        company_name=name,
        admin_email=email,
        industry="technology",
        country=country,
        sizes=sizes,
        length_days=length,
    )
    admin = Person.objects.get(email=email)
    admin.set_password(DEMO_PASSWORD)
    admin.full_name = f"{name} Admin"
    admin.save(update_fields=["password", "full_name"])
    world.customers[name.split()[0].lower()] = trial.customer
    world.people[email] = admin
    world.logins.append((email, name, "Full admin"))
    return trial


def _started_days_ago(trial: Trial, days: int) -> Trial:
    """Move a fresh trial back in time, as if it had started `days` ago."""
    today = clock.today()
    trial.start_date = today - dt.timedelta(days=days)
    trial.end_date = trial.start_date + dt.timedelta(days=trial.length_days)
    trial.save(update_fields=["start_date", "end_date"])
    return trial


def seed(world: DemoWorld) -> None:
    today = clock.today()
    acme_sales = world.people["sales.full@acme.example"]
    cc = TrialSizes(services=["contact_center"], standard_agents=10, premium_agents=2)

    # Pending customer consent: Acme asks Globex's customer Stark Retail.
    services.trial_start(
        actor=acme_sales,
        partner=world.partners["acme"],
        company_name="Stark Retail",
        admin_email="admin@stark.example",
        industry="retail",
        country="GB",
        sizes=TrialSizes(services=["calling"]),
    )
    # Pending provisioning details: Wayne Travel accepted Acme's request.
    wayne = services.trial_start(
        actor=acme_sales,
        partner=world.partners["acme"],
        company_name="Wayne Travel",
        admin_email="admin@wayne.example",
        industry="travel",
        country="AU",
        sizes=TrialSizes(
            services=["meetings"],
            meetings_site_url="wayne-travel",
            meetings_time_zone="Australia/Sydney",
        ),
        length_days=60,
    )
    services.trial_consent_accept(
        person=world.people["admin@wayne.example"], trial=wayne, access="provisioning"
    )
    # Active, with devices shipped: a new customer.
    active = _new_customer_trial(
        world,
        "acme",
        "Piedmont Analytics",
        "admin@piedmont.example",
        "US",
        TrialSizes(
            services=["meetings", "messaging", "contact_center", "devices"],
            meetings_site_url="piedmont",
            meetings_time_zone="America/New_York",
            standard_agents=20,
            premium_agents=5,
            devices={"desk_pro": 2, "phone_9841": 1},
        ),
    )
    _started_days_ago(active, 20)
    services.trial_devices_ship(
        actor=acme_sales,
        trial=active,
        units=[
            ("desk_pro", "FOC2201A001"),
            ("desk_pro", "FOC2201A002"),
            ("phone_9841", "FCH9841X7"),
        ],
    )
    # A paying customer trying an added service at once.
    services.trial_start_for_customer(
        actor=acme_sales,
        partner=world.partners["acme"],
        customer=world.customers["initech"],
        sizes=TrialSizes(services=["calling"]),
        length_days=30,
    )
    # Expiring within 7 days (the 7-day notice already went out).
    expiring = _new_customer_trial(
        world, "acme", "Soylent Foods", "admin@soylent.example", "NL", cc, length=30
    )
    _started_days_ago(expiring, 25)
    services.trial_tick(trial_id=expiring.pk, today=today)
    # In grace: ended ten days ago, still convertible.
    grace = _new_customer_trial(
        world,
        "acme",
        "Massive Dynamic",
        "admin@massive.example",
        "DE",
        TrialSizes(services=["calling", "messaging"]),
        length=60,
    )
    _started_days_ago(grace, 70)
    grace.calling_numbers = ["+49301234567", "+49301234568"]
    grace.save(update_fields=["calling_numbers"])
    services.trial_tick(trial_id=grace.pk, today=today)
    # Expired: grace over, users moved to a free consumer organisation.
    ended = _new_customer_trial(
        world,
        "acme",
        "Vandelay Imports",
        "admin@vandelay.example",
        "US",
        TrialSizes(services=["calling"]),
        length=30,
    )
    _started_days_ago(ended, 65)
    ended.calling_numbers = ["+12025550143"]
    ended.save(update_fields=["calling_numbers"])
    services.trial_tick(trial_id=ended.pk, today=ended.end_date)
    services.trial_tick(trial_id=ended.pk, today=today)
    # Converted to paid through the provisioning service.
    converted = _new_customer_trial(
        world, "acme", "Hooli XYZ", "admin@hoolixyz.example", "SG", cc, length=60
    )
    _started_days_ago(converted, 40)
    services.trial_convert(
        actor=acme_sales,
        trial=converted,
        web_order_id="WO-TRIAL-0001",
        offer_code="A-FLEX-3-CC",
        lines=[("A-FLEX-WCC-S-N", 10), ("A-FLEX-WCC-P-N", 2)],
        provisioning_contact_email=acme_sales.email,
    )
    # A tier 2 partner's conversion request waiting at its distributor.
    tyrell = _new_customer_trial(
        world, "globex", "Tyrell Labs", "admin@tyrell.example", "FR", cc, length=90
    )
    _started_days_ago(tyrell, 30)
    services.trial_conversion_request(
        actor=world.people["sales.full@globex.example"],
        trial=tyrell,
        offer_code="A-FLEX-3-CC",
        lines=[("A-FLEX-WCC-S-N", 10), ("A-FLEX-WCC-P-N", 2)],
        note="Customer wants to keep the same agents.",
    )

"""Demo data of the orgs app: two partners (tier 1, and tier 2 with its distributor), a
person in every role, and customers. Other apps add theirs in <app>/demo.py."""

from __future__ import annotations

from dataclasses import dataclass, field

from orgs import roles
from orgs.models import Organization, PartnerRelationship, Person
from orgs.services import customer_create, partner_create, person_create

DEMO_PASSWORD = "switchboard-demo"
DEMO_LANGUAGES = {
    "admin@initech.example": "nl",
    "full.admin@globex.example": "fr",
    "sales@acme.example": "sl",
    "readonly@initech.example": "hr",
}


@dataclass
class DemoWorld:
    partners: dict[str, Organization] = field(default_factory=dict)
    customers: dict[str, Organization] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def _person(world: DemoWorld, organization: Organization, email: str, role: str, name: str):
    person = person_create(
        actor=None,
        organization=organization,
        email=email,
        role=role,
        full_name=name,
        password=DEMO_PASSWORD,
        send_invitation=False,
    )
    world.people[email] = person
    world.logins.append((email, organization.name, str(roles.Role(role).label)))
    return person


def seed(world: DemoWorld) -> None:
    distributor, dist_admin, _token = partner_create(
        name="Northwind Distribution",
        admin_email="admin@northwind.example",
        tier=1,
        is_distributor=True,
        country="NL",
        password=DEMO_PASSWORD,
    )
    acme, acme_admin, _token = partner_create(
        name="Acme Partners",
        admin_email="full.admin@acme.example",
        tier=1,
        country="GB",
        password=DEMO_PASSWORD,
    )
    globex, globex_admin, _token = partner_create(
        name="Globex Reseller",
        admin_email="full.admin@globex.example",
        tier=2,
        distributor=distributor,
        country="FR",
        password=DEMO_PASSWORD,
    )
    world.partners.update(northwind=distributor, acme=acme, globex=globex)
    for admin in (dist_admin, acme_admin, globex_admin):
        admin.full_name = f"{admin.organization.name} Full Admin"
        admin.save(update_fields=["full_name"])
        world.people[admin.email] = admin
        world.logins.append((admin.email, admin.organization.name, "Partner full admin"))
    for partner, domain in ((acme, "acme.example"), (globex, "globex.example")):
        _person(world, partner, f"admin@{domain}", roles.Role.PARTNER_ADMIN, "Pat Admin")
        _person(
            world, partner, f"sales.full@{domain}", roles.Role.SALES_FULL_ADMIN, "Sam Salesfull"
        )
        _person(world, partner, f"sales@{domain}", roles.Role.SALES_ADMIN, "Sasha Sales")
        _person(
            world, partner, f"readonly@{domain}", roles.Role.PARTNER_READ_ONLY, "Robin Readonly"
        )

    customers = [
        ("initech", acme, "Initech", "NL", "finance"),
        ("umbrella", acme, "Umbrella Health", "US", "healthcare"),
        ("hooli", acme, "Hooli", "JP", "technology"),
        ("stark", globex, "Stark Retail", "GB", "retail"),
        ("wayne", globex, "Wayne Travel", "AU", "travel"),
    ]
    for key, partner, name, country, industry in customers:
        creator = world.people[f"admin@{partner.name.split()[0].lower()}.example"]
        customer, admin = customer_create(
            actor=creator,
            partner=partner,
            name=name,
            country=country,
            industry=industry,
            admin_email=f"admin@{key}.example",
            admin_password=DEMO_PASSWORD,
            send_invitation=False,
        )
        admin.full_name = f"{name} Admin"
        admin.save(update_fields=["full_name"])
        world.customers[key] = customer
        world.people[admin.email] = admin
        world.logins.append((admin.email, name, "Full admin"))
        _person(
            world,
            customer,
            f"readonly@{key}.example",
            roles.Role.CUSTOMER_READ_ONLY,
            "Casey Readonly",
        )
    assert PartnerRelationship.objects.filter(is_managing=True).count() == len(customers)
    # A few people read the portal in the vendor guides' languages (SPEC §7); the rest in
    # English. seed_demo prints each login's language.
    for email, language in DEMO_LANGUAGES.items():
        Person.objects.filter(email=email).update(language=language)

"""Pages of the orgs app: customer list with filters and export, people, outbox."""

import csv
import io

import pytest
from django.core import mail

from orgs.models import Person
from orgs.roles import Role
from tests.factories import PASSWORD, CustomerFactory


def test_customer_list_filters_and_exports_csv(client, world, django_assert_max_num_queries):
    for n in range(5):
        CustomerFactory(name=f"Extra {n}", country="JP", partner=world.a.partner)
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    with django_assert_max_num_queries(12):
        page = client.get("/customers/")
    assert page.status_code == 200
    assert world.a.customer.name in page.content.decode()

    japan = client.get("/customers/?region=JP").content.decode()
    assert "Extra 0" in japan and world.a.customer.name not in japan

    export = client.get("/customers/?q=Extra&_export=csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][:3] == ["Customer", "Status", "Services"]
    assert sorted(r[0] for r in rows[1:]) == [f"Extra {n}" for n in range(5)]


def test_customer_list_query_count_does_not_grow_with_rows(client, world,
                                                           django_assert_num_queries):
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/customers/")
    for n in range(10):
        CustomerFactory(name=f"More {n}", partner=world.a.partner)
    with django_assert_num_queries(len(few)):
        client.get("/customers/")


def test_full_admin_invites_changes_role_and_removes(client, world, mailoutbox,
                                                     django_capture_on_commit_callbacks):
    admin = world.a[Role.CUSTOMER_FULL_ADMIN]
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/orgs/{world.a.customer.pk}/people/",
                               {"email": "newbie@example.test", "role": Role.CUSTOMER_READ_ONLY})
    assert response.status_code == 302
    assert mailoutbox[0].to == ["newbie@example.test"]
    newbie = Person.objects.get(email="newbie@example.test")

    client.post(f"/orgs/{world.a.customer.pk}/people/{newbie.pk}/",
                {"role": Role.CUSTOMER_FULL_ADMIN})
    newbie.refresh_from_db()
    assert newbie.role == Role.CUSTOMER_FULL_ADMIN

    client.post(f"/orgs/{world.a.customer.pk}/people/{newbie.pk}/", {"remove": "1"})
    assert not Person.objects.filter(pk=newbie.pk).exists()
    log = client.get(f"/orgs/{world.a.customer.pk}/audit/").content.decode()
    assert "Removed the person" in log and "newbie@example.test" in log


def test_inviting_someone_of_another_organisation_shows_the_reason(client, world):
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    response = client.post(f"/orgs/{world.a.customer.pk}/people/",
                           {"email": world.b[Role.CUSTOMER_FULL_ADMIN].email,
                            "role": Role.CUSTOMER_FULL_ADMIN})
    assert response.status_code == 200
    assert "already belongs to another organisation" in response.content.decode()


def test_people_page_is_for_full_admins(client, world):
    client.force_login(world.a[Role.CUSTOMER_READ_ONLY])
    assert client.get(f"/orgs/{world.a.customer.pk}/people/").status_code == 403


def test_password_reset_email_goes_through_the_queue(client, world, mailoutbox,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/password-reset/", {"email": world.a[Role.CUSTOMER_FULL_ADMIN].email})
    (message,) = mailoutbox
    link = next(word for word in message.body.split() if "/password-reset/" in word)
    path = link.split("127.0.0.1:8000", 1)[-1].replace("http://testserver", "")
    response = client.get(path, follow=True)
    assert b"Choose a password" in response.content


def test_outbox_shows_sent_mail_in_debug_only(client, settings, tmp_path, db):
    settings.EMAIL_BACKEND = "orgs.mail.OutboxBackend"
    settings.OUTBOX_DIR = tmp_path
    mail.send_mail("Hello outbox", "See http://example.test/x", None, ["a@example.test"])
    settings.DEBUG = False
    assert client.get("/dev/outbox/").status_code == 404
    settings.DEBUG = True
    listing = client.get("/dev/outbox/").content.decode()
    assert "Hello outbox" in listing
    message_id = next(tmp_path.glob("*.eml")).stem
    detail = client.get(f"/dev/outbox/{message_id}/").content.decode()
    assert 'href="http://example.test/x"' in detail
    assert client.get("/dev/outbox/..%2Fsecret/").status_code == 404


def test_language_is_chosen_per_person(client, world):
    person = world.a[Role.CUSTOMER_FULL_ADMIN]
    person.language = "fr"
    person.save()
    client.force_login(person)
    response = client.get(f"/customers/{world.a.customer.pk}/")
    assert response.headers["Content-Language"] == "fr"


def test_people_moved_to_a_consumer_organisation_are_told_they_lost_access(client, db):
    from orgs.models import Organization
    from tests.factories import PersonFactory

    consumer = Organization.objects.create(name="Consumer of Newco", kind="consumer")
    person = PersonFactory(organization=consumer, role=Role.CUSTOMER_READ_ONLY)
    client.force_login(person)
    response = client.get("/")
    assert response.status_code == 200
    assert "Your trial access has ended" in response.content.decode()


def test_customer_status_follows_its_subscriptions(client, world):
    from subscriptions.models import Subscription
    from tests.factories import SubscriptionFactory

    waiting = CustomerFactory(name="Waiting Co", partner=world.a.partner)
    SubscriptionFactory(customer=waiting, status=Subscription.Status.PENDING_SETUP)
    CustomerFactory(name="Empty Co", partner=world.a.partner)
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    rows = list(csv.reader(io.StringIO(client.get("/customers/?_export=csv").content.decode())))
    status = {row[0]: row[1] for row in rows[1:]}
    assert status["Waiting Co"] == "Pending set-up"
    assert status["Empty Co"] == "No active subscription"
    assert status[world.a.customer.name] == "Active"


def test_surge_is_bounded_to_100_percent_in_the_form_and_the_api(client, world):
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    customer = world.a.customer
    url = f"/customers/{customer.pk}/settings/"
    data = {"name": customer.name, "industry": customer.industry, "surge_percent": "101"}
    data["country"] = str(customer.country or "")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "less than or equal to 100" in response.content.decode()
    api = client.patch(
        f"/api/v1/customers/{customer.pk}/",
        {"surge_percent": 1000},
        content_type="application/json",
    )
    assert api.status_code == 400 and "surge_percent" in str(api.json())
    customer.refresh_from_db()
    assert customer.surge_percent == 0


NEW = "a long new password 42"


@pytest.mark.parametrize(
    "side, least", [("a_customer", Role.CUSTOMER_READ_ONLY), ("a_partner", Role.PARTNER_READ_ONLY)]
)
def test_inviting_defaults_to_the_least_powerful_role(client, world, side, least):
    org = world.a.customer if side == "a_customer" else world.a.partner
    admin = Role.CUSTOMER_FULL_ADMIN if side == "a_customer" else Role.PARTNER_FULL_ADMIN
    client.force_login(world.a[admin])
    form = client.get(f"/orgs/{org.pk}/people/").context["form"]
    assert form["role"].value() == least


def test_reinviting_a_member_says_they_are_already_one(client, world):
    member = world.a[Role.CUSTOMER_READ_ONLY]
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    response = client.post(
        f"/orgs/{world.a.customer.pk}/people/",
        {"email": member.email.upper(), "role": Role.CUSTOMER_READ_ONLY},
    )
    body = response.content.decode()
    assert "is already a member of this organisation" in body
    assert "another organisation" not in body


def test_change_ones_password_from_the_account_page(client, world):
    person = world.a[Role.CUSTOMER_READ_ONLY]
    client.force_login(person)
    account = client.get("/account/").content.decode()
    assert 'href="/account/password/"' in account and 'class="page-header"' in account
    wrong = client.post(
        "/account/password/",
        {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW},
    )
    assert wrong.status_code == 200 and "incorrectly" in wrong.content.decode()
    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/account/"
    assert "Your password was changed." in response.content.decode()
    person.refresh_from_db()
    assert person.check_password(NEW)
    assert client.get("/account/").status_code == 200  # still logged in

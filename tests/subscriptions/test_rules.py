"""Rules of orders and provisioning, table-driven."""

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subscriptions import rules
from subscriptions.rules import Commitments, LineFacts, RuleError

S_N = LineFacts("standard_agent", "named", 10)
P_N = LineFacts("premium_agent", "named", 4)
S_C = LineFacts("standard_agent", "concurrent", 7)
P_C = LineFacts("premium_agent", "concurrent", 3)
IVR = LineFacts("ivr_port", "", 2)
SMS = LineFacts("digital", "", 1000)
S_N_OVERAGE = LineFacts("standard_agent", "named", 0, is_overage=True)
P_N_OVERAGE_BY_MISTAKE = LineFacts("premium_agent", "named", 5, is_overage=True)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([S_N, P_N, IVR], Commitments("named", 10, 4, 2)),
        ([S_C, P_C], Commitments("concurrent", 7, 3, 0)),
        ([S_N, S_N_OVERAGE], Commitments("named", 10, 0, 0)),
        # Overage never raises the commitment, whatever quantity it carries.
        ([P_N, P_N_OVERAGE_BY_MISTAKE], Commitments("named", 0, 4, 0)),
        ([IVR, SMS], Commitments(None, 0, 0, 2)),
        ([SMS], Commitments(None, 0, 0, 0)),
        ([S_N, LineFacts("standard_agent", "named", 5)], Commitments("named", 15, 0, 0)),
    ],
)
def test_commitments(lines, expected):
    assert rules.commitments(lines) == expected


@pytest.mark.parametrize("lines", [[S_N, S_C], [P_N, P_C, IVR], [S_N, P_C]])
def test_a_mix_of_named_and_concurrent_is_refused(lines):
    with pytest.raises(RuleError) as error:
        rules.commitments(lines)
    assert error.value.field == "lines"


@pytest.mark.parametrize(
    ("order_model", "customer_models", "expected"),
    [
        ("named", [], "named"),
        ("concurrent", [], "concurrent"),
        ("named", ["named", "named"], "named"),
        (None, ["concurrent"], "concurrent"),
        (None, [], "named"),
    ],
)
def test_subscription_agent_model(order_model, customer_models, expected):
    assert rules.subscription_agent_model(order_model, customer_models) == expected


@pytest.mark.parametrize(
    ("order_model", "customer_models"),
    [("concurrent", ["named"]), ("named", ["concurrent"]), (None, ["named", "concurrent"])],
)
def test_one_agent_model_per_customer(order_model, customer_models):
    with pytest.raises(RuleError) as error:
        rules.subscription_agent_model(order_model, customer_models)
    assert error.value.field == "organization"


SENT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("offer", "deadline"),
    [
        ("A-FLEX-3-CC", datetime(2026, 3, 8, 9, 30, tzinfo=UTC)),
        ("A-FLEX", datetime(2026, 3, 8, 9, 30, tzinfo=UTC)),
        ("A-WX", datetime(2026, 3, 31, 9, 30, tzinfo=UTC)),
        ("A-SPK", datetime(2026, 3, 31, 9, 30, tzinfo=UTC)),
    ],
)
def test_close_deadline(offer, deadline):
    assert rules.close_deadline(offer, SENT) == deadline


@pytest.mark.parametrize(
    ("rsd", "today", "due"),
    [
        (date(2026, 3, 1), date(2026, 2, 28), False),
        (date(2026, 3, 1), date(2026, 3, 1), True),
        (date(2026, 1, 1), date(2026, 3, 1), True),  # an RSD in the past: at once
    ],
)
def test_setup_email_due(rsd, today, due):
    assert rules.setup_email_due(rsd, today) is due


@pytest.mark.parametrize(
    ("rsd", "today", "due"),
    [
        (date(2026, 3, 1), date(2026, 3, 1), False),
        (date(2026, 3, 1), date(2026, 3, 2), True),
        (date(2026, 3, 1), date(2026, 3, 9), True),
    ],
)
def test_account_manager_due(rsd, today, due):
    assert rules.account_manager_due(rsd, today) is due


@pytest.mark.parametrize(
    ("sku", "sku_offer", "offer", "fits"),
    [
        ("A-FLEX-WCC-S-N", None, "A-FLEX-3-CC", True),
        ("A-FLEX-WCC-S-N", None, "A-FLEX", True),
        ("A-FLEX-WCC-S-N", None, "A-WX", False),
        ("A-CHAN-U-SMS-INTL", None, "A-WX", True),
        ("X-1", "A-SPK", "A-SPK", True),
        ("X-1", "A-SPK", "A-WX", False),
    ],
)
def test_sku_fits_offer(sku, sku_offer, offer, fits):
    assert rules.sku_fits_offer(sku, sku_offer, offer) is fits


@pytest.mark.parametrize(
    ("name", "prefix"),
    [("Initech Ltd", "inite"), ("A.C.M.E. Corp", "acmec"), ("Hoo", "hoo"), ("Über AG", "übera")],
)
def test_name_prefix(name, prefix):
    assert rules.name_prefix(name) == prefix


def test_email_domain():
    assert rules.email_domain("Ann@Initech.Example") == "initech.example"
    assert rules.email_domain("nobody") == ""


@pytest.mark.parametrize(
    ("email", "admins", "allowed"),
    [
        ("admin@trial.example", ["admin@trial.example"], True),
        ("ADMIN@trial.example ", ["admin@trial.example"], True),
        ("other@trial.example", ["admin@trial.example"], False),
        ("admin@trial.example", [], False),
    ],
)
def test_may_map_onto(email, admins, allowed):
    assert rules.may_map_onto(email, admins) is allowed


@pytest.mark.parametrize(
    ("subdomain", "ok"),
    [
        ("initech", True),
        ("init-ech2", True),
        ("-initech", False),
        ("Init", False),
        ("www", False),
        ("a" * 64, False),
        ("a", True),
    ],
)
def test_subdomain_problem(subdomain, ok):
    assert (rules.subdomain_problem(subdomain) is None) is ok


line_facts = st.builds(
    LineFacts,
    usage_type=st.sampled_from(["standard_agent", "premium_agent", "ivr_port", "digital"]),
    agent_model=st.just("named"),
    quantity=st.integers(min_value=0, max_value=10_000),
    is_overage=st.booleans(),
)


@given(st.lists(line_facts, max_size=8), st.lists(line_facts, max_size=8))
def test_overage_lines_never_raise_the_commitment(lines, extra):
    overage = [
        LineFacts(line.usage_type, line.agent_model, line.quantity, is_overage=True)
        for line in extra
    ]
    assert rules.commitments(lines + overage) == rules.commitments(lines)


@given(st.lists(line_facts, max_size=8))
def test_commitments_add_up_the_committed_quantities(lines):
    result = rules.commitments(lines)
    committed = sum(
        line.quantity for line in lines if not line.is_overage and line.usage_type != "digital"
    )
    assert result.standard_agents + result.premium_agents + result.addon_ivr_ports == committed

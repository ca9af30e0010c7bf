"""The catalogue as sold (SPEC §2): offers and SKUs, seeded by a data migration and
edited afterwards in the Django admin. Plain data so the migration stays frozen."""

from __future__ import annotations

OFFERS: list[tuple[str, str]] = [
    ("A-FLEX-3-CC", "Flex 3.0 Contact Center"),
    ("A-FLEX", "Flex plan"),
    ("A-WX", "Webex suite"),
    ("A-SPK", "Legacy messaging and meetings"),
]

# (code, name, usage type, agent model, unit price, included units, overage name, overage price)
COMMITMENT_SKUS: list[tuple[str, str, str, str, str, str, str]] = [
    (
        "A-FLEX-WCC-S-N",
        "Standard Named Agent",
        "standard_agent",
        "named",
        "85.00",
        "Standard Named Agent Overage",
        "110.50",
    ),
    (
        "A-FLEX-WCC-P-N",
        "Premium Named Agent",
        "premium_agent",
        "named",
        "125.00",
        "Premium Named Agent Overage",
        "162.50",
    ),
    (
        "A-FLEX-WCC-S-C",
        "Standard Concurrent Agent",
        "standard_agent",
        "concurrent",
        "120.00",
        "Standard Concurrent Agent Overage",
        "156.00",
    ),
    (
        "A-FLEX-WCC-P-C",
        "Premium Concurrent Agent",
        "premium_agent",
        "concurrent",
        "175.00",
        "Premium Concurrent Agent Overage",
        "227.50",
    ),
    ("A-FLEX-WCC-IVR", "Add-on IVR Port", "ivr_port", "", "25.00", "IVR Port Overage", "32.50"),
]

# (code, name, unit price, included units per cycle)
DIGITAL_SKUS: list[tuple[str, str, str, int]] = [
    ("A-CHAN-U-SMS-INTL", "Webex Connect SMS, international", "0.0650", 1000),
    ("A-CHAN-U-SMS-SC-UK", "Webex Connect SMS short code, UK", "0.0420", 2000),
    ("A-VOICE-U-INTL", "Webex Connect voice minutes, international", "0.0300", 500),
    ("A-WXCN-PRM-AUTOINT", "Webex Connect premium automated interactions", "0.0100", 5000),
]


def seed_catalogue(Offer, Sku) -> None:
    """Create or refresh the catalogue; prices edited in the admin are kept."""
    for code, name in OFFERS:
        Offer.objects.get_or_create(code=code, defaults={"name": name})
    for code, name, usage_type, agent_model, price, overage_name, overage_price in COMMITMENT_SKUS:
        base, _created = Sku.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "usage_type": usage_type,
                "agent_model": agent_model,
                "unit_price": price,
            },
        )
        Sku.objects.get_or_create(
            code=f"{code}-O",
            defaults={
                "name": overage_name,
                "usage_type": usage_type,
                "agent_model": agent_model,
                "unit_price": overage_price,
                "overage_of": base,
            },
        )
    for code, name, price, included in DIGITAL_SKUS:
        Sku.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "usage_type": "digital",
                "unit_price": price,
                "included_units": included,
            },
        )

"""Every write to trials (SPEC §4): start, consent, provision, extend, change services,
cancel, delete, convert, devices, and the daily expiry run. Atomic, audited, emails
after commit.

The package: `lifecycle` (start to end, and the daily run), `consent`, `devices`,
`conversion`, over `common` (checks, audit, recipients). Callers import from here.
"""

from trials.services.common import (
    TRIAL_FIELDS,
    IllegalTransition,
    TrialSizes,
    _today,
)
from trials.services.consent import (
    CONSENT_SALT,
    consent_token,
    consent_url,
    is_consent_recipient,
    trial_consent_accept,
    trial_consent_decline,
    trial_consent_resend,
    trial_for_consent_token,
)
from trials.services.conversion import (
    conversion_blocked_reason,
    conversion_process,
    trial_conversion_request,
    trial_convert,
)
from trials.services.devices import (
    trial_device_return,
    trial_devices_ship,
)
from trials.services.lifecycle import (
    services_available,
    services_bought,
    services_trialled_by_others,
    trial_cancel,
    trial_change_services,
    trial_delete,
    trial_extend,
    trial_provision,
    trial_start,
    trial_start_for_customer,
    trial_tick,
    trials_due_ids,
)

__all__ = [
    "CONSENT_SALT",
    "TRIAL_FIELDS",
    "IllegalTransition",
    "TrialSizes",
    "_today",
    "consent_token",
    "consent_url",
    "conversion_blocked_reason",
    "conversion_process",
    "is_consent_recipient",
    "services_available",
    "services_bought",
    "services_trialled_by_others",
    "trial_cancel",
    "trial_change_services",
    "trial_consent_accept",
    "trial_consent_decline",
    "trial_consent_resend",
    "trial_conversion_request",
    "trial_convert",
    "trial_delete",
    "trial_device_return",
    "trial_devices_ship",
    "trial_extend",
    "trial_for_consent_token",
    "trial_provision",
    "trial_start",
    "trial_start_for_customer",
    "trial_tick",
    "trials_due_ids",
]

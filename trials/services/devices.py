"""Devices of a trial: the serial numbers shipped and returned."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from orgs.models import Person
from trials.models import (
    DeviceModel,
    ShippedDevice,
    Trial,
)
from trials.services.common import (
    _audit,
    _require_trial,
    _today,
)

# ---- devices ----------------------------------------------------------------------------


@transaction.atomic
def trial_devices_ship(
    *, actor: Person | None, trial: Trial, units: list[tuple[str, str]]
) -> list[ShippedDevice]:
    """Record the serial numbers shipped; never more of a model than was asked for."""
    _require_trial(actor, trial)
    asked = {d.model: d.quantity for d in trial.devices.all()}
    shipped = {}
    for row in trial.shipped_devices.all():
        shipped[row.model] = shipped.get(row.model, 0) + 1
    created = []
    for model, serial in units:
        serial = serial.strip().upper()
        if not serial:
            raise ValidationError({"serial_number": _("Give the serial number.")})
        # The serial first: shipping one twice is a repeat, not one device too many.
        earlier = ShippedDevice.objects.filter(serial_number=serial).first()
        if earlier is not None:
            message = (
                _("Serial %(serial)s was already shipped for this trial on %(date)s.")
                if earlier.trial_id == trial.pk
                else _("Serial %(serial)s is already recorded for another trial.")
            )
            raise ValidationError(
                {
                    "serial_number": message
                    % {
                        "serial": serial,
                        "date": date_format(earlier.shipped_on, "SHORT_DATE_FORMAT"),
                    }
                }
            )
        shipped[model] = shipped.get(model, 0) + 1
        if shipped[model] > asked.get(model, 0):
            raise ValidationError(
                {
                    "devices": _("All %(count)s %(model)s asked for are shipped already.")
                    % {
                        "count": asked.get(model, 0),
                        "model": dict(DeviceModel.choices).get(model, model),
                    }
                }
            )
        created.append(ShippedDevice.objects.create(trial=trial, model=model, serial_number=serial))
    _audit(
        actor, trial, "trial.ship_devices", extra={"serials": [d.serial_number for d in created]}
    )
    return created


@transaction.atomic
def trial_device_return(
    *, actor: Person | None, trial: Trial, serial_number: str, returned_on: dt.date | None = None
) -> ShippedDevice:
    """A device came back: its serial number must be one shipped for this trial."""
    _require_trial(actor, trial)
    serial = serial_number.strip().upper()
    device = trial.shipped_devices.filter(serial_number=serial).first()
    if device is None:
        raise ValidationError(
            {"serial_number": _("%(serial)s was not shipped for this trial.") % {"serial": serial}}
        )
    if device.returned_on is None:
        device.returned_on = returned_on or _today()
        device.save(update_fields=["returned_on"])
        _audit(actor, trial, "trial.return_device", extra={"serial": serial})
    return device

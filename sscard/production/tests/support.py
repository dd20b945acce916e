"""Set-ups the production tests share: a pilot unit's submitted applications and their batch."""

from __future__ import annotations

from sscard.applications.models import Application
from sscard.applications.services import collective_submit
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    beijing_unit,
    confirm_all,
    hr,
    in_force,
    notified_collective,
)
from sscard.production.models import Batch
from sscard.production.services import batches_form
from sscard.testing.card_life import OPERATOR


def submitted_collective(size: int) -> list[Application]:
    """A Beijing pilot unit whose ``size`` staff applied collectively (online), submitted."""
    in_force("beijing-2024")
    employer, staff = beijing_unit(size)
    collective = notified_collective(employer)
    confirm_all(collective, staff, BJ_PILOT_DAY)
    collective_submit(actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY)
    return list(Application.objects.filter(person__in=staff).order_by("pk"))


def formed_batch(size: int) -> Batch:
    """A batch of ``size`` pilot staff's cards, formed and not started."""
    submitted_collective(size)
    (batch,) = batches_form(actor=OPERATOR, today=BJ_PILOT_DAY)
    return batch

"""Step 3 of a collective application: ``collective_notify`` invites the staff."""

from __future__ import annotations

import pytest

from sscard.applications.choices import CollectiveStep, RosterStatus
from sscard.applications.models import RosterEntry
from sscard.applications.services import (
    collective_arrange,
    collective_notify,
    collective_open,
    roster_add_staff,
    roster_remind,
)
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    beijing_unit,
    confirm_all,
    hr,
    in_force,
    notified_collective,
    written,
)
from sscard.core.errors import ApplicationError
from sscard.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_the_invitation_is_the_packs_sms_without_a_link_and_reminders_reach_the_unconfirmed() -> (
    None
):
    in_force("beijing-2024")
    employer, staff = beijing_unit(3)
    collective = notified_collective(employer)
    invitations = OutboxMessage.objects.filter(template_key="confirm_request")
    assert invitations.count() == 3
    text = invitations[0].text
    assert text.startswith(employer.name)
    assert "http" not in text
    confirm_all(collective, staff[:1], BJ_PILOT_DAY)
    assert roster_remind(actor=hr(employer), collective_id=collective.pk) == 2
    assert invitations.count() == 5
    assert set(
        RosterEntry.objects.filter(status=RosterStatus.INVITED).values_list("reminders", flat=True)
    ) == {1}


def test_notifying_an_empty_roster_is_refused() -> None:
    in_force("beijing-2024")
    employer, _ = beijing_unit(0)
    collective = collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    collective_arrange(
        actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY, pickup="post", bank="CCB"
    )
    with pytest.raises(ApplicationError) as refused:
        collective_notify(actor=hr(employer), collective_id=collective.pk)
    assert refused.value.code == "roster_empty"


def test_an_invitation_that_would_carry_a_link_is_refused_and_the_step_rolls_back() -> None:
    in_force("beijing-2024")
    employer, _ = beijing_unit(1, name="速办 www.fake-sscard.cn")
    actor = hr(employer)
    collective = collective_open(actor=actor, day=BJ_PILOT_DAY)
    collective_arrange(
        actor=actor, collective_id=collective.pk, day=BJ_PILOT_DAY, pickup="post", bank="CCB"
    )
    roster_add_staff(actor=actor, collective_id=collective.pk, day=BJ_PILOT_DAY)
    before = written()
    with pytest.raises(ApplicationError) as refused:
        collective_notify(actor=actor, collective_id=collective.pk)
    assert refused.value.code == "message_contains_link"
    assert written() == before
    collective.refresh_from_db()
    assert collective.step == CollectiveStep.ARRANGED
    assert not RosterEntry.objects.filter(status=RosterStatus.INVITED).exists()

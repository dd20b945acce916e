"""roster_remind: the invitation again, to the staff who have not confirmed yet."""

from __future__ import annotations

import pytest

from sscard.applications.choices import RosterStatus
from sscard.applications.services import (
    collective_arrange,
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
from sscard.core.models import AuditEvent
from sscard.notifications.models import OutboxMessage
from sscard.testing.factories import EmployerFactory

pytestmark = pytest.mark.django_db


def test_a_reminder_reaches_the_unconfirmed_with_the_packs_text_and_is_audited() -> None:
    # given three invited staff, one of whom has confirmed
    in_force("beijing-2024")
    employer, staff = beijing_unit(3)
    collective = notified_collective(employer)
    confirm_all(collective, staff[:1], BJ_PILOT_DAY)
    invitation = OutboxMessage.objects.filter(template_key="confirm_request").first()
    assert invitation is not None
    # when HR sends a reminder
    sent = roster_remind(actor=hr(employer), collective_id=collective.pk)
    # then the two others get the same invitation again, and the reminder is counted
    assert sent == 2
    reminders = OutboxMessage.objects.filter(template_key="confirm_request").order_by("-pk")[:2]
    assert {m.person_id for m in reminders} == {staff[1].pk, staff[2].pk}
    assert {m.text for m in reminders} == {invitation.text}
    reminded = dict(collective.roster.values_list("person_id", "reminders"))
    assert reminded == {staff[0].pk: 0, staff[1].pk: 1, staff[2].pk: 1}
    event = AuditEvent.objects.get(action="roster_remind")
    assert event.changes == {"employer_id": employer.pk, "messages": 2}
    assert event.object_id == str(collective.pk)


def test_when_everyone_has_confirmed_nobody_is_reminded() -> None:
    in_force("beijing-2024")
    employer, staff = beijing_unit(2)
    collective = notified_collective(employer)
    confirm_all(collective, staff, BJ_PILOT_DAY)
    sent = roster_remind(actor=hr(employer), collective_id=collective.pk)
    assert sent == 0
    assert not collective.roster.filter(status=RosterStatus.INVITED).exists()


def test_a_reminder_before_the_staff_are_notified_is_out_of_order() -> None:
    # given a collective application whose staff are listed but not yet invited
    in_force("beijing-2024")
    employer, _staff = beijing_unit(2)
    actor = hr(employer)
    collective = collective_open(actor=actor, day=BJ_PILOT_DAY)
    collective_arrange(
        actor=actor, collective_id=collective.pk, day=BJ_PILOT_DAY, pickup="post", bank="CCB"
    )
    roster_add_staff(actor=actor, collective_id=collective.pk, day=BJ_PILOT_DAY)
    before = written()
    # when HR sends a reminder
    with pytest.raises(ApplicationError) as refused:
        roster_remind(actor=actor, collective_id=collective.pk)
    # then step 3 has to come first, and nothing is sent
    assert (refused.value.code, refused.value.status) == ("collective_step_out_of_order", 409)
    assert refused.value.details == {"step": "arranged", "expected": ["notified"]}
    assert written() == before


def test_another_employers_hr_cannot_remind() -> None:
    in_force("beijing-2024")
    employer, _staff = beijing_unit(1)
    collective = notified_collective(employer)
    before = written()
    with pytest.raises(ApplicationError) as refused:
        roster_remind(actor=hr(EmployerFactory.create()), collective_id=collective.pk)
    assert refused.value.code == "not_found"
    assert written() == before

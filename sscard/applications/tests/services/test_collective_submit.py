"""Step 4 of a collective application: ``collective_submit``."""

from __future__ import annotations

import pytest

from sscard.applications.choices import CollectiveStep, RosterStatus
from sscard.applications.models import Application
from sscard.applications.services import collective_submit
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    beijing_unit,
    branch,
    confirm_all,
    hr,
    in_force,
    notified_collective,
)
from sscard.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_submit_writes_one_application_per_confirmed_staff_member_and_one_audit_event() -> None:
    in_force("beijing-2024")
    employer, staff = beijing_unit(4)
    collective = notified_collective(employer)
    confirm_all(collective, staff[:3], BJ_PILOT_DAY)
    events = AuditEvent.objects.exclude(object_type__startswith="notifications").count()
    result = collective_submit(actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY)
    assert (result.submitted, result.unconfirmed, result.already_open) == (3, 1, 0)
    apps = Application.objects.filter(collective=collective)
    assert sorted(apps.values_list("person_id", flat=True)) == sorted(p.pk for p in staff[:3])
    app = apps[0]
    assert (app.channel, app.action, app.bank_code, app.pickup, app.status) == (
        "collective_online",
        "migrate",
        "ICBC",
        "branch",
        "submitted",
    )
    assert (app.rule_id, app.clause, app.card_generation) == ("pilot-collective", "BJ-04", 3)
    assert app.due_date is not None
    assert app.photo_id is not None
    # one event for the whole submission (the receipt SMS audits itself in the outbox)
    assert AuditEvent.objects.exclude(object_type__startswith="notifications").count() == events + 1
    assert AuditEvent.objects.filter(action="message_queue_many").exists()
    collective.refresh_from_db()
    assert (collective.step, collective.submitted_count) == (CollectiveStep.SUBMITTED, 3)
    assert collective.roster.filter(status=RosterStatus.INVITED).count() == 1


def test_confirmed_staff_with_an_open_application_elsewhere_are_not_submitted_twice() -> None:
    from sscard.applications.services import application_submit

    in_force("beijing-2024")
    employer, staff = beijing_unit(2)
    collective = notified_collective(employer)
    confirm_all(collective, staff, BJ_PILOT_DAY)
    outlet = branch("ICBC", instant_issuance=True)
    from sscard.applications.tests.support import clerk

    application_submit(
        actor=clerk(outlet),
        person=staff[0],
        channel="instant_outlet",
        action="replace_lost",
        day=BJ_PILOT_DAY,
        photo_source="id_card",
    )
    result = collective_submit(actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY)
    assert (result.submitted, result.already_open) == (1, 1)

"""application_submit_many: a queue of applications taken at once, each decided and answered
as application_submit answers it, the accepted written together.

Given twin persons, one taken by the single call and one in a queue, when both are written,
then their applications, photos, milestones, audit events and texts are alike; a refusal in the
queue is answered in its place and writes nothing for that person; the audit chain verifies.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.db.models import Model

from sscard.applications.models import Application, Photo
from sscard.applications.services import SubmitRequest, application_submit, application_submit_many
from sscard.applications.tests.support import (
    SH_DAY,
    centre,
    clerk,
    holder,
    in_force,
    shanghai_person,
)
from sscard.core.audit import audit_verify_chain
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent, Milestone
from sscard.notifications.models import OutboxMessage
from sscard.registry.models import Person

pytestmark = pytest.mark.django_db

SAME = (
    "channel", "action", "status", "applied_on", "bank_code", "pickup", "outlet_id",
    "mailing_address", "backup_centre_id", "photo_source", "taken_by", "taken_by_role",
    "fee_fen", "group", "pack_id", "pack_hash", "phase_id", "rule_id", "clause", "reason_code",
    "card_generation", "due_date", "applicant_id",
)  # fmt: skip


def _fields(row: Model, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def _request(person: Person, desk: Any, backup: Any, **kwargs: Any) -> SubmitRequest:
    values: dict[str, Any] = {
        "actor": clerk(desk),
        "person": person,
        "channel": "community_centre",
        "action": "first",
        "day": SH_DAY,
        "bank": "BOSC",
        "backup_centre_id": backup.pk,
        "photo_source": "id_card",
    }
    values.update(kwargs)
    return SubmitRequest(**values)


def test_a_queue_writes_what_the_single_call_writes_for_each_person() -> None:
    in_force("shanghai-2019")
    desk, backup = centre(), centre()
    alone = shanghai_person(phone="13900000001")
    queued = [shanghai_person(phone=f"1390000001{i}") for i in range(3)]
    single = application_submit(
        actor=clerk(desk),
        person=alone,
        channel="community_centre",
        action="first",
        day=SH_DAY,
        bank="BOSC",
        backup_centre_id=backup.pk,
        photo_source="id_card",
    )
    before = Counter(AuditEvent.objects.values_list("action", flat=True))

    answers = application_submit_many([_request(p, desk, backup) for p in queued])

    assert all(isinstance(a, Application) for a in answers)
    expected = _fields(single, SAME)
    for person, answer in zip(queued, answers, strict=True):
        stored = Application.objects.get(person=person)
        assert isinstance(answer, Application)
        assert answer.pk == stored.pk
        assert _fields(stored, SAME) == expected
        photo = Photo.objects.get(pk=stored.photo_id)
        assert (photo.person_id, photo.source) == (person.pk, single.photo.source)
        assert Milestone.objects.filter(kind="applied", application_id=stored.pk).count() == 1
        told = OutboxMessage.objects.get(person_id=person.pk)
        assert told.text == OutboxMessage.objects.get(person_id=alone.pk).text
    added = Counter(AuditEvent.objects.values_list("action", flat=True)) - before
    assert added["application_submit"] == 3
    assert added["photo_store"] == 3
    assert audit_verify_chain().ok


def test_refusals_are_answered_in_place_and_write_nothing_for_their_person() -> None:
    in_force("shanghai-2019")
    desk, backup = centre(), centre()
    already, fine, twice, departed, elsewhere = (shanghai_person() for _ in range(5))
    application_submit(
        actor=holder(already),
        person=already,
        channel="online",
        action="migrate",
        day=SH_DAY,
        bank="CCB",
        backup_centre_id=backup.pk,
        photo_source="id_card",
    )
    Person.objects.filter(pk=departed.pk).update(departed_on=SH_DAY)
    departed.refresh_from_db()
    requests = [
        _request(already, desk, backup),
        _request(fine, desk, backup),
        _request(twice, desk, backup),
        _request(twice, desk, backup),
        _request(departed, desk, backup),
        _request(elsewhere, desk, backup, backup_centre_id=desk.pk + 10_000),
    ]
    applications = Application.objects.count()

    answers = application_submit_many(requests)

    codes = [a.code if isinstance(a, ApplicationError) else "ok" for a in answers]
    assert codes == [
        "application_already_open",
        "ok",
        "ok",
        "application_already_open",
        "person_departed",
        "backup_centre_invalid",
    ]
    assert Application.objects.count() == applications + 2
    for person in (departed, elsewhere):
        assert not Application.objects.filter(person=person).exists()
        assert not Photo.objects.filter(person=person).exists()
        assert not OutboxMessage.objects.filter(person_id=person.pk).exists()
    assert Application.objects.filter(person=twice).count() == 1
    assert audit_verify_chain().ok


def test_a_queue_of_refusals_only_writes_nothing() -> None:
    in_force("shanghai-2019")
    desk, backup = centre(), centre()
    person = shanghai_person()
    events = AuditEvent.objects.count()

    answers = application_submit_many(
        [_request(person, desk, backup, channel="online", action="migrate")]
    )

    assert [a.code for a in answers if isinstance(a, ApplicationError)] == ["channel_not_available"]
    assert (Application.objects.count(), AuditEvent.objects.count()) == (0, events)

"""roster_confirm_many: a day's confirmations taken at once, each checked and answered as
roster_confirm answers it, the accepted written together.

Given a notified roster, when some staff confirm one by one and the rest in a queue, then the
entries hold the same confirmation either way; a refusal in the queue is answered in its place
and leaves that entry invited; the same invitation twice in a queue is decided as one call
after the other; the audit chain verifies.
"""

from __future__ import annotations

from collections import Counter

import pytest

from sscard.applications.choices import RosterStatus
from sscard.applications.models import RosterEntry
from sscard.applications.services import ConfirmRequest, roster_confirm, roster_confirm_many
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    beijing_unit,
    holder,
    in_force,
    notified_collective,
)
from sscard.core.audit import audit_verify_chain
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent

pytestmark = pytest.mark.django_db

KEPT = (
    "status", "phone_masked", "mailing_address", "photo_source", "backup_centre_id",
)  # fmt: skip


def _confirm(entry: RosterEntry, phone: str = "13800138000") -> ConfirmRequest:
    return ConfirmRequest(
        actor=holder(entry.person),
        entry_id=entry.pk,
        day=BJ_PILOT_DAY,
        phone=phone,
        photo_source="id_card",
    )


def test_a_queue_confirms_as_the_single_call_does() -> None:
    in_force("beijing-2024")
    employer, _staff = beijing_unit(4)
    collective = notified_collective(employer)
    first, *rest = collective.roster.select_related("person").order_by("pk")
    roster_confirm(
        actor=holder(first.person),
        entry_id=first.pk,
        day=BJ_PILOT_DAY,
        phone="13800138000",
        photo_source="id_card",
    )
    before = Counter(AuditEvent.objects.values_list("action", flat=True))

    answers = roster_confirm_many([_confirm(entry) for entry in rest])

    assert [type(a) for a in answers] == [RosterEntry] * 3
    first.refresh_from_db()
    expected = {name: getattr(first, name) for name in KEPT}
    assert expected["status"] == RosterStatus.CONFIRMED
    for entry in rest:
        entry.refresh_from_db()
        assert {name: getattr(entry, name) for name in KEPT} == expected
        assert entry.phone_index == first.phone_index
        assert entry.confirmed_at is not None
        photo = entry.photo
        assert photo is not None
        assert first.photo is not None
        assert (photo.person_id, photo.source) == (entry.person_id, first.photo.source)
    added = Counter(AuditEvent.objects.values_list("action", flat=True)) - before
    assert (added["roster_confirm"], added["photo_store"]) == (3, 3)
    assert audit_verify_chain().ok


def test_refusals_are_answered_in_place_and_leave_their_entry_invited() -> None:
    in_force("beijing-2024")
    employer, _staff = beijing_unit(4)
    collective = notified_collective(employer)
    good, bad_phone, someone_elses, twice = collective.roster.select_related("person").order_by(
        "pk"
    )
    stranger = ConfirmRequest(
        actor=holder(good.person),
        entry_id=someone_elses.pk,
        day=BJ_PILOT_DAY,
        phone="13800138000",
        photo_source="id_card",
    )
    requests = [
        _confirm(good),
        _confirm(bad_phone, phone="12345678901"),
        stranger,
        _confirm(twice),
        _confirm(twice, phone="13900139000"),
    ]

    answers = roster_confirm_many(requests)

    codes = [a.code if isinstance(a, ApplicationError) else "ok" for a in answers]
    assert codes == ["ok", "phone_invalid", "not_found", "ok", "ok"]
    for entry in (bad_phone, someone_elses):
        entry.refresh_from_db()
        assert entry.status == RosterStatus.INVITED
        assert entry.photo_id is None
    twice.refresh_from_db()
    # The second request for the same invitation is decided after the first: it wins.
    assert (twice.status, twice.phone_masked) == (RosterStatus.CONFIRMED, "*******9000")
    assert audit_verify_chain().ok


def test_a_confirmation_already_held_is_answered_unchanged_and_writes_nothing() -> None:
    in_force("beijing-2024")
    employer, _staff = beijing_unit(1)
    collective = notified_collective(employer)
    entry = collective.roster.select_related("person").get()
    roster_confirm_many([_confirm(entry)])
    events = AuditEvent.objects.count()

    answers = roster_confirm_many([_confirm(entry)])

    assert [a.pk for a in answers if isinstance(a, RosterEntry)] == [entry.pk]
    assert AuditEvent.objects.count() == events

"""Staff confirm their card data: ``roster_confirm``."""

from __future__ import annotations

import pytest

from sscard.applications.choices import RosterStatus
from sscard.applications.services import roster_confirm
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    beijing_unit,
    holder,
    hr,
    in_force,
    notified_collective,
    written,
)
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.registry.models import Person

pytestmark = pytest.mark.django_db


def test_confirming_refuses_a_phone_that_is_not_a_mainland_mobile() -> None:
    in_force("beijing-2024")
    employer, staff = beijing_unit(1)
    collective = notified_collective(employer)
    entry = collective.roster.get()
    before = written()
    for phone in ("12345678901", "+8613800138000", "1380013800"):
        with pytest.raises(ApplicationError) as refused:
            roster_confirm(
                actor=holder(staff[0]),
                entry_id=entry.pk,
                day=BJ_PILOT_DAY,
                phone=phone,
                photo_source="id_card",
            )
        assert refused.value.code == "phone_invalid"
    assert written() == before


def test_only_the_invited_person_confirms_their_own_entry() -> None:
    in_force("beijing-2024")
    employer, staff = beijing_unit(2)
    collective = notified_collective(employer)
    other_entry = collective.roster.get(person=staff[1])
    with pytest.raises(ApplicationError) as refused:
        roster_confirm(
            actor=holder(staff[0]),
            entry_id=other_entry.pk,
            day=BJ_PILOT_DAY,
            phone="13800138000",
            photo_source="id_card",
        )
    assert refused.value.code == "not_found"


def test_a_confirmation_seals_the_phone_keeps_the_photo_and_is_audited() -> None:
    # given an invited staff member of a unit whose cards are posted
    in_force("beijing-2024")
    employer, staff = beijing_unit(1)
    collective = notified_collective(employer, pickup="post")
    entry = collective.roster.get()
    # when they confirm their phone and the ID card photo
    confirmed = roster_confirm(
        actor=holder(staff[0]),
        entry_id=entry.pk,
        day=BJ_PILOT_DAY,
        phone="13800138000",
        photo_source="id_card",
    )
    # then the entry is confirmed with the phone sealed, the registry's address kept for the
    # post, the shared photo stored, and one audit event naming only the masked phone
    confirmed.refresh_from_db()
    assert confirmed.status == RosterStatus.CONFIRMED
    assert confirmed.phone_masked == "*******8000"
    assert b"13800138000" not in bytes(confirmed.phone_enc or b"")
    assert confirmed.mailing_address == staff[0].address
    assert confirmed.photo is not None
    assert confirmed.photo.source == "id_card_shared"
    event = AuditEvent.objects.get(action="roster_confirm")
    assert event.changes == {
        "collective_id": collective.pk,
        "phone": "*******8000",
        "photo_source": "id_card",
        "backup_centre_id": None,
    }


def test_a_posted_card_without_any_address_is_refused_and_nothing_is_written() -> None:
    in_force("beijing-2024")
    employer, staff = beijing_unit(1)
    Person.objects.filter(pk=staff[0].pk).update(address="")
    collective = notified_collective(employer, pickup="post")
    entry = collective.roster.get()
    before = written()
    with pytest.raises(ApplicationError) as refused:
        roster_confirm(
            actor=holder(staff[0]),
            entry_id=entry.pk,
            day=BJ_PILOT_DAY,
            phone="13800138000",
            photo_source="id_card",
        )
    assert (refused.value.code, refused.value.status) == ("mailing_address_required", 422)
    assert written() == before


def test_only_a_cardholder_confirms() -> None:
    in_force("beijing-2024")
    employer, _staff = beijing_unit(1)
    collective = notified_collective(employer)
    entry = collective.roster.get()
    with pytest.raises(ApplicationError) as refused:
        roster_confirm(
            actor=hr(employer),
            entry_id=entry.pk,
            day=BJ_PILOT_DAY,
            phone="13800138000",
            photo_source="id_card",
        )
    assert (refused.value.code, refused.value.status) == ("permission_denied", 403)

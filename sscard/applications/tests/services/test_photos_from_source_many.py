"""photos_from_source_many_in_transaction: shared photos fetched and stored for many persons at
once, each refused as photo_from_source refuses it; the files written whole and intact."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from sscard.applications.models import Photo
from sscard.applications.photos import photo_file_intact, photo_files_write_many, photo_path
from sscard.applications.services.photos import photos_from_source_many_in_transaction
from sscard.applications.tests.conftest import encode, noise_image
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.kernel.gm import sm3
from sscard.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db
CLERK = Actor(role=Role.COMMUNITY_CLERK, label="clerk", outlet_id=1)
SAME_IMAGE = encode(noise_image(400, 500), "JPEG")


class OneImageForAll:
    """A source that answers the very same image for everyone."""

    def fetch(self, **_: Any) -> bytes:
        return SAME_IMAGE


def _many(wanted: list[tuple[Actor, Any, str]]) -> list[Photo | ApplicationError]:
    with transaction.atomic():
        return photos_from_source_many_in_transaction(wanted)


def test_each_person_gets_a_row_an_intact_file_and_an_audit_event() -> None:
    persons = PersonFactory.create_batch(3)
    events = AuditEvent.objects.filter(action="photo_store").count()

    answers = _many([(CLERK, p, "id_card_shared") for p in persons])

    assert [type(a) for a in answers] == [Photo] * 3
    for person, photo in zip(persons, answers, strict=True):
        assert isinstance(photo, Photo)
        assert (photo.person_id, photo.source) == (person.pk, "id_card_shared")
        assert photo_file_intact(photo.digest)
    assert AuditEvent.objects.filter(action="photo_store").count() == events + 3


def test_refusals_are_answered_in_place() -> None:
    schoolless, fine = PersonFactory.create_batch(2)
    answers = _many([(CLERK, schoolless, "student_card"), (CLERK, fine, "captured")])
    codes = [a.code if isinstance(a, ApplicationError) else "ok" for a in answers]
    assert codes == ["photo_source_unavailable", "photo_source_invalid"]
    assert not Photo.objects.exists()


@override_settings(SSCARD_PHOTO_SOURCE=f"{__name__}.OneImageForAll")
def test_the_same_image_for_two_persons_refuses_the_second_as_one_call_after_another() -> None:
    first, second, third = PersonFactory.create_batch(3)
    answers = _many([(CLERK, first, "id_card_shared"), (CLERK, second, "id_card_shared")])
    assert isinstance(answers[0], Photo)
    assert isinstance(answers[1], ApplicationError)
    assert answers[1].code == "photo_duplicate"
    again = _many([(CLERK, third, "id_card_shared"), (CLERK, first, "id_card_shared")])
    assert [a.code if isinstance(a, ApplicationError) else a.pk for a in again] == [
        "photo_duplicate",
        answers[0].pk,
    ]
    assert Photo.objects.count() == 1


def test_a_damaged_file_is_written_again_and_an_intact_one_kept() -> None:
    data = b"\xff\xd8" + b"x" * 20_000
    digest = sm3(data).hex()
    kept = b"\xff\xd8" + b"y" * 20_000
    kept_digest = sm3(kept).hex()
    photo_files_write_many([(kept_digest, kept)])
    mtime = photo_path(kept_digest).stat().st_mtime_ns
    photo_files_write_many([(digest, data)])
    photo_path(digest).write_bytes(b"damaged")

    photo_files_write_many([(digest, data), (kept_digest, kept)])

    assert photo_path(digest).read_bytes() == data
    assert photo_path(kept_digest).stat().st_mtime_ns == mtime
    assert not list(photo_path(digest).parent.glob(".incoming-*"))

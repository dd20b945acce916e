"""photo_from_source: the photo shared from the ID card or the electronic student card."""

from __future__ import annotations

import pytest

from sscard.applications.choices import PhotoOrigin
from sscard.applications.models import Photo
from sscard.applications.photos import DemoPhotoSource, demo_portrait, photo_path
from sscard.applications.selectors import photo_usable
from sscard.applications.services import photo_from_source
from sscard.core.actors import Actor
from sscard.core.errors import ApplicationError
from sscard.registry.models import Person
from sscard.testing.factories import PersonFactory, SchoolFactory

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("photo-sharing")


def test_the_id_card_photo_is_fetched_and_stored_at_the_id_card_size():
    person = PersonFactory.create()
    photo = photo_from_source(actor=SYSTEM, person=person, source="id_card_shared")
    assert (photo.width, photo.height) == (358, 441)
    assert photo.source == "id_card_shared"
    assert photo.person == person
    assert photo_path(photo.digest).is_file()
    assert photo_usable(photo)


def test_fetching_twice_gives_the_same_photo():
    person = PersonFactory.create()
    first = photo_from_source(actor=SYSTEM, person=person, source="id_card_shared")
    second = photo_from_source(actor=SYSTEM, person=person, source="id_card_shared")
    assert first.pk == second.pk
    assert Photo.objects.count() == 1


def test_different_persons_get_different_placeholders():
    one, two = PersonFactory.create_batch(2)
    assert demo_portrait(b"one") != demo_portrait(b"two")
    first = photo_from_source(actor=SYSTEM, person=one, source="id_card_shared")
    second = photo_from_source(actor=SYSTEM, person=two, source="id_card_shared")
    assert first.digest != second.digest


def test_a_pupil_has_a_student_card_photo():
    pupil = PersonFactory.create(school=SchoolFactory.create())
    photo = photo_from_source(actor=SYSTEM, person=pupil, source="student_card")
    assert photo.source == "student_card"


def test_someone_without_a_school_has_no_student_card_photo():
    person = PersonFactory.create()
    assert DemoPhotoSource().fetch(person=person, source=PhotoOrigin.STUDENT_CARD) is None
    with pytest.raises(ApplicationError) as refused:
        photo_from_source(actor=SYSTEM, person=person, source="student_card")
    assert refused.value.code == "photo_source_unavailable"
    assert not Photo.objects.exists()


def test_a_captured_photo_is_not_fetched_from_anywhere():
    with pytest.raises(ApplicationError) as refused:
        photo_from_source(actor=SYSTEM, person=PersonFactory.create(), source="captured")
    assert refused.value.code == "photo_source_invalid"


class EmptySource:
    """A source that has nobody's photo."""

    def fetch(self, *, person: Person, source: PhotoOrigin) -> bytes | None:
        return None


def test_the_settings_choose_the_source(settings):
    settings.SSCARD_PHOTO_SOURCE = f"{__name__}.EmptySource"
    with pytest.raises(ApplicationError) as refused:
        photo_from_source(actor=SYSTEM, person=PersonFactory.create(), source="id_card_shared")
    assert refused.value.code == "photo_source_unavailable"

"""photo_usable: a photo can go on a card while its file is there and unaltered (SH-11)."""

from __future__ import annotations

import pytest

from sscard.applications.photos import photo_path
from sscard.applications.selectors import photo_usable
from sscard.applications.services import photo_store
from sscard.applications.tests.conftest import encode, noise_image
from sscard.core.actors import Actor
from sscard.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo():
    return photo_store(
        actor=Actor.system("t"),
        person=PersonFactory.create(),
        source="captured",
        data=encode(noise_image(400, 500), "PNG"),
    )


def test_a_stored_photo_is_usable(photo):
    assert photo_usable(photo)


def test_a_photo_whose_file_is_gone_is_not_usable(photo):
    photo_path(photo.digest).unlink()
    assert not photo_usable(photo)


def test_a_photo_whose_file_was_altered_is_not_usable(photo):
    path = photo_path(photo.digest)
    path.write_bytes(path.read_bytes() + b"\x00")
    assert not photo_usable(photo)


def test_a_photo_recorded_below_the_limits_is_not_usable(photo):
    photo.width = 100
    assert not photo_usable(photo)

"""SH-11: the photo is taken at a community centre, shared from the 2nd-generation ID card, or
from the electronic student card; an application without a usable photo cannot be submitted."""

from __future__ import annotations

import io
import random
from datetime import date
from typing import Any

import pytest
from PIL import Image

from sscard.applications.models import Application
from sscard.applications.photos import photo_path
from sscard.applications.services import application_submit, photo_store
from sscard.applications.tests.support import (
    SH_DAY,
    centre,
    clerk,
    in_force,
    pupil_with_parent,
    shanghai_person,
    written,
)
from sscard.core.errors import ApplicationError

pytestmark = pytest.mark.django_db


def _jpeg(width: int = 400, height: int = 500) -> bytes:
    rng = random.Random(7)
    image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def _apply(desk: Any, person: Any, source: Any, **kw: Any) -> Any:
    return application_submit(
        actor=clerk(desk),
        person=person,
        channel="community_centre",
        action="first",
        day=kw.pop("day", SH_DAY),
        bank="BOSC",
        backup_centre_id=desk.pk,
        photo_source=source,
        **kw,
    )


def test_sh_11_a_photo_taken_at_the_community_centre() -> None:
    in_force("shanghai-2019")
    desk, person = centre(), shanghai_person()
    photo = photo_store(actor=clerk(desk), person=person, source="captured", data=_jpeg())
    app = _apply(desk, person, "captured_on_site", photo_id=photo.pk)
    assert (app.photo, app.photo_source) == (photo, "captured_on_site")


def test_sh_11_a_photo_shared_from_the_id_card() -> None:
    in_force("shanghai-2019")
    app = _apply(centre(), shanghai_person(), "id_card")
    assert (app.photo.source, app.photo.width, app.photo.height) == ("id_card_shared", 358, 441)


def test_sh_11_the_student_card_photo_is_for_pupils_only() -> None:
    in_force("shanghai-2019")
    _parent, pupil = pupil_with_parent(notified=date(2019, 4, 8))
    assert _apply(centre(), pupil, "student_card").photo.source == "student_card"
    with pytest.raises(ApplicationError) as refused:
        _apply(centre(), shanghai_person(), "student_card")
    assert refused.value.code == "photo_source_not_offered"


def test_sh_11_without_a_photo_the_application_cannot_be_submitted() -> None:
    in_force("shanghai-2019")
    before = written()
    with pytest.raises(ApplicationError) as refused:
        _apply(centre(), shanghai_person(), "captured_on_site")
    assert refused.value.code == "photo_required"
    assert written()[0] == before[0]


def test_sh_11_a_damaged_photo_file_is_not_usable() -> None:
    in_force("shanghai-2019")
    desk, person = centre(), shanghai_person()
    photo = photo_store(actor=clerk(desk), person=person, source="captured", data=_jpeg())
    photo_path(photo.digest).write_bytes(b"tampered")
    with pytest.raises(ApplicationError) as refused:
        _apply(desk, person, "captured_on_site", photo_id=photo.pk)
    assert refused.value.code == "photo_not_usable"
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"%PDF-1.4 not an image" * 1000, "photo_not_image"),
        (b"\xff" * (2 * 1024 * 1024 + 1), "photo_too_large"),
    ],
)
def test_sh_11_an_upload_that_is_not_an_image_or_too_large_is_refused(data: Any, code: Any) -> None:
    desk, person = centre(), shanghai_person()
    with pytest.raises(ApplicationError) as refused:
        photo_store(actor=clerk(desk), person=person, source="captured", data=data)
    assert refused.value.code == code


def test_sh_11_a_photo_too_small_is_refused() -> None:
    desk, person = centre(), shanghai_person()
    small = io.BytesIO()
    Image.new("RGB", (400, 500), "white").save(small, format="PNG")
    with pytest.raises(ApplicationError) as refused:
        photo_store(actor=clerk(desk), person=person, source="captured", data=small.getvalue())
    assert refused.value.code == "photo_too_small"
    with pytest.raises(ApplicationError) as tiny:
        photo_store(actor=clerk(desk), person=person, source="captured", data=_jpeg(200, 200))
    assert tiny.value.code == "photo_dimensions"

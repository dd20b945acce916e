"""photo_store: JPEG or PNG within the limits, re-encoded, stored once under its SM3 digest."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from sscard.applications.choices import PhotoOrigin
from sscard.applications.models import Photo
from sscard.applications.photos import MAX_BYTES, MIN_BYTES, photo_path
from sscard.applications.services import photo_store
from sscard.applications.tests.conftest import encode, noise_image
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.kernel.gm import sm3
from sscard.registry.models import Person
from sscard.testing.factories import EmployerFactory, PersonFactory

pytestmark = pytest.mark.django_db
CLERK = Actor(role=Role.COMMUNITY_CLERK, label="clerk", outlet_id=1)


def _store(
    data: bytes, *, person: Person | None = None, actor: Actor = CLERK, source: str = "captured"
) -> Photo:
    return photo_store(
        actor=actor, person=person or PersonFactory.create(), source=source, data=data
    )


def _refused(data: bytes) -> ApplicationError:
    with pytest.raises(ApplicationError) as refused:
        _store(data)
    assert not Photo.objects.exists()
    return refused.value


def test_a_jpeg_is_accepted_re_encoded_and_stored_under_its_sm3_digest(photos_dir):
    # given a portrait-sized JPEG from a camera
    data = encode(noise_image(480, 640), "JPEG", quality=80)
    person = PersonFactory.create()
    # when it is stored
    photo = _store(data, person=person)
    # then the row describes the stored JPEG
    assert (photo.width, photo.height) == (480, 640)
    assert photo.content_type == "image/jpeg"
    assert photo.source == PhotoOrigin.CAPTURED
    assert photo.person == person
    # and the file is named by the SM3 digest of its own bytes, two directory levels deep
    path = photo_path(photo.digest)
    assert path == photos_dir / photo.digest[:2] / photo.digest[2:4] / f"{photo.digest}.jpg"
    stored = path.read_bytes()
    assert sm3(stored).hex() == photo.digest
    assert photo.bytes == len(stored)
    assert Image.open(io.BytesIO(stored)).format == "JPEG"
    # and no temporary file is left beside it
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    # and the store is audited
    event = AuditEvent.objects.get(action="photo_store", object_id=str(photo.pk))
    assert event.changes["digest"] == photo.digest
    assert event.changes["person_id"] == person.pk


def test_a_png_is_accepted_and_stored_as_a_jpeg_with_transparency_on_white():
    image = noise_image(400, 500, mode="RGBA")
    image.putpixel((0, 0), (0, 0, 0, 0))
    photo = _store(encode(image, "PNG"))
    stored = Image.open(photo_path(photo.digest))
    assert stored.format == "JPEG"
    assert stored.mode == "RGB"
    assert stored.getpixel((0, 0)) == pytest.approx((255, 255, 255), abs=40)


def test_the_exact_id_card_size_is_accepted():
    photo = _store(encode(noise_image(358, 441), "JPEG", quality=70))
    assert (photo.width, photo.height) == (358, 441)


def test_metadata_is_stripped_and_the_orientation_applied():
    # given a camera JPEG, stored sideways with an EXIF orientation tag, a GPS position, a comment
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825)[2] = (39.0, 54.0, 27.0)  # GPS latitude
    data = encode(noise_image(640, 480), "JPEG", exif=exif.tobytes(), comment=b"secret note")
    assert b"PhoneMaker" in data
    # when it is stored
    photo = _store(data)
    # then it is upright and carries no metadata at all
    stored = photo_path(photo.digest).read_bytes()
    assert (photo.width, photo.height) == (480, 640)
    image = Image.open(io.BytesIO(stored))
    assert image.size == (480, 640)
    assert not image.getexif()
    assert "comment" not in image.info
    assert "icc_profile" not in image.info
    assert b"PhoneMaker" not in stored
    assert b"secret note" not in stored


def test_the_same_bytes_twice_are_one_file_and_one_row(photos_dir):
    data = encode(noise_image(400, 500), "PNG")
    person = PersonFactory.create()
    first = _store(data, person=person)
    second = _store(data, person=person)
    assert second.pk == first.pk
    assert Photo.objects.count() == 1
    assert AuditEvent.objects.filter(action="photo_store").count() == 1
    assert [p.name for p in photos_dir.rglob("*") if p.is_file()] == [f"{first.digest}.jpg"]


def test_a_damaged_stored_file_is_written_again():
    data = encode(noise_image(400, 500), "PNG")
    person = PersonFactory.create()
    photo = _store(data, person=person)
    path = photo_path(photo.digest)
    path.write_bytes(b"damaged")
    assert _store(data, person=person).pk == photo.pk
    assert sm3(path.read_bytes()).hex() == photo.digest


def test_the_same_photo_for_someone_else_is_refused():
    data = encode(noise_image(400, 500), "PNG")
    _store(data)
    with pytest.raises(ApplicationError) as refused:
        _store(data)
    assert refused.value.code == "photo_duplicate"
    assert refused.value.status == 409
    assert Photo.objects.count() == 1


def test_a_text_file_is_not_an_image():
    error = _refused("这不是照片。".encode() * 2000)
    assert error.code == "photo_not_image"


def test_a_file_named_like_a_jpeg_but_truncated_is_not_an_image():
    data = encode(noise_image(480, 640), "JPEG", quality=90)
    assert _refused(data[: len(data) // 2]).code == "photo_not_image"


def test_a_png_with_a_broken_checksum_is_not_an_image():
    data = bytearray(encode(noise_image(400, 500), "PNG"))
    data[-20] ^= 0xFF  # inside the last chunk
    data[100] ^= 0xFF  # inside the image data
    assert _refused(bytes(data)).code == "photo_not_image"


@pytest.mark.parametrize(("fmt", "options"), [("GIF", {}), ("BMP", {}), ("WEBP", {}), ("TIFF", {})])
def test_other_image_formats_are_refused(fmt, options):
    data = encode(
        noise_image(400, 500).convert("P") if fmt == "GIF" else noise_image(400, 500), fmt
    )
    error = _refused(data)
    assert error.code == "photo_format_unsupported"
    assert error.details["format"] == fmt


def test_a_tiny_png_is_too_small():
    data = encode(Image.new("RGB", (1, 1), "white"), "PNG")
    assert len(data) < MIN_BYTES
    assert _refused(data).code == "photo_too_small"


def test_a_well_sized_but_over_compressed_jpeg_is_too_small():
    data = encode(Image.new("RGB", (358, 441), "white"), "JPEG", quality=10)
    assert len(data) < MIN_BYTES
    assert _refused(data).code == "photo_too_small"


def test_a_file_over_two_megabytes_is_too_large():
    data = encode(noise_image(1000, 1000), "PNG")
    assert len(data) > MAX_BYTES
    error = _refused(data)
    assert error.code == "photo_too_large"
    assert error.status == 413


@pytest.mark.parametrize(
    ("size", "fmt"),
    [((300, 441), "PNG"), ((358, 400), "PNG"), ((4001, 600), "PNG"), ((600, 5000), "PNG")],
)
def test_dimensions_outside_the_limits_are_refused(size, fmt):
    width, height = size
    # big images: flat colour with a noisy strip, so the file stays between 10 KB and 2 MB
    image = Image.new("RGB", size, "white")
    image.paste(noise_image(min(width, 120), min(height, 120)), (0, 0))
    data = encode(image, fmt)
    assert MIN_BYTES <= len(data) <= MAX_BYTES
    error = _refused(data)
    assert error.code == "photo_dimensions"
    assert (error.details["width"], error.details["height"]) == size


def test_a_decompression_bomb_is_refused_by_its_header_before_decoding():
    # 30,000 × 30,000 pixels of white: a few hundred kilobytes of PNG, gigabytes decoded
    data = encode(Image.new("1", (30_000, 30_000), 1), "PNG")
    assert len(data) <= MAX_BYTES
    assert _refused(data).code == "photo_dimensions"


def test_a_role_that_takes_no_photos_is_refused():
    officer = Actor(role=Role.DISTRICT_OFFICER, label="officer", district_code="110102")
    with pytest.raises(ApplicationError) as refused:
        _store(encode(noise_image(400, 500), "PNG"), actor=officer)
    assert refused.value.code == "permission_denied"


def test_a_cardholder_stores_their_own_photo_or_their_childs_only():
    parent = PersonFactory.create()
    child = PersonFactory.create(guardian=parent)
    stranger = PersonFactory.create()
    holder = Actor(role=Role.CARDHOLDER, label="holder", person_id=parent.pk)
    assert _store(encode(noise_image(400, 500, seed=1), "PNG"), person=parent, actor=holder)
    assert _store(encode(noise_image(400, 500, seed=2), "PNG"), person=child, actor=holder)
    with pytest.raises(ApplicationError) as refused:
        _store(encode(noise_image(400, 500, seed=3), "PNG"), person=stranger, actor=holder)
    assert refused.value.code == "not_found"


def test_employer_hr_stores_photos_of_its_own_staff_only():
    employer = EmployerFactory.create()
    hr = Actor(role=Role.EMPLOYER_HR, label="hr", employer_id=employer.pk)
    staff = PersonFactory.create(employer=employer)
    assert _store(encode(noise_image(400, 500, seed=4), "PNG"), person=staff, actor=hr)
    with pytest.raises(ApplicationError) as refused:
        _store(encode(noise_image(400, 500, seed=5), "PNG"), actor=hr)
    assert refused.value.code == "not_found"


def test_an_unknown_source_is_refused():
    with pytest.raises(ApplicationError) as refused:
        _store(encode(noise_image(400, 500), "PNG"), source="selfie")
    assert refused.value.code == "photo_source_invalid"

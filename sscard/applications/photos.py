"""Card photos: check and normalise an image, store it under its digest, fetch shared ones.

An image is sniffed by its content (Pillow), never by a file name: JPEG and PNG only. It is
verified, decoded, turned upright by its EXIF orientation and re-encoded as a JPEG without any
metadata (EXIF, GPS, ICC, comments). The result is stored once, content-addressed by its SM3
digest, written to a temporary file and renamed into place, so that a reader never sees half a
photo and the same photo twice is one file.

Limits, and where they come from:

- at least 358 × 441 pixels: the photo of the 2nd-generation resident ID card, GA 461-2004
  《居民身份证制证用数字相片技术要求》 (358 px wide × 441 px high at 350 dpi; since GA/T
  461-2019). A photo shared from the ID card is exactly that size; a captured one is no smaller.
- at most 4000 × 4000 pixels — chosen: far above what a card needs, and it bounds the memory a
  decoded image takes (16 MP) before anything is decoded.
- 10 KB to 2 MB — chosen: GA 461 puts a 358 × 441 photo (JPEG, quality 70) at about 14–20 KB,
  so a file under 10 KB has lost too much detail; 2 MB takes a phone's upload after its own
  compression and keeps uploads small.
"""

from __future__ import annotations

import io
import os
import random
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

from sscard.applications.choices import PhotoOrigin
from sscard.applications.errors import ApplicationsErrorCode, photo_dimensions
from sscard.core.errors import ApplicationError
from sscard.kernel.gm import sm3
from sscard.registry.models import Person

MIN_BYTES = 10 * 1024
MAX_BYTES = 2 * 1024 * 1024
MIN_WIDTH, MIN_HEIGHT = 358, 441
MAX_WIDTH, MAX_HEIGHT = 4000, 4000
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG"})
STORED_CONTENT_TYPE = "image/jpeg"
# chosen: visually lossless for a portrait; the card factory prints far below this.
JPEG_QUALITY = 90

_DIGEST_RE = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class PreparedPhoto:
    """An accepted image, re-encoded: the bytes to store and what the row records."""

    data: bytes
    digest: str
    width: int
    height: int


def _not_image() -> ApplicationError:
    return ApplicationsErrorCode.PHOTO_NOT_IMAGE.error()


def _dimensions(width: int, height: int) -> ApplicationError:
    return photo_dimensions(width, height, limits=(MIN_WIDTH, MIN_HEIGHT, MAX_WIDTH, MAX_HEIGHT))


def prepare_photo(data: bytes) -> PreparedPhoto:
    """Check an uploaded or shared image and re-encode it; refuse it with a stable code.

    Codes, in the order they are checked: ``photo_too_large``, ``photo_not_image``,
    ``photo_format_unsupported``, ``photo_too_small``, ``photo_dimensions``.
    """
    if len(data) > MAX_BYTES:
        raise ApplicationsErrorCode.PHOTO_TOO_LARGE.error(bytes=len(data))
    try:
        probe = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise _dimensions(0, 0) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise _not_image() from None
    with probe:
        if probe.format not in ACCEPTED_FORMATS:
            raise ApplicationsErrorCode.PHOTO_FORMAT_UNSUPPORTED.error(format=probe.format)
        if len(data) < MIN_BYTES:
            raise ApplicationsErrorCode.PHOTO_TOO_SMALL.error(bytes=len(data))
        # The header's size, checked before anything is decoded (a small file can claim a
        # huge image).
        if max(probe.size) > max(MAX_WIDTH, MAX_HEIGHT):
            raise _dimensions(*probe.size)
        try:
            probe.verify()
        except Exception:  # Pillow raises many types for a damaged file
            raise _not_image() from None
    # verify() leaves the image unusable: open it again to decode it.
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            upright = ImageOps.exif_transpose(opened)
    except Exception:
        raise _not_image() from None
    width, height = upright.size
    if not (MIN_WIDTH <= width <= MAX_WIDTH and MIN_HEIGHT <= height <= MAX_HEIGHT):
        raise _dimensions(width, height)
    clean = _as_rgb(upright)
    # Pillow writes back what ``info`` carries (comment, dpi, ICC profile …): drop all of it,
    # and pass no exif=, so the re-encoded file holds the pixels and nothing else.
    clean.info = {}
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=JPEG_QUALITY)
    encoded = out.getvalue()
    return PreparedPhoto(data=encoded, digest=sm3(encoded).hex(), width=width, height=height)


def _as_rgb(image: Image.Image) -> Image.Image:
    """RGB, with any transparency flattened onto white (the background of an ID photo)."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image if image.mode == "RGB" else image.convert("RGB")


# --------------------------------------------------------------------------------------------
# Storage
# --------------------------------------------------------------------------------------------


def photo_path(digest: str) -> Path:
    """Where the photo with this digest is stored: ``<dir>/<ab>/<cd>/<digest>.jpg``."""
    if not _DIGEST_RE.fullmatch(digest):
        raise ValueError("not an SM3 hex digest")
    return Path(settings.SSCARD_PHOTOS_DIR) / digest[:2] / digest[2:4] / f"{digest}.jpg"


def photo_file_write(digest: str, data: bytes) -> Path:
    """Store ``data`` under its digest, atomically; a file already there and intact is kept."""
    path = photo_path(digest)
    if path.is_file() and sm3(path.read_bytes()).hex() == digest:
        return path
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-", suffix=".jpg")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a crash
    finally:
        os.close(directory)
    return path


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def photo_files_write_many(photos: Sequence[tuple[str, bytes]]) -> None:
    """Store many photos as :func:`photo_file_write` stores one, each renamed into place
    whole; all are written first and then made durable (files, then their folders), so the
    journal is committed once for the lot rather than twice a photo. A file already there and
    intact is kept."""
    written: list[Path] = []
    for digest, data in photos:
        path = photo_path(digest)
        if path.is_file() and sm3(path.read_bytes()).hex() == digest:
            continue
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-", suffix=".jpg")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        written.append(path)
    for path in written:
        _fsync(path)
    for folder in sorted({path.parent for path in written}):
        _fsync(folder)  # the renames themselves survive a crash


def photo_file_intact(digest: str) -> bool:
    """Whether the stored file exists and still hashes to its digest."""
    try:
        return sm3(photo_path(digest).read_bytes()).hex() == digest
    except OSError:
        return False


# --------------------------------------------------------------------------------------------
# Shared photos
# --------------------------------------------------------------------------------------------


class PhotoSource(Protocol):
    """An outside system that holds people's photos and shares them with the programme.

    In production: the public-security service behind the 2nd-generation ID card and the
    education bureau's electronic student card. ``fetch`` answers the image's bytes (JPEG or
    PNG) or ``None`` when the source has no photo of the person.
    """

    def fetch(self, *, person: Person, source: PhotoOrigin) -> bytes | None: ...


class DemoPhotoSource:
    """Draws a placeholder portrait, the same for the same person every time; no network.

    Stands in for the outside systems in the demo and the tests. The student-card source has a
    photo only of persons who have a school.
    """

    def fetch(self, *, person: Person, source: PhotoOrigin) -> bytes | None:
        if source == PhotoOrigin.STUDENT_CARD and person.school_id is None:
            return None
        seed = sm3(bytes(person.id_number_index) + str(source).encode())
        return demo_portrait(seed)


def demo_portrait(seed: bytes) -> bytes:
    """A 358 × 441 JPEG: a head and shoulders on white, marked DEMO, derived from ``seed``."""
    rng = random.Random(seed)
    width, height = MIN_WIDTH, MIN_HEIGHT
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    clothes = (rng.randrange(20, 120), rng.randrange(20, 120), rng.randrange(40, 160))
    skin = (rng.randrange(200, 240), rng.randrange(160, 200), rng.randrange(130, 170))
    hair = (rng.randrange(10, 60),) * 3
    draw.ellipse((40, 330, width - 40, height + 160), fill=clothes)
    draw.rectangle((150, 280, 208, 345), fill=skin)
    draw.ellipse((75, 30, width - 75, 320), fill=hair)
    draw.ellipse((85, 70, width - 85, 330), fill=skin)
    draw.text((12, 10), "DEMO", fill=(200, 0, 0))
    # A little grain, as a camera gives, so the file has a photo's size and is not a flat drawing.
    grain = Image.frombytes("L", (width, height), rng.randbytes(width * height))
    image = Image.blend(image, Image.merge("RGB", (grain, grain, grain)), 0.06)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def photo_source() -> PhotoSource:
    """The source the settings name (``SSCARD_PHOTO_SOURCE``, a class path)."""
    source: PhotoSource = import_string(settings.SSCARD_PHOTO_SOURCE)()
    return source

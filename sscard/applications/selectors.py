"""Reads of the applications: whether a card photo can be used."""

from __future__ import annotations

from sscard.applications.models import Photo
from sscard.applications.photos import (
    MAX_HEIGHT,
    MAX_WIDTH,
    MIN_HEIGHT,
    MIN_WIDTH,
    STORED_CONTENT_TYPE,
    photo_file_intact,
)


def photo_usable(photo: Photo) -> bool:
    """Whether the photo can go on a card (SH-11): within the limits, and its file is there
    and unaltered (it still hashes to its digest)."""
    return (
        photo.content_type == STORED_CONTENT_TYPE
        and MIN_WIDTH <= photo.width <= MAX_WIDTH
        and MIN_HEIGHT <= photo.height <= MAX_HEIGHT
        and photo_file_intact(photo.digest)
    )

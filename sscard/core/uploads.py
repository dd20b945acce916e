"""Uploaded files on disk only while they are read."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from sscard.core.request_errors import RequestErrorCode


@contextmanager
def spooled_upload(upload: UploadedFile[bytes], *, prefix: str) -> Iterator[tuple[Path, str]]:
    """Yield ``(path, original file name)`` of the upload written to the uploads folder.

    Refuses a file over ``SSCARD_MAX_UPLOAD_BYTES`` (``file_too_large``, 413). The file may
    hold personal data in the clear, so it is removed as soon as the block ends, however it
    ends.
    """
    limit = int(settings.SSCARD_MAX_UPLOAD_BYTES)
    if upload.size is not None and upload.size > limit:
        raise RequestErrorCode.file_too_large(limit)
    name = Path(upload.name or prefix).name
    folder = Path(settings.SSCARD_UPLOADS_DIR)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{prefix}-{uuid.uuid4().hex}{Path(name).suffix.lower()[:8]}"
    try:
        with path.open("xb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        yield path, name
    finally:
        path.unlink(missing_ok=True)

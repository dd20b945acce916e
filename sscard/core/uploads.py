"""Uploaded files on disk only while they are read."""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from sscard.core.request_errors import RequestErrorCode


def file_digest_new() -> hashlib._Hash:
    """The digest a file is known by (SM3; SHA-256 where OpenSSL lacks SM3): an import job
    keeps it, and a rerun of the same file is recognised by it."""
    return hashlib.new("sm3") if "sm3" in hashlib.algorithms_available else hashlib.sha256()


@dataclass(frozen=True, slots=True)
class SpooledFile:
    """An upload written to the uploads folder: where, its own name, its digest and size."""

    path: Path
    name: str
    digest: str
    size: int


def _refuse_too_large(upload: UploadedFile[bytes]) -> None:
    limit = int(settings.SSCARD_MAX_UPLOAD_BYTES)
    if upload.size is not None and upload.size > limit:
        raise RequestErrorCode.file_too_large(limit)


def spool_upload(upload: UploadedFile[bytes], *, prefix: str) -> SpooledFile:
    """Write the upload to the uploads folder of the data directory, for work off the request
    to read: unlike the request's temporary file it outlives the request, and any server of
    the data directory finds it. The caller owns the file and removes it once it has been read
    (it may hold personal data in the clear). Refuses a file over ``SSCARD_MAX_UPLOAD_BYTES``
    (``file_too_large``, 413); the digest is taken while the file is written."""
    _refuse_too_large(upload)
    name = Path(upload.name or prefix).name
    folder = Path(settings.SSCARD_UPLOADS_DIR)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{prefix}-{uuid.uuid4().hex}{Path(name).suffix.lower()[:8]}"
    digest = file_digest_new()
    size = 0
    try:
        # Owner-only, like the reports: the file is personal data in the clear.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(fd, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return SpooledFile(path=path, name=name, digest=digest.hexdigest(), size=size)


def spool_remove(path: str | Path) -> None:
    """Remove a spooled upload (nothing if it is gone already); never outside the folder."""
    if not path:
        return
    target = Path(path)
    folder = Path(settings.SSCARD_UPLOADS_DIR).resolve()
    if target.resolve().is_relative_to(folder):
        with contextlib.suppress(FileNotFoundError):
            target.unlink()


@contextmanager
def spooled_upload(upload: UploadedFile[bytes], *, prefix: str) -> Iterator[tuple[Path, str]]:
    """Yield ``(path, original file name)`` of the upload written to the uploads folder, for
    work done within the request.

    Refuses a file over ``SSCARD_MAX_UPLOAD_BYTES`` (``file_too_large``, 413). The file may
    hold personal data in the clear, so it is removed as soon as the block ends, however it
    ends.
    """
    spooled = spool_upload(upload, prefix=prefix)
    try:
        yield spooled.path, spooled.name
    finally:
        spooled.path.unlink(missing_ok=True)

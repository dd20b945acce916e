"""roster_upload_file: an uploaded roster is spooled to disk, read, and removed at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sscard.applications.models import RosterEntry
from sscard.applications.services import collective_open, roster_upload_file
from sscard.applications.tests.support import BJ_PILOT_DAY, hr, in_force, written
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.testing.factories import EmployerFactory, PersonFactory, make_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def uploads(settings: Any, tmp_path: Path) -> Path:
    folder = tmp_path / "uploads"
    settings.SSCARD_UPLOADS_DIR = folder
    settings.SSCARD_REPORTS_DIR = tmp_path / "reports"
    return folder


def test_an_uploaded_roster_is_listed_and_the_spooled_file_is_removed(uploads: Path) -> None:
    # given a unit's HR with an open collective application and a CSV of two of its staff
    in_force("beijing-2024")
    employer = EmployerFactory.create()
    first = PersonFactory.create(employer=employer, id_number=make_id_number(1), name="李雷")
    second = PersonFactory.create(employer=employer, id_number=make_id_number(2), name="韩梅梅")
    collective = collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    upload = SimpleUploadedFile(
        "职工名单.csv",
        f"id_number,name\n{make_id_number(1)},李雷\n{make_id_number(2)},韩梅梅\n".encode(),
        content_type="text/csv",
    )
    # when the file is uploaded
    result = roster_upload_file(
        actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY, upload=upload
    )
    # then both are listed, nothing is refused, and the file with ID numbers is gone
    assert (result.added, result.already, result.refused_total) == (2, 0, 0)
    assert set(RosterEntry.objects.values_list("person_id", flat=True)) == {first.pk, second.pk}
    assert not any(uploads.iterdir())
    event = AuditEvent.objects.get(action="roster_add")
    assert event.changes["source"] == "upload"
    assert event.changes["file"] == "职工名单.csv"
    assert event.changes["added"] == 2


def test_a_file_over_the_limit_is_refused_before_it_is_read(uploads: Path, settings: Any) -> None:
    in_force("beijing-2024")
    employer = EmployerFactory.create()
    collective = collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    settings.SSCARD_MAX_UPLOAD_BYTES = 64
    upload = SimpleUploadedFile("roster.csv", b"id_number,name\n" + b"x" * 100)
    before = written()
    with pytest.raises(ApplicationError) as refused:
        roster_upload_file(
            actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY, upload=upload
        )
    assert (refused.value.code, refused.value.status) == ("file_too_large", 413)
    assert written() == before
    assert not uploads.exists() or not any(uploads.iterdir())


def test_the_spooled_file_is_removed_when_the_roster_is_refused(uploads: Path) -> None:
    # given a collective application of another unit
    in_force("beijing-2024")
    employer = EmployerFactory.create()
    collective = collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    upload = SimpleUploadedFile("roster.csv", f"id_number,name\n{make_id_number(1)},\n".encode())
    # when HR of another unit uploads to it
    with pytest.raises(ApplicationError) as refused:
        roster_upload_file(
            actor=hr(EmployerFactory.create()),
            collective_id=collective.pk,
            day=BJ_PILOT_DAY,
            upload=upload,
        )
    # then it is not found, nothing is listed, and the file is not left behind
    assert refused.value.code == "not_found"
    assert not RosterEntry.objects.exists()
    assert not any(uploads.iterdir())

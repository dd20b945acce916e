"""import_upload: an uploaded file runs the bulk import of its kind, and is on disk only while
it is read. (The pages and the API that call it: ``tests/test_imports.py``.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent, ImportJob
from sscard.portal.services import import_upload
from sscard.registry.models import Employer
from sscard.testing.factories import XICHENG, DivisionFactory, make_credit_code

pytestmark = pytest.mark.django_db
OFFICER = Actor(role=Role.CITY_OFFICER, label="officer")


def _employers(rows: int = 2) -> SimpleUploadedFile:
    lines = ["credit_code,name,insured_district,payroll_banks"]
    lines += [f"{make_credit_code(700 + i)},上传测试公司{i},{XICHENG},ICBC" for i in range(rows)]
    lines.append(f"not-a-code,坏数据,{XICHENG},")
    content = ("\n".join(lines) + "\n").encode()
    return SimpleUploadedFile("单位.csv", content, content_type="text/csv")


def _uploads_left() -> list[Path]:
    folder = Path(settings.SSCARD_UPLOADS_DIR)
    return list(folder.iterdir()) if folder.exists() else []


def test_an_upload_is_imported_reported_and_not_kept() -> None:
    # given the district the rows name
    DivisionFactory.create()
    # when a city officer uploads a file of employers with one bad row
    job = import_upload(actor=OFFICER, kind=ImportJob.Kind.EMPLOYERS, upload=_employers())
    # then the good rows are in, the bad one reported, under the file's own name
    assert (job.kind, job.status, job.file_name) == ("employers", "partial", "单位.csv")
    assert (job.rows_inserted, job.rows_refused) == (2, 1)
    assert Employer.objects.count() == 2
    assert AuditEvent.objects.filter(action="import", object_type="registry.employer").exists()
    # and the upload itself is gone from disk
    assert _uploads_left() == []


def test_an_unknown_kind_is_refused_before_anything_is_read() -> None:
    with pytest.raises(ApplicationError) as refused:
        import_upload(actor=OFFICER, kind="pets", upload=_employers())
    assert (refused.value.code, refused.value.status) == ("import_kind_unknown", 422)
    assert refused.value.details == {"kind": "pets"}
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("role", [Role.DISTRICT_OFFICER, Role.EMPLOYER_HR, Role.BANK_CLERK])
def test_only_roles_that_may_import_upload(role: Role) -> None:
    with pytest.raises(ApplicationError) as refused:
        import_upload(
            actor=Actor(role=role, label="x"), kind=ImportJob.Kind.EMPLOYERS, upload=_employers()
        )
    assert refused.value.code == "permission_denied"
    assert not ImportJob.objects.exists()


def test_a_file_over_the_limit_is_refused_and_not_kept(settings: Any) -> None:
    settings.SSCARD_MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    big = SimpleUploadedFile("big.csv", b"x" * (2 * 1024 * 1024 + 1), content_type="text/csv")
    with pytest.raises(ApplicationError) as refused:
        import_upload(actor=OFFICER, kind=ImportJob.Kind.EMPLOYERS, upload=big)
    assert (refused.value.code, refused.value.status) == ("file_too_large", 413)
    assert refused.value.details == {"limit_bytes": 2 * 1024 * 1024}
    assert "2 MB" in refused.value.message_en
    assert not ImportJob.objects.exists()
    assert _uploads_left() == []

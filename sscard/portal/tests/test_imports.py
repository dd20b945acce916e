"""Bulk import through the API and the upload page (runs the lead's import service).

These tests drive ``sscard.registry.imports.import_employers`` through its public contract:
they pass as long as that service keeps its signature and its ImportJob results.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from sscard.core.models import ImportJob
from sscard.registry.models import Employer
from sscard.testing.factories import (
    XICHENG,
    DivisionFactory,
    ImportJobFactory,
    make_credit_code,
)

pytestmark = pytest.mark.django_db


def _employers_csv(*, bad_rows: int = 1) -> bytes:
    lines = ["credit_code,name,insured_district,payroll_banks"]
    lines += [f"{make_credit_code(900 + i)},导入测试公司{i},{XICHENG},ICBC" for i in range(2)]
    lines += [f"not-a-code,坏数据{i},{XICHENG}," for i in range(bad_rows)]
    return ("\n".join(lines) + "\n").encode()


def _upload(content: bytes, name: str = "employers.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def _uploads_left() -> list[Path]:
    folder = Path(settings.SSCARD_UPLOADS_DIR)
    return list(folder.iterdir()) if folder.exists() else []


def test_city_officer_imports_a_file_by_api_and_reads_the_report(city_officer, client_for):
    # given a district and a file with two good rows and one bad
    DivisionFactory.create()
    client = client_for(city_officer)
    # when it is posted
    response = client.post("/api/v1/imports/employers", {"file": _upload(_employers_csv())})
    # then the job answers with its counts and a report, and the rows are in
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["kind"] == "employers"
    assert job["status"] == "partial"
    assert job["rows_inserted"] == 2
    assert job["rows_refused"] == 1
    assert job["has_report"] is True
    assert Employer.objects.count() == 2
    # and the uploaded file is not kept on disk
    assert _uploads_left() == []
    # and the job is listed, readable, and its report downloads as CSV
    assert client.get("/api/v1/imports").json()["items"][0]["id"] == job["id"]
    assert client.get(f"/api/v1/imports/{job['id']}").json()["status"] == "partial"
    report = client.get(f"/api/v1/imports/{job['id']}/report")
    assert report.status_code == 200
    assert report["Content-Type"].startswith("text/csv")
    text = b"".join(report.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == "row,column,code,message_zh,message_en"
    assert "credit_code" in text


def test_a_file_refused_as_a_whole_answers_its_error_and_job(city_officer, client_for):
    client = client_for(city_officer)
    response = client.post("/api/v1/imports/employers", {"file": _upload(b"name,colour\nx,y\n")})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "columns_missing"
    job = ImportJob.objects.get(pk=body["details"]["job_id"])
    assert job.status == ImportJob.Status.REFUSED
    assert _uploads_left() == []


@pytest.mark.parametrize("role", ["district_officer", "employer_hr", "bank_clerk", "cardholder"])
def test_only_roles_that_may_import_can_upload_or_see_jobs(role, client_for):
    from sscard.testing.factories import AccountFactory

    job = ImportJobFactory.create()
    client = client_for(AccountFactory.of_role(role))
    response = client.post("/api/v1/imports/employers", {"file": _upload(_employers_csv())})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert _uploads_left() == []
    assert not ImportJob.objects.exclude(pk=job.pk).exists()
    assert client.get("/api/v1/imports").status_code == 403
    assert client.get(f"/api/v1/imports/{job.pk}").status_code == 404
    assert client.get(f"/api/v1/imports/{job.pk}/report").status_code == 404


def test_too_large_a_file_is_413(city_officer, client_for, settings):
    settings.SSCARD_MAX_UPLOAD_BYTES = 10
    response = client_for(city_officer).post(
        "/api/v1/imports/employers", {"file": _upload(_employers_csv())}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"


def test_a_report_path_outside_the_reports_folder_is_never_served(
    city_officer, client_for, tmp_path
):
    secret = tmp_path / "elsewhere.csv"
    secret.write_text("secret")
    job = ImportJobFactory.create(report_path=str(secret))
    response = client_for(city_officer).get(f"/api/v1/imports/{job.pk}/report")
    assert response.status_code == 404


def test_import_list_endpoint_is_bounded_in_queries(
    city_officer, client_for, django_assert_max_num_queries
):
    ImportJobFactory.create_batch(30)
    client = client_for(city_officer)
    with django_assert_max_num_queries(5):
        assert client.get("/api/v1/imports").json()["count"] == 30


def test_upload_page_runs_the_import_and_shows_the_job(city_officer, client_for):
    DivisionFactory.create()
    client = client_for(city_officer)
    assert client.get("/imports/new/").status_code == 200
    response = client.post(
        "/imports/new/", {"kind": "employers", "file": _upload(_employers_csv())}, follow=True
    )
    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert response.redirect_chain[-1][0] == f"/imports/{job.pk}/"
    page = response.content.decode()
    assert f"/imports/{job.pk}/report.csv" in page
    report = client.get(f"/imports/{job.pk}/report.csv")
    assert report.status_code == 200


def test_upload_page_shows_a_refused_file_again_with_its_located_error(city_officer, client_for):
    # given a file whose header lacks the employers' columns
    client = client_for(city_officer)
    # when it is uploaded as employers
    response = client.post(
        "/imports/new/", {"kind": "employers", "file": _upload(b"name\nx\n")}, follow=True
    )
    # then the upload page comes back (400), not a job page
    assert response.status_code == 400
    assert response.redirect_chain == []
    page = response.content.decode()
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REFUSED
    assert job.error_code == "columns_missing"
    # with the error in the page's language, naming the missing columns
    assert "缺少列" in page
    assert "credit_code" in page
    assert "insured_district" in page
    assert job.error_message_zh in page
    # with the kind chosen still chosen, a word on the file to choose again, the refused job
    assert '<option value="employers" selected>' in page
    assert 'id="import-refused"' in page
    assert f"/imports/{job.pk}/" in page
    # and in English too
    client.cookies["django_language"] = "en"
    english = client.post("/imports/new/", {"kind": "schools", "file": _upload(b"name\nx\n")})
    text = english.content.decode()
    assert "Missing columns" in text
    assert "school_code" in text
    assert '<option value="schools" selected>' in text
    assert "choose the file again" in text
    assert _uploads_left() == []

"""The portal's lists as spreadsheets: import jobs (city officers) and who looked at the
holder's record (the holder)."""

from __future__ import annotations

import pytest

from sscard.core.actors import Actor, Role
from sscard.core.models import ImportJob
from sscard.registry.choices import DisclosurePurpose
from sscard.registry.services import COUNTER_LOOKUP_FIELDS, disclosure_record
from sscard.testing.exports import assert_header_rows, read_export
from sscard.testing.factories import ImportJobFactory, OutletFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_import_jobs_export_as_the_list_shows_them(fmt, city_officer, client_for):
    ImportJobFactory.create(kind=ImportJob.Kind.OUTLETS, rows_read=7, rows_inserted=5)
    export = read_export(client_for(city_officer).get(f"/imports/export.{fmt}"))
    assert_header_rows(export, title="批量导入")
    job = ImportJob.objects.get()
    (row,) = export.rows
    assert row[1:5] == [job.get_kind_display(), "outlets", job.file_name, job.file_digest]
    assert [str(v) for v in row[7:9]] == ["7", "5"]


def test_import_jobs_are_the_city_officer_s(district_officer, client_for):
    assert client_for(district_officer).get("/imports/export.csv").status_code == 403


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_holder_exports_who_looked_at_their_record(fmt, cardholder, client_for):
    outlet = OutletFactory.create(name="工商银行西城支行")
    clerk = Actor(role=Role.BANK_CLERK, label="clerk7", outlet_id=outlet.pk)
    disclosure_record(
        actor=clerk,
        person=cardholder.person,
        purpose=DisclosurePurpose.COUNTER_LOOKUP,
        fields=COUNTER_LOOKUP_FIELDS,
    )
    export = read_export(client_for(cardholder).get(f"/me/access/export.{fmt}"))
    assert_header_rows(export, title="谁查看了我的信息")
    (row,) = export.rows
    assert row[1:5] == ["银行柜员", "bank_clerk", "工商银行西城支行", "中国工商银行"]
    assert row[6] == DisclosurePurpose.COUNTER_LOOKUP.value
    assert "clerk7" not in export.text()  # the clerk's own account name is not the holder's


def test_only_holders_export_access_events(city_officer, client_for):
    assert client_for(city_officer).get("/me/access/export.xlsx").status_code == 403

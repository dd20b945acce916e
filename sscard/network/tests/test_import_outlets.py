"""Bulk import of outlets: good rows go in; a refused row's report lists every faulty cell
of it, not the first one (issue 12, point 7), and the row counts once."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sscard.core.actors import Actor
from sscard.network.imports import OutletSpec, import_outlets
from sscard.network.models import Outlet
from sscard.network.services import banks_load
from sscard.registry.services import divisions_load

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
XICHENG = "110102"


def test_an_outlet_row_is_reported_with_every_faulty_cell(tmp_path: Path) -> None:
    divisions_load(actor=SYSTEM)
    banks_load(actor=SYSTEM)
    path = tmp_path / "outlets.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(OutletSpec.columns)
        writer.writerow(["BJ-001", "工行西城支行", "bank_branch", "ICBC", XICHENG, "1", "金融街"])
        writer.writerow(["bad code!", "", "bank_branch", "NOPE", "999999", "maybe", "街"])
    job = import_outlets(actor=SYSTEM, path=path, file_name="outlets.csv")
    assert (job.rows_inserted, job.rows_refused) == (1, 1)
    assert Outlet.objects.get().code == "BJ-001"
    with open(job.report_path, encoding="utf-8-sig") as fh:
        report = [(r["row"], r["column"], r["code"]) for r in csv.DictReader(fh)]
    assert report == [
        ("3", "outlet_code", "outlet_code_invalid"),
        ("3", "name", "name_invalid"),
        ("3", "bank_code", "bank_unknown"),
        ("3", "district", "district_unknown"),
        ("3", "instant_issuance", "boolean_invalid"),
    ]

"""The roster from an uploaded list: ``roster_upload``."""

from __future__ import annotations

from pathlib import Path

import pytest

from sscard.applications.models import RosterEntry
from sscard.applications.services import (
    collective_open,
    roster_upload,
)
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    beijing_unit,
    hr,
    in_force,
    written,
)
from sscard.core.errors import ApplicationError
from sscard.testing.factories import EmployerFactory, PersonFactory, make_id_number

pytestmark = pytest.mark.django_db


def test_an_uploaded_roster_is_checked_row_by_row_against_the_registry(tmp_path: Path) -> None:
    in_force("beijing-2024")
    employer = EmployerFactory.create()
    ours = PersonFactory.create(employer=employer, id_number=make_id_number(1), name="李雷")
    PersonFactory.create(employer=EmployerFactory.create(), id_number=make_id_number(2))
    collective = collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    upload = tmp_path / "roster.csv"
    upload.write_text(
        "id_number,name\n"
        f"{make_id_number(1)},李雷\n"
        f"{make_id_number(1)},李雷\n"
        f"{make_id_number(2)},\n"
        f"{make_id_number(3)},\n"
        "110102199901011234,\n",
        encoding="utf-8",
    )
    result = roster_upload(
        actor=hr(employer),
        collective_id=collective.pk,
        day=BJ_PILOT_DAY,
        path=upload,
        file_name="roster.csv",
    )
    assert result.added == 1
    assert dict(result.refused) == {
        "roster_duplicate_in_file": 1,
        "roster_not_insured_here": 1,
        "person_unknown": 1,
        "id_check_digit": 1,
    }
    report = Path(result.report_path).read_text(encoding="utf-8-sig").splitlines()
    assert report[0] == "row,column,code,message_zh,message_en"
    assert [line.split(",")[:3] for line in report[1:]] == [
        ["3", "id_number", "roster_duplicate_in_file"],
        ["6", "id_number", "id_check_digit"],
        ["4", "id_number", "roster_not_insured_here"],
        ["5", "id_number", "person_unknown"],
    ]
    assert list(RosterEntry.objects.values_list("person_id", flat=True)) == [ours.pk]


def test_a_roster_file_with_the_wrong_columns_writes_nothing(tmp_path: Path) -> None:
    in_force("beijing-2024")
    employer, _ = beijing_unit(1)
    collective = collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    upload = tmp_path / "roster.csv"
    upload.write_text("身份证号\n110102199901011234\n", encoding="utf-8")
    before = written()
    with pytest.raises(ApplicationError) as refused:
        roster_upload(
            actor=hr(employer),
            collective_id=collective.pk,
            day=BJ_PILOT_DAY,
            path=upload,
            file_name="roster.csv",
        )
    assert refused.value.code == "columns_missing"
    assert written() == before

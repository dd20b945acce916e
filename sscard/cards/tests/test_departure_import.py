"""The civil-affairs file: each good row runs the departure service; a wrong name, an unknown
person or a bad date is a row error that cancels nothing; the job says what the file did."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest

from sscard.cards.departure_import import departure_import_summary, import_departures
from sscard.cards.tests.support import TODAY, card, person
from sscard.core.actors import Actor, Role
from sscard.core.import_errors import FileRefused
from sscard.core.models import ImportJob
from sscard.registry.models import Departure
from sscard.testing.card_life import id_number_of
from sscard.testing.factories import make_id_number

pytestmark = pytest.mark.django_db

OFFICER = Actor(role=Role.CITY_OFFICER, label="officer", user_id=931, city_code="110000")
COLUMNS = ["id_number", "name", "kind", "date", "reference", "destination_city"]


def _file(tmp_path: Path, rows: list[list[str]], columns: list[str] = COLUMNS) -> Path:
    path = tmp_path / "civil-affairs.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def _report(job: ImportJob) -> list[dict[str, str]]:
    with Path(job.report_path).open(encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_good_rows_cancel_cards_and_bad_rows_are_reported_without_cancelling_anything(tmp_path):
    # given a dead person with a card, another whose name the file misspells, and rows for
    # an unknown person, a bad date, a date to come and a transfer
    dead, misnamed, moved = person(name="王大明"), person(name="赵小红"), person(name="钱多多")
    dead_card = card(dead, ss_function="enabled")
    misnamed_card = card(misnamed, ss_function="enabled")
    day = (TODAY - timedelta(days=2)).isoformat()
    path = _file(
        tmp_path,
        [
            [id_number_of(dead), "王大明", "死亡", day, "SW-1", ""],
            [id_number_of(misnamed), "赵小虹", "death", day, "SW-2", ""],
            [make_id_number(77), "孙无名", "death", day, "SW-3", ""],
            [id_number_of(moved), "钱多多", "death", "2024/01/01", "SW-4", ""],
            [
                id_number_of(moved),
                "钱多多",
                "death",
                (TODAY + timedelta(days=1)).isoformat(),
                "SW-5",
                "",
            ],
            [id_number_of(moved), "钱多多", "transfer_out", day, "ZC-6", "310104"],
        ],
    )
    # when the city officer imports the file
    job = import_departures(actor=OFFICER, path=path, file_name=path.name, today=TODAY)
    # then the good rows are recorded and the others are row errors with their codes
    assert job.status == ImportJob.Status.PARTIAL
    assert (job.rows_inserted, job.rows_refused) == (2, 4)
    codes = {(r["row"], r["column"], r["code"]) for r in _report(job)}
    assert codes == {
        ("3", "name", "departure_name_mismatch"),
        ("4", "id_number", "departure_person_unknown"),
        ("5", "date", "departure_date_invalid"),
        ("6", "date", "departure_date_in_future"),
    }
    # the report never holds the names or numbers of the file
    text = Path(job.report_path).read_text(encoding="utf-8-sig")
    assert "赵小虹" not in text
    assert id_number_of(misnamed) not in text
    # ... the dead person's card is cancelled, the misnamed person's card is not
    dead_card.refresh_from_db()
    misnamed_card.refresh_from_db()
    assert dead_card.ss_function == "cancelled"
    assert misnamed_card.ss_function == "enabled"
    assert Departure.objects.get(person=moved).destination_city == "310000"
    departure = Departure.objects.get(person=dead)
    assert (departure.source, departure.import_job_id) == ("civil_affairs_file", job.pk)
    # ... and the job's report says what the file did
    summary = departure_import_summary(job)
    assert (summary.recorded, summary.cards_cancelled, summary.applications_withdrawn) == (2, 1, 0)


def test_the_same_file_again_changes_nothing(tmp_path):
    dead = person(name="王大明")
    card(dead, ss_function="enabled")
    day = (TODAY - timedelta(days=2)).isoformat()
    path = _file(
        tmp_path,
        [[id_number_of(dead), "王大明", "death", day, "SW-1"]],
        columns=COLUMNS[:5],
    )
    import_departures(actor=OFFICER, path=path, file_name=path.name, today=TODAY)
    again = import_departures(actor=OFFICER, path=path, file_name=path.name, today=TODAY)
    assert (again.rows_inserted, again.rows_unchanged, again.rows_refused) == (0, 1, 0)
    assert Departure.objects.count() == 1


def test_a_different_record_for_a_departed_person_is_a_row_error(tmp_path):
    dead = person(name="王大明")
    day = (TODAY - timedelta(days=2)).isoformat()
    first = _file(tmp_path, [[id_number_of(dead), "王大明", "death", day, "SW-1", ""]])
    import_departures(actor=OFFICER, path=first, file_name="a.csv", today=TODAY)
    second = tmp_path / "b.csv"
    second.write_text(
        ",".join(COLUMNS) + f"\n{id_number_of(dead)},王大明,emigration,{day},EM-1,\n",
        encoding="utf-8",
    )
    job = import_departures(actor=OFFICER, path=second, file_name="b.csv", today=TODAY)
    assert [r["code"] for r in _report(job)] == ["departure_already_recorded"]
    assert Departure.objects.get().kind == "death"


def test_a_file_without_its_columns_is_refused_whole(tmp_path):
    path = _file(tmp_path, [["x", "y"]], columns=["id_number", "name"])
    with pytest.raises(FileRefused) as refused:
        import_departures(actor=OFFICER, path=path, file_name=path.name, today=TODAY)
    assert refused.value.code == "columns_missing"
    assert not Departure.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_command_line_imports_the_file_and_says_what_it_did(tmp_path):
    from click.testing import CliRunner

    from sscard.cli import cli

    dead = person(name="王大明")
    card(dead, ss_function="enabled")
    path = _file(tmp_path, [[id_number_of(dead), "王大明", "death", "2024-03-01", "SW-1", ""]])
    result = CliRunner().invoke(
        cli, ["import", "departures", str(path), "--quiet"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "cards cancelled: 1" in result.output
    assert Departure.objects.get().source == "civil_affairs_file"

"""The legacy-cards import (存量卡导入, issue 15 point 3): the old system's cards come in by the
bulk-import machinery, verification answers for them as their state says, BJ-10 and SH-16
switch them, and a bad row is refused with its code and writes nothing."""

from __future__ import annotations

import csv
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sscard.applications.tests.support import BJ_PILOT_DAY, SH_DAY
from sscard.applications.tests.support import holder as holder_actor
from sscard.cards.legacy import COLUMNS, COLUMNS_ZH, import_legacy_cards
from sscard.cards.models import Card
from sscard.cards.services import card_enable
from sscard.cards.tests.scenarios import (
    beijing_pilot_unit,
    shanghai_posted_application,
    status,
)
from sscard.cards.tests.support import SYSTEM, card, import_legacy_rows, person, write_legacy_file
from sscard.core.actors import Actor, Role
from sscard.core.bulk import HOST
from sscard.core.models import AuditEvent, ImportJob, Milestone
from sscard.delivery.models import Shipment
from sscard.delivery.services import post_event_record
from sscard.kernel.cardcodes import card_identification_code, card_number
from sscard.registry.models import Person
from sscard.testing.card_life import card_of, clerk_of, collect_at, dispatch, id_number_of, produce
from sscard.testing.factories import XICHENG, AccountFactory, BankFactory, make_id_number

pytestmark = pytest.mark.django_db
TODAY = date(2024, 3, 4)
_people = iter(range(7000, 8000))


@pytest.fixture(autouse=True)
def bank() -> None:
    BankFactory.create()  # ICBC


def holder() -> tuple[Person, str]:
    number = make_id_number(next(_people))
    return person(id_number=number), number


def row(holder_id: str, serial: int, **cells: str) -> dict[str, str]:
    """A second-generation card in force, issued by ICBC in 2015 for ten years."""
    generation = cells.get("generation", "2")
    values = {
        "id_number": holder_id,
        "card_number": card_number({"1": "A", "3": "C"}.get(generation, "B"), serial),
        "card_id_code": card_identification_code(XICHENG, serial),
        "generation": generation,
        "bank": "ICBC",
        "issued_on": "2015-06-01",
        "valid_until": "2025-06-01",
        "state": "enabled",
        "blocked_until": "",
        "financial_state": "activated",
    }
    values.update(cells)
    return values


def report(job: ImportJob) -> list[dict[str, str]]:
    if not job.report_path:
        return []
    with Path(job.report_path).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def written() -> tuple[int, int, int]:
    return (
        Card.objects.count(),
        AuditEvent.objects.filter(object_type="card").count(),
        Milestone.objects.count(),
    )


def test_a_good_file_brings_in_cards_that_verification_answers_as_their_state_says() -> None:
    # given holders in the registry and an export of their first- and second-generation cards
    states = {
        "valid": {"state": "enabled"},
        "not_enabled": {"state": "not_enabled", "generation": "1", "financial_state": ""},
        "blocked_temporary": {"state": "temporary_loss", "blocked_until": "2024-03-20"},
        "blocked_formal": {"state": "正式挂失"},  # the export's Chinese label
        "cancelled": {"state": "cancelled", "generation": "1"},
        "replaced": {"state": "replaced"},
        "expired": {"state": "enabled", "valid_until": "2024-03-03"},
    }
    rows = {
        name: row(holder()[1], 100 + n, **cells) for n, (name, cells) in enumerate(states.items())
    }
    # when the file is imported
    job = import_legacy_rows(list(rows.values()))
    # then every row is in, as a card in its holder's hands with no application or pack
    assert (job.status, job.rows_inserted, job.rows_refused) == ("succeeded", 7, 0)
    assert job.kind == "legacy_cards"
    cards = Card.objects.filter(card_number__in=[r["card_number"] for r in rows.values()])
    assert {(c.stage, c.application_id, c.pack_hash) for c in cards} == {("handed_over", None, "")}
    # and verification answers for each as its state says
    answers = {name: status(r["card_number"], TODAY) for name, r in rows.items()}
    assert answers == {name: name for name in states}
    # and the facets are the mapped ones
    lost = Card.objects.get(card_number=rows["blocked_temporary"]["card_number"])
    assert (lost.ss_function, lost.block, lost.blocked_until) == (
        "enabled",
        "temporary",
        date(2024, 3, 20),
    )
    first = Card.objects.get(card_number=rows["not_enabled"]["card_number"])
    assert (first.generation, first.interfaces, first.financial_function) == (
        1,
        ["contact"],
        "not_activated",
    )
    # and the import is one audit event for the chunk, and no milestone counts these cards
    event = AuditEvent.objects.get(object_type="card", action="import")
    assert event.changes["created"] == 7
    assert event.object_id == f"job:{job.pk}"
    assert not Milestone.objects.exists()


def test_the_chinese_header_is_accepted(tmp_path: Path) -> None:
    person_, number = holder()
    path = write_legacy_file(tmp_path / "存量卡.csv", [row(number, 200)], columns=COLUMNS_ZH)
    job = import_legacy_cards(actor=SYSTEM, path=path, file_name=path.name)
    assert (job.status, job.rows_inserted) == ("succeeded", 1)
    assert Card.objects.get(person=person_).generation == 2


BAD_ROWS: list[tuple[dict[str, str], str, str]] = [
    ({"id_number": "110101199001011234"}, "id_number", "legacy_id_number_invalid"),
    ({"id_number": make_id_number(999)}, "id_number", "legacy_holder_unknown"),
    ({"card_number": "B12345678"}, "card_number", "legacy_card_number_invalid"),
    ({"card_id_code": "110102D15600000500000000000000zz"}, "card_id_code",
     "legacy_card_id_code_invalid"),
    ({"generation": "4"}, "generation", "legacy_generation_unknown"),
    ({"bank": "NOSUCHBANK"}, "bank", "legacy_bank_unknown"),
    ({"issued_on": "2015-02-30"}, "issued_on", "legacy_date_invalid"),
    ({"valid_until": "next year"}, "valid_until", "legacy_date_invalid"),
    ({"valid_until": "2015-05-31"}, "valid_until", "legacy_valid_until_before_issued_on"),
    ({"state": "stolen"}, "state", "legacy_state_unknown"),
    ({"blocked_until": "2024-04-01"}, "blocked_until", "legacy_blocked_until_unexpected"),
    ({"state": "temporary_loss", "blocked_until": "soon"}, "blocked_until",
     "legacy_date_invalid"),
    ({"financial_state": "frozen"}, "financial_state", "legacy_financial_state_unknown"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("cells", "column", "code"), BAD_ROWS, ids=[f"{c}-{k}" for _v, k, c in BAD_ROWS]
)
def test_a_bad_row_is_refused_with_its_code_and_writes_nothing(
    cells: dict[str, str], column: str, code: str
) -> None:
    # given a file whose only row is faulty in one cell
    _person, number = holder()
    before = written()
    # when it is imported
    job = import_legacy_rows([row(number, 300, **cells)])
    # then the row is refused with the stable code, its row and column named, nothing written
    assert (job.rows_inserted, job.rows_refused) == (0, 1)
    assert [(r["row"], r["column"], r["code"]) for r in report(job)] == [("2", column, code)]
    assert written() == before


def test_a_row_may_carry_several_faults_and_each_is_named() -> None:
    job = import_legacy_rows([row("x", 301, card_number="", generation="0", state="")])
    assert {r["code"] for r in report(job)} == {
        "legacy_id_number_invalid",
        "legacy_card_number_invalid",
        "legacy_generation_unknown",
        "legacy_state_unknown",
    }
    assert job.rows_refused == 1


@pytest.mark.parametrize(
    ("cells", "code"),
    [
        # the card number is another holder's card already
        ({"card_id_code": card_identification_code(XICHENG, 401)}, "legacy_card_number_exists"),
        # the identification code belongs to another card
        ({"card_number": card_number("B", 401)}, "legacy_card_id_code_exists"),
    ],
    ids=["card_number", "card_id_code"],
)
def test_codes_stored_for_another_card_are_refused(cells: dict[str, str], code: str) -> None:
    # given a card already imported for one holder
    _first, first_number = holder()
    import_legacy_rows([row(first_number, 400)])
    _second, second_number = holder()
    before = written()
    # when another holder's row repeats its number or its identification code
    job = import_legacy_rows([row(second_number, 400, **cells)])
    # then it is refused and nothing is written
    assert [r["code"] for r in report(job)] == [code]
    assert written() == before


def test_a_holder_with_a_card_in_force_already_is_refused() -> None:
    # given a holder whose second-generation card is in force (sscard knows it already)
    owner, number = holder()
    card(owner, generation=2, ss_function="enabled", serial=500)
    before = written()
    # when the export brings another second-generation card of theirs, and an enabled first
    job = import_legacy_rows(
        [row(number, 501), row(number, 502, generation="1"), row(number, 503, state="replaced")]
    )
    # then both are refused (one per generation, one enabled card); a void card comes in
    assert [(r["row"], r["code"]) for r in report(job)] == [
        ("2", "legacy_holder_card_in_force"),
        ("3", "legacy_holder_card_in_force"),
    ]
    assert job.rows_inserted == 1
    assert Card.objects.filter(person=owner).count() == before[0] + 1


def test_duplicates_within_the_file_name_both_rows() -> None:
    # given a file where row 3 repeats row 2's card number, row 5 row 4's identification code,
    # and row 7 gives row 6's holder a second card in force
    _a, first = holder()
    _b, second = holder()
    _c, third = holder()
    _d, fourth = holder()
    _e, fifth = holder()
    rows = [
        row(first, 600),
        row(second, 601, card_number=card_number("B", 600)),
        row(third, 602),
        row(fourth, 603, card_id_code=card_identification_code(XICHENG, 602)),
        row(fifth, 604),
        row(fifth, 605),
    ]
    # when it is imported
    job = import_legacy_rows(rows)
    # then the first of each is imported and the repeat refused, naming the row it repeats
    refused = report(job)
    assert [(r["row"], r["column"], r["code"]) for r in refused] == [
        ("3", "card_number", "legacy_card_number_duplicate_in_file"),
        ("5", "card_id_code", "legacy_card_id_code_duplicate_in_file"),
        ("7", "card_number", "legacy_holder_two_cards_in_force"),
    ]
    assert "第2行" in refused[0]["message_zh"]
    assert "row 2" in refused[0]["message_en"]
    assert "row 4" in refused[1]["message_en"]
    assert "row 6" in refused[2]["message_en"]
    assert (job.rows_inserted, job.rows_refused) == (3, 3)


def test_a_repeat_in_a_later_chunk_names_the_row_of_an_earlier_one() -> None:
    _a, first = holder()
    _b, second = holder()
    job = import_legacy_rows(
        [row(first, 700), row(second, 701, card_number=card_number("B", 700))], chunk_rows=1
    )
    assert [(r["row"], r["code"]) for r in report(job)] == [
        ("3", "legacy_card_number_duplicate_in_file")
    ]
    assert "row 2" in report(job)[0]["message_en"]


def test_importing_the_same_file_again_writes_nothing(tmp_path: Path) -> None:
    # given a file imported once
    rows = [row(holder()[1], 800 + n, state=s) for n, s in enumerate(("enabled", "cancelled"))]
    path = write_legacy_file(tmp_path / "legacy.csv", rows)
    first = import_legacy_cards(actor=SYSTEM, path=path, file_name=path.name)
    assert first.rows_inserted == 2
    before = written()
    # when it is imported again
    again = import_legacy_cards(actor=SYSTEM, path=path, file_name=path.name)
    # then every row is unchanged and nothing is written
    assert (again.rows_inserted, again.rows_unchanged, again.rows_refused) == (0, 2, 0)
    assert written() == before
    # and a row changed since is refused, not written over
    rows[1]["state"] = "enabled"
    changed = write_legacy_file(tmp_path / "legacy-2.csv", rows)
    third = import_legacy_cards(actor=SYSTEM, path=changed, file_name=changed.name)
    assert [r["code"] for r in report(third)] == ["legacy_card_number_exists"]
    assert written() == before


class Interrupted(BaseException):
    """Stands for the signal that ends an import between two chunks."""


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_a_killed_import_is_resumed_and_loses_or_doubles_nothing(tmp_path: Path) -> None:
    # given a file of 12 cards, row 9 repeating row 3's number
    rows = [row(holder()[1], 900 + n) for n in range(12)]
    rows[7]["card_number"] = rows[1]["card_number"]
    path = write_legacy_file(tmp_path / "legacy.csv", rows)
    # when its import is killed after its second chunk of three committed
    chunks = 0

    def killer(_rows: int, _done: int) -> None:
        nonlocal chunks
        chunks += 1
        if chunks == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        import_legacy_cards(
            actor=SYSTEM, path=path, file_name=path.name, chunk_rows=3, progress=killer
        )
    killed = ImportJob.objects.latest("pk")
    # SIGKILL leaves the job "running" with the process gone
    ImportJob.objects.filter(pk=killed.pk).update(
        status=ImportJob.Status.RUNNING, error_code="", pid=_dead_pid(), host=HOST
    )
    assert (Card.objects.count(), killed.rows_committed) == (6, 7)
    # and it is run again
    again = import_legacy_cards(actor=SYSTEM, path=path, file_name=path.name, chunk_rows=3)
    # then the killed job tells the truth and the rerun resumed after its last committed row
    killed.refresh_from_db()
    assert (killed.status, killed.error_code) == ("failed", "import_abandoned")
    assert again.resumed_from_id == killed.pk
    assert (again.rows_read, again.rows_inserted, again.rows_refused) == (12, 11, 1)
    assert Card.objects.count() == 11
    # the repeat across the kill is still told apart from a card of another import
    assert [(r["row"], r["code"]) for r in report(again)] == [
        ("9", "legacy_card_number_duplicate_in_file")
    ]
    assert AuditEvent.objects.filter(object_type="card", action="import").count() == 4


def test_bj_10_a_legacy_card_is_valid_until_the_new_one_is_enabled_then_replaced() -> None:
    # given a pilot target whose second-generation card came from the legacy export
    unit = beijing_pilot_unit()
    target = unit.staff[0]
    import_legacy_rows([row(id_number_of(target), 1000)])
    old = Card.objects.get(person=target)
    # when the new card is made, handed over and enabled
    dispatch(produce(day=BJ_PILOT_DAY))
    new = collect_at(unit.outlet, unit.applications[0])
    assert status(old.card_number, BJ_PILOT_DAY) == "valid"
    card_enable(actor=clerk_of(unit.outlet), card=new, today=BJ_PILOT_DAY)
    # then the legacy card answers replaced, and the funnel counts it void once
    assert status(old.card_number, BJ_PILOT_DAY) == "replaced"
    assert status(new.card_number, BJ_PILOT_DAY) == "valid"
    voided = Milestone.objects.filter(kind="old_voided")
    assert list(voided.values_list("card_id", flat=True)) == [old.pk]
    # and no milestone was written for the legacy card's arrival
    assert not Milestone.objects.filter(card_id=old.pk).exclude(kind="old_voided").exists()


def test_sh_16_a_legacy_card_is_void_once_the_new_one_is_collected_and_opened() -> None:
    # given a Shanghai resident with a legacy card, whose new card is posted
    posted = shanghai_posted_application(bank="BOSC")
    import_legacy_rows([row(id_number_of(posted.person), 1100)])
    old = Card.objects.get(person=posted.person)
    dispatch(produce(day=SH_DAY))
    new = card_of(posted.application)
    shipment = Shipment.objects.get(card=new)
    # when it is delivered and the holder opens it
    post_event_record(
        actor=Actor(role=Role.POST, label="post"),
        tracking_number=shipment.tracking_number or "",
        kind="delivered",
        occurred_at=shipment.dispatched_at + timedelta(days=1),
    )
    assert status(old.card_number, SH_DAY) == "valid"
    card_enable(actor=holder_actor(posted.person), card=new, today=SH_DAY)
    # then the legacy card is void
    assert status(old.card_number, SH_DAY) == "replaced"


def _csv(rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> bytes:
    lines = [",".join(columns), *(",".join(r[c] for c in COLUMNS) for r in rows)]
    return ("\n".join(lines) + "\n").encode()


def test_a_city_officer_uploads_the_export_on_the_page_and_by_api(
    city_officer: Any, client_for: Any
) -> None:
    client = client_for(city_officer)
    _a, first = holder()
    _b, second = holder()
    # the page: the kind is offered, and the upload runs the import
    page = client.get("/imports/new/").content.decode()
    assert "legacy_cards" in page
    response = client.post(
        "/imports/new/",
        {"kind": "legacy_cards", "file": SimpleUploadedFile("old.csv", _csv([row(first, 1200)]))},
        follow=True,
    )
    assert response.status_code == 200
    assert Card.objects.filter(card_number=card_number("B", 1200)).exists()
    # the API twin: same service, same answers (a bad row goes to the report)
    upload = SimpleUploadedFile("old2.csv", _csv([row(second, 1201), row(second, 1202, bank="X")]))
    answer = client.post("/api/v1/imports/legacy_cards", {"file": upload})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["kind"], body["rows_inserted"], body["rows_refused"]) == ("legacy_cards", 1, 1)


@pytest.mark.parametrize("role", ["district_officer", "bank_clerk"])
def test_only_the_city_may_import_legacy_cards(role: str, client_for: Any) -> None:
    _a, number = holder()
    client = client_for(AccountFactory.of_role(role))
    upload = SimpleUploadedFile("old.csv", _csv([row(number, 1300)]))
    response = client.post("/api/v1/imports/legacy_cards", {"file": upload})
    assert response.status_code == 403
    assert not Card.objects.exists()

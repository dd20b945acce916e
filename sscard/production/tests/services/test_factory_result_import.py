"""factory_result_import: the card factory's result, all or nothing. Made cards are produced;
defective ones are cancelled and remade with new codes in a remake batch; a file with one row
that does not fit is refused as a whole with the row's number and code; the same file twice
changes nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sscard.applications.models import Application
from sscard.applications.services import collective_submit
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    beijing_unit,
    confirm_all,
    hr,
    in_force,
    notified_collective,
)
from sscard.cards.models import Card, CardCertificate
from sscard.cards.verify import card_verify
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.delivery.services import batch_dispatch
from sscard.notifications.models import OutboxMessage
from sscard.production.models import Batch, BatchCard, FactoryResult
from sscard.production.services import batch_export, batches_form, factory_result_import
from sscard.production.services.factory import RESULT_HEADER, factory_key
from sscard.testing.card_factory import Intake, factory_read, factory_result
from sscard.testing.card_life import OPERATOR, factory_round_trip, personalise, root
from sscard.testing.factories import RelyingPartyFactory

pytestmark = pytest.mark.django_db
DAY = BJ_PILOT_DAY
LATER = BJ_PILOT_DAY + timedelta(days=9)


def submitted(size: int) -> None:
    in_force("beijing-2024")
    employer, staff = beijing_unit(size)
    collective = notified_collective(employer)
    confirm_all(collective, staff, DAY)
    collective_submit(actor=hr(employer), collective_id=collective.pk, day=DAY)


def exported(size: int, out: Path, *, batches: int = 1) -> list[tuple[Batch, Intake]]:
    """``batches`` batches of ``size`` cards each, personalised and sent to the factory."""
    submitted(size * batches)
    done = []
    for batch in batches_form(actor=OPERATOR, today=DAY, max_cards=size):
        personalise(batch)
        files = batch_export(actor=OPERATOR, batch_id=batch.pk, out_dir=out)
        intake = factory_read(
            data=files.data, manifest=files.manifest, key=factory_key(), trusted_root=root()
        )
        batch.refresh_from_db()
        done.append((batch, intake))
    return done


def csv_of(*rows: tuple[str, ...] | list[str], header: tuple[str, ...] = RESULT_HEADER) -> bytes:
    lines = [",".join(header), *(",".join(r) for r in rows)]
    return ("\n".join(lines) + "\n").encode()


def row(card: dict[str, Any], outcome: str = "made", reason: str = "") -> tuple[str, ...]:
    return (card["card_number"], card["card_id_code"], outcome, reason)


def state() -> tuple[Any, ...]:
    """Everything an import could change."""
    return (
        list(Card.objects.order_by("pk").values_list("pk", "stage", "ss_function")),
        list(BatchCard.objects.order_by("pk").values_list("pk", "outcome", "defect_reason")),
        list(Batch.objects.order_by("pk").values_list("pk", "kind", "status")),
        FactoryResult.objects.count(),
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
        CardCertificate.objects.count(),
    )


def refused(batch: Batch, data: bytes) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        factory_result_import(actor=OPERATOR, batch_id=batch.pk, data=data, today=LATER)
    return caught.value


def test_made_cards_are_produced_and_the_batch_is_completed(tmp_path: Path) -> None:
    ((batch, intake),) = exported(2, tmp_path)
    result = factory_result_import(
        actor=OPERATOR, batch_id=batch.pk, data=factory_result(intake), today=LATER
    )
    assert (result.made, result.defective, result.unchanged, result.remake_batch) == (2, 0, 0, None)
    cards = Card.objects.filter(batch_entry__batch=batch)
    assert {c.stage for c in cards} == {"produced"}
    assert all(c.produced_at is not None for c in cards)
    assert set(BatchCard.objects.filter(batch=batch).values_list("outcome", flat=True)) == {"made"}
    batch.refresh_from_db()
    assert batch.status == "completed"
    event = AuditEvent.objects.get(action="factory_result_import")
    assert (event.object_id, event.changes["made"], event.changes["result_id"]) == (
        str(batch.pk),
        2,
        result.pk,
    )


def test_a_defective_card_is_cancelled_and_remade_with_new_codes_in_a_remake_batch(
    tmp_path: Path,
) -> None:
    # given a batch of three whose second card the factory spoils
    ((batch, intake),) = exported(3, tmp_path)
    spoiled = intake.cards[1]["card_number"]
    result = factory_result_import(
        actor=OPERATOR,
        batch_id=batch.pk,
        data=factory_result(intake, defective={spoiled}),
        today=LATER,
    )
    # then the spoiled card is cancelled: a reader is told so
    assert (result.made, result.defective) == (2, 1)
    old = Card.objects.get(card_number=spoiled)
    assert (old.stage, old.ss_function) == ("defective", "cancelled")
    assert old.batch_entry.defect_reason == "chip failed the personalisation check"
    party = RelyingPartyFactory.create()
    reader = Actor(role=Role.RELYING_PARTY, label=party.code, relying_party_id=party.pk)
    assert card_verify(actor=reader, card_number=spoiled, today=LATER).status == "cancelled"
    # and remade for the same application, with codes of its own, in a remake batch
    remake_batch = result.remake_batch
    assert remake_batch is not None
    assert (remake_batch.kind, remake_batch.status, remake_batch.card_count) == (
        "remake",
        "formed",
        1,
    )
    assert (remake_batch.channel, remake_batch.collected_on) == (batch.channel, batch.collected_on)
    new = Card.objects.get(batch_entry__batch=remake_batch)
    assert (new.remake_of_id, new.application_id, new.person_id, new.stage) == (
        old.pk,
        old.application_id,
        old.person_id,
        "ordered",
    )
    assert new.card_number != old.card_number
    assert new.card_id_code != old.card_id_code
    numbers = list(Card.objects.values_list("card_number", flat=True))
    codes = list(Card.objects.values_list("card_id_code", flat=True))
    assert len(set(numbers)) == len(numbers) == 4
    assert len(set(codes)) == len(codes) == 4
    # the first batch is complete: every card has its outcome
    batch.refresh_from_db()
    assert batch.status == "completed"


def test_a_remake_batch_goes_through_the_whole_loop(tmp_path: Path) -> None:
    ((batch, intake),) = exported(2, tmp_path)
    spoiled = intake.cards[0]["card_number"]
    result = factory_result_import(
        actor=OPERATOR,
        batch_id=batch.pk,
        data=factory_result(intake, defective={spoiled}),
        today=LATER,
    )
    remake_batch = result.remake_batch
    assert remake_batch is not None
    # when the remake batch is personalised, sent to the factory and made
    personalise(remake_batch)
    again = factory_round_trip(remake_batch, day=LATER, out_dir=tmp_path / "remakes")
    # then the application has one good card, with a certificate of its own, and can be sent
    assert (again.made, again.defective, again.remake_batch) == (1, 0, None)
    remake_batch.refresh_from_db()
    assert remake_batch.status == "completed"
    remade = Card.objects.get(remake_of__card_number=spoiled)
    assert remade.stage == "produced"
    assert CardCertificate.objects.filter(card=remade).count() == 1
    assert remade.application is not None
    good = Card.objects.filter(application=remade.application).exclude(stage="defective")
    assert list(good) == [remade]
    summary = batch_dispatch(actor=OPERATOR, batch_id=remake_batch.pk)
    assert summary.total == 1


def test_the_same_file_again_answers_the_same_result_and_changes_nothing(tmp_path: Path) -> None:
    ((batch, intake),) = exported(2, tmp_path)
    data = factory_result(intake, defective={intake.cards[0]["card_number"]})
    first = factory_result_import(actor=OPERATOR, batch_id=batch.pk, data=data, today=LATER)
    before = state()
    second = factory_result_import(actor=OPERATOR, batch_id=batch.pk, data=data, today=LATER)
    assert second.pk == first.pk
    assert (second.made, second.defective, second.remake_batch_id) == (
        first.made,
        first.defective,
        first.remake_batch_id,
    )
    assert state() == before


def test_results_may_come_in_parts_and_a_row_already_recorded_is_unchanged(tmp_path: Path) -> None:
    ((batch, intake),) = exported(3, tmp_path)
    a, b, c = intake.cards
    part = factory_result_import(
        actor=OPERATOR, batch_id=batch.pk, data=csv_of(row(a)), today=LATER
    )
    assert (part.made, part.unchanged) == (1, 0)
    batch.refresh_from_db()
    assert batch.status == "exported"  # two cards still wait for their outcome
    rest = factory_result_import(
        actor=OPERATOR,
        batch_id=batch.pk,
        data=csv_of(row(a), row(b), row(c, "defective", "scratched")),
        today=LATER,
    )
    assert (rest.made, rest.defective, rest.unchanged) == (1, 1, 1)
    batch.refresh_from_db()
    assert batch.status == "completed"


# --------------------------------------------------------------------------------------------
# Refusals: the whole file, with the row and its code; nothing written
# --------------------------------------------------------------------------------------------


def test_a_wrong_header_is_refused_at_row_1(tmp_path: Path) -> None:
    ((batch, intake),) = exported(1, tmp_path)
    before = state()
    error = refused(batch, csv_of(row(intake.cards[0]), header=("number", "code", "result", "x")))
    assert (error.code, error.status, error.details["row"]) == ("factory_result_header", 422, 1)
    assert state() == before


def test_a_row_with_the_wrong_number_of_cells_is_refused(tmp_path: Path) -> None:
    ((batch, intake),) = exported(2, tmp_path)
    a, b = intake.cards
    before = state()
    error = refused(batch, csv_of(row(a), row(b)[:3]))
    assert (error.code, error.details["row"]) == ("factory_result_cells", 3)
    assert state() == before


def test_an_outcome_other_than_made_or_defective_is_refused(tmp_path: Path) -> None:
    ((batch, intake),) = exported(2, tmp_path)
    a, b = intake.cards
    before = state()
    error = refused(batch, csv_of(row(a), row(b, "lost")))
    assert (error.code, error.details["row"], error.details["outcome"]) == (
        "factory_result_outcome",
        3,
        "lost",
    )
    assert state() == before


@pytest.mark.parametrize("what", ["number", "code"])
def test_a_card_not_in_the_batch_is_refused(tmp_path: Path, what: str) -> None:
    ((batch, intake),) = exported(2, tmp_path)
    a, b = intake.cards
    stranger = dict(b)
    if what == "number":
        stranger["card_number"] = "C99999999"
    else:  # the right number, another chip's identification code
        stranger["card_id_code"] = a["card_id_code"]
    before = state()
    error = refused(batch, csv_of(row(a), row(stranger)))
    assert (error.code, error.details["row"]) == ("factory_result_card_unknown", 3)
    assert "row 3" in error.message_en
    assert "第3行" in error.message_zh
    assert state() == before


def test_a_card_of_another_batch_is_unknown_to_this_one(tmp_path: Path) -> None:
    (_first, one), (second, _two) = exported(1, tmp_path, batches=2)
    before = state()
    error = refused(second, csv_of(row(one.cards[0])))
    assert error.code == "factory_result_card_unknown"
    assert state() == before


def test_the_same_card_twice_is_refused(tmp_path: Path) -> None:
    ((batch, intake),) = exported(2, tmp_path)
    a, b = intake.cards
    before = state()
    error = refused(batch, csv_of(row(a), row(b), row(a)))
    assert (error.code, error.details["row"]) == ("factory_result_duplicate", 4)
    assert state() == before


def test_a_result_that_contradicts_an_earlier_one_is_refused(tmp_path: Path) -> None:
    ((batch, intake),) = exported(2, tmp_path)
    a, b = intake.cards
    factory_result_import(actor=OPERATOR, batch_id=batch.pk, data=csv_of(row(a)), today=LATER)
    before = state()
    error = refused(batch, csv_of(row(b), row(a, "defective", "cracked")))
    assert (error.code, error.details["row"], error.details["recorded"]) == (
        "factory_result_conflict",
        3,
        "made",
    )
    assert state() == before


def test_a_card_no_longer_waiting_to_be_made_is_refused(tmp_path: Path) -> None:
    ((batch, intake),) = exported(2, tmp_path)
    a, b = intake.cards
    # given a card moved on by another path meanwhile (no service does this today; the check
    # guards the import against one that would)
    Card.objects.filter(card_number=b["card_number"]).update(stage="ordered")
    before = state()
    error = refused(batch, csv_of(row(a), row(b)))
    assert (error.code, error.details["row"], error.details["stage"]) == (
        "factory_result_card_state",
        3,
        "ordered",
    )
    assert state() == before


def test_a_file_imported_for_one_batch_is_refused_for_another(tmp_path: Path) -> None:
    (first, one), (second, _two) = exported(1, tmp_path, batches=2)
    data = csv_of(row(one.cards[0]))
    factory_result_import(actor=OPERATOR, batch_id=first.pk, data=data, today=LATER)
    before = state()
    error = refused(second, data)
    assert (error.code, error.details["batch"]) == ("factory_result_other_batch", first.pk)
    assert state() == before


@pytest.mark.parametrize("started", [False, True])
def test_a_batch_not_sent_to_the_factory_takes_no_result(tmp_path: Path, started: bool) -> None:
    submitted(1)
    (batch,) = batches_form(actor=OPERATOR, today=DAY)
    if started:
        personalise(batch)
    card = Card.objects.get(batch_entry__batch=batch)
    before = state()
    error = refused(batch, csv_of((card.card_number, card.card_id_code, "made", "")))
    assert (error.code, error.status) == ("batch_not_exported", 409)
    assert state() == before


def test_a_file_that_is_not_utf8_or_has_no_rows_is_refused(tmp_path: Path) -> None:
    ((batch, _intake),) = exported(1, tmp_path)
    before = state()
    assert refused(batch, "卡号".encode("gb18030") + b"\n").code == "factory_result_encoding"
    assert refused(batch, csv_of()).code == "factory_result_empty"
    assert state() == before


def test_one_bad_row_at_the_end_leaves_the_good_rows_before_it_unimported(tmp_path: Path) -> None:
    ((batch, intake),) = exported(3, tmp_path)
    a, b, c = intake.cards
    before = state()
    error = refused(batch, csv_of(row(a), row(b, "defective", "bent"), row(c, "maybe")))
    assert error.code == "factory_result_outcome"
    assert state() == before
    assert set(Card.objects.values_list("stage", flat=True)) == {"personalised"}
    assert not Batch.objects.filter(kind="remake").exists()


def test_the_row_number_is_the_files_even_after_a_blank_line(tmp_path: Path) -> None:
    ((batch, intake),) = exported(2, tmp_path)
    a, b = intake.cards
    stranger = {**b, "card_number": "C99999999"}
    data = csv_of(row(a), (), row(stranger))  # row 3 is blank; row 4 is the stranger
    error = refused(batch, data)
    assert (error.code, error.details["row"]) == ("factory_result_card_unknown", 4)


def test_a_cell_too_large_to_read_is_refused_with_its_row(tmp_path: Path) -> None:
    ((batch, intake),) = exported(1, tmp_path)
    # a cell beyond what the CSV reader takes (sscard.core.tables sets the limit at 1 MiB)
    huge = '"' + "x" * ((1 << 20) + 1) + '"'
    before = state()
    error = refused(batch, csv_of(row(intake.cards[0], "defective", huge)))
    assert (error.code, error.details["row"]) == ("factory_result_cells", 2)
    assert state() == before


@pytest.mark.parametrize("role", [Role.BANK_CLERK, Role.CARDHOLDER, Role.DISTRICT_OFFICER])
def test_only_production_imports_results(tmp_path: Path, role: Role) -> None:
    ((batch, intake),) = exported(1, tmp_path)
    before = state()
    with pytest.raises(ApplicationError) as caught:
        factory_result_import(
            actor=Actor(role=role, label="someone"),
            batch_id=batch.pk,
            data=factory_result(intake),
            today=LATER,
        )
    assert caught.value.code == "permission_denied"
    assert state() == before


def test_completed_applications_stay_completed_through_a_remake(tmp_path: Path) -> None:
    ((batch, intake),) = exported(1, tmp_path)
    factory_result_import(
        actor=OPERATOR,
        batch_id=batch.pk,
        data=factory_result(intake, defective={intake.cards[0]["card_number"]}),
        today=LATER,
    )
    assert list(Application.objects.values_list("status", flat=True)) == ["completed"]

"""Production's lists as spreadsheets: the batches with their progress, and one batch's card
list (holders masked, as production works on them)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sscard.applications.tests.support import branch, in_force
from sscard.cards.models import Card
from sscard.core.names import Kind, name_of
from sscard.delivery.tests.page_support import applicant, applied_at, today
from sscard.production.models import Batch
from sscard.testing.card_life import dispatch, produce
from sscard.testing.exports import assert_header_rows, read_export

pytestmark = pytest.mark.django_db
FORMATS = ("xlsx", "csv")


@pytest.fixture
def made():
    campaign = in_force("beijing-2024")
    outlet = branch("ICBC", name="工商银行朝阳支行")
    numbers = []
    for _ in range(3):
        person, number = applicant()
        applied_at(outlet, person)
        numbers.append(number)
    (batch,) = produce(day=today())
    return campaign, batch, outlet, numbers


def test_the_batches_export_with_their_progress(made, production_operator, client_for):
    # one batch made (the set-up is costly: both formats are read from it)
    for fmt in FORMATS:
        _batches_export(fmt, made, client_for(production_operator))


def _batches_export(fmt: str, made: Any, client: Any) -> None:
    campaign, made_batch, _outlet, _numbers = made
    export = read_export(client.get(f"/production/batches/export.{fmt}"))
    assert_header_rows(export, title="制卡批次", pack=campaign)
    batch = Batch.objects.get(pk=made_batch.pk)
    (row,) = export.rows
    collected = row[5] if fmt == "csv" else row[5].date().isoformat()
    assert [str(v) for v in row[:5]] == [
        str(batch.pk),
        batch.get_kind_display(),
        batch.kind,
        name_of(Kind.CHANNEL, batch.channel),
        batch.channel,
    ]
    assert row[3] != batch.channel  # the channel's name beside its code
    assert collected == batch.collected_on.isoformat()
    # the state is the phase the page shows: made cards wait to be dispatched
    assert [str(v) for v in row[6:12]] == [
        "已收到制卡结果",
        "results_in",
        "3",  # cards
        "3",  # personalised
        "3",  # made
        "0",  # defective
    ]


def test_a_batch_s_card_list_is_masked_and_names_the_outlet(made, production_operator, client_for):
    for fmt in FORMATS:
        _cards_export(fmt, made, client_for(production_operator))


def _cards_export(fmt: str, made: Any, client: Any) -> None:
    campaign, batch, outlet, numbers = made
    export = read_export(client.get(f"/production/batches/{batch.pk}/cards.{fmt}"))
    assert_header_rows(
        export, title=f"批次#{batch.pk}的卡片", filters=[f"#{batch.pk}"], pack=campaign
    )
    cards = Card.objects.filter(batch_entry__batch=batch).order_by("card_number")
    assert export.column("卡号") == [c.card_number for c in cards]
    assert export.column("身份证件号码") == [c.person.masked_id_number for c in cards]
    assert set(export.column("领卡网点")) == {outlet.name}
    assert set(export.column("领卡网点（代码）")) == {outlet.code}
    assert set(export.column("工厂制卡结果（代码）")) == {"made"}
    assert set(export.column("批次状态")) == {"已收到制卡结果"}
    assert set(export.column("批次状态（代码）")) == {"results_in"}
    text = export.text()
    for number in numbers:
        assert number not in text


def test_a_batch_that_does_not_exist_is_not_found(production_operator, client_for):
    assert (
        client_for(production_operator).get("/production/batches/999/cards.xlsx").status_code == 404
    )


def test_the_batch_page_offers_the_hand_over_sheet_once_cards_have_left(
    made, production_operator, client_for
):
    _campaign, batch, _outlet, _numbers = made
    operator = client_for(production_operator)
    page = operator.get(f"/production/batches/{batch.pk}/").content.decode()
    assert f"/production/batches/{batch.pk}/cards.xlsx" in page
    assert f"/production/batches/{batch.pk}/handover/" not in page
    assert operator.get(f"/production/batches/{batch.pk}/handover/").status_code == 409
    dispatch([batch])
    page = operator.get(f"/production/batches/{batch.pk}/").content.decode()
    assert f"/production/batches/{batch.pk}/handover/" in page
    assert operator.get(f"/production/batches/{batch.pk}/handover/").status_code == 200
    assert Batch.objects.filter(pk=batch.pk).exists()


def _page_phase(page: str) -> tuple[str, str]:
    """The phase (code and name) a production page shows first: its one batch's."""
    found = re.search(r'data-phase="([a-z_]+)">([^<]+)</span>', page)
    assert found is not None
    return found.group(1), found.group(2).strip()


def test_after_dispatch_the_exports_say_the_batch_s_state_as_its_pages(
    made, production_operator, client_for
):
    # given a batch whose made cards have all been dispatched (its stored status still reads
    # "factory result received")
    _campaign, batch, _outlet, _numbers = made
    dispatch([batch])
    operator = client_for(production_operator)
    listed = _page_phase(operator.get("/production/").content.decode())
    detail = _page_phase(operator.get(f"/production/batches/{batch.pk}/").content.decode())
    assert listed == detail == ("dispatched", "已制成的卡已全部发出")
    code, name = listed
    # then the batches export and the batch's card list say the same, name and code
    batches = read_export(operator.get("/production/batches/export.xlsx"))
    assert (batches.column("状态"), batches.column("状态（代码）")) == ([name], [code])
    cards = read_export(operator.get(f"/production/batches/{batch.pk}/cards.csv"))
    assert set(cards.column("批次状态")) == {name}
    assert set(cards.column("批次状态（代码）")) == {code}
    # and so does the API, with the phase's name beside it
    body = operator.get(f"/api/v1/production/batches/{batch.pk}").json()
    assert (body["phase"], body["phase_name"]) == (code, name)

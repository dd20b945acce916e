"""Delivery's spreadsheet and papers: the counter's stock as XLSX/CSV, the card-ready notice
(领卡通知) of a card waiting at an outlet, and a batch's hand-over sheet (交接单)."""

from __future__ import annotations

import pytest

from sscard.applications.tests.support import branch, in_force
from sscard.cards.models import Card
from sscard.delivery.models import Shipment
from sscard.delivery.tests.page_support import applicant, applied_at, in_stock, today
from sscard.production.models import Batch
from sscard.testing.card_life import dispatch, produce
from sscard.testing.exports import assert_header_rows, read_export
from sscard.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db
FORMATS = ("xlsx", "csv")


@pytest.fixture
def outlet():
    return branch("ICBC", name="工商银行朝阳支行", address="朝阳路1号")


def test_the_stock_exports_all_of_it_masked(outlet, client_for):
    campaign = in_force("beijing-2024")
    person, number, card = in_stock(outlet)
    clerk = client_for(AccountFactory.create(bank_clerk=True, outlet=outlet))
    for fmt in FORMATS:
        export = read_export(clerk.get(f"/cards/counter/stock/export.{fmt}"))
        assert_header_rows(
            export, title="本网点库存", filters=[outlet.name, outlet.code], pack=campaign
        )
        shipment = Shipment.objects.get(card=card)
        (row,) = export.rows
        assert row[:6] == [
            card.card_number,
            person.masked_name,
            shipment.get_method_display(),
            "outlet",
            shipment.get_status_display(),
            "at_outlet",
        ]
        assert number not in export.text()
        assert person.name not in export.text()


def test_the_card_ready_notice_is_for_the_outlet_s_clerk_and_the_holder(outlet, client_for):
    in_force("beijing-2024")
    person, number, card = in_stock(outlet)
    clerk = client_for(AccountFactory.create(bank_clerk=True, outlet=outlet))
    url = f"/cards/{card.pk}/ready-notice/"
    # the clerk: from the stock list, the holder's name masked
    assert url in clerk.get("/cards/counter/").content.decode()
    page = clerk.get(url).content.decode()
    assert "领卡通知" in page
    assert card.card_number in page
    assert outlet.name in page
    assert "朝阳路1号" in page
    assert person.masked_name in page
    assert person.name not in page
    assert number not in page
    assert "data-print" in page  # the print button
    # the holder: from their cards page, their own name
    holder = client_for(AccountFactory.create(cardholder=True, person=person))
    assert url in holder.get("/me/cards/").content.decode()
    own = holder.get(url).content.decode()
    assert person.name in own
    assert number not in own
    # anyone else: not found, as a missing card
    other_outlet = client_for(AccountFactory.create(bank_clerk=True, outlet=branch("ICBC")))
    assert other_outlet.get(url).status_code == 404
    stranger = client_for(AccountFactory.create(cardholder=True))
    assert stranger.get(url).status_code == 404
    assert client_for(AccountFactory.create()).get(url).status_code == 403


def test_no_notice_once_the_card_has_left_the_stock(outlet, client_for):
    in_force("beijing-2024")
    person, _number, card = in_stock(outlet)
    Shipment.objects.filter(card=card).update(status="handed_over")
    Card.objects.filter(pk=card.pk).update(stage="handed_over")
    holder = client_for(AccountFactory.create(cardholder=True, person=person))
    assert f"/cards/{card.pk}/ready-notice/" not in holder.get("/me/cards/").content.decode()
    assert holder.get(f"/cards/{card.pk}/ready-notice/").status_code == 404


def test_the_hand_over_sheet_lists_each_destination_with_count_and_signatures(
    outlet, production_operator, client_for
):
    campaign = in_force("beijing-2024")
    numbers = []
    for _ in range(3):
        person, number = applicant()
        applied_at(outlet, person)
        numbers.append(number)
    (batch,) = produce(day=today())
    dispatch([batch])
    operator = client_for(production_operator)
    page = operator.get(f"/production/batches/{batch.pk}/handover/").content.decode()
    assert "交接单" in page
    assert "data-total>3<" in page
    assert outlet.name in page
    assert outlet.code in page
    for card in Card.objects.filter(batch_entry__batch=batch):
        assert card.card_number in page
        assert card.person.masked_id_number in page
    for number in numbers:
        assert number not in page
    assert "交出方（制卡中心）签字" in page
    assert "接收方签字" in page
    assert campaign.pack_hash[:16] in page  # the pack in force, in the footer
    assert Batch.objects.filter(pk=batch.pk).exists()
    # only production prints it
    clerk = client_for(AccountFactory.create(bank_clerk=True, outlet=outlet))
    assert clerk.get(f"/production/batches/{batch.pk}/handover/").status_code == 403

"""Issuing the card an application decided on: pack-driven generation, codes and validity."""

from __future__ import annotations

from datetime import date

import pytest

from sscard.cards.services import card_issue_for_application
from sscard.cards.services.order import valid_until
from sscard.cards.tests.support import SYSTEM, TODAY, application, clerk, in_force, person
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.kernel.cardcodes import parse_card_identification_code, parse_card_number

pytestmark = pytest.mark.django_db


def test_the_card_takes_generation_interfaces_functions_and_validity_from_the_pack():
    # given an application decided under the Beijing pack for a 3rd-generation card
    campaign = in_force()
    holder = person(insured_region="110105")
    app = application(campaign, holder)
    # when the card is issued
    card = card_issue_for_application(actor=SYSTEM, application=app, today=TODAY)
    # then its record comes from the pack, its codes are well formed and unique
    assert card.generation == 3
    assert card.interfaces == ["contact", "contactless"]
    assert "transport" in card.functions
    assert "financial" in card.functions
    assert card.bank_code == "ICBC"
    assert card.valid_until == date(2034, 3, 3)
    assert card.pack_hash == campaign.pack_hash
    assert parse_card_number(card.card_number) == card.card_number
    assert parse_card_identification_code(card.card_id_code).startswith("110105D156000005")
    assert card.stage == "ordered"
    assert card.ss_function == "not_enabled"
    app.refresh_from_db()
    assert app.status == "completed"
    # one audit event per order, naming the cards it wrote and their applications
    event = AuditEvent.objects.get(action="card_order")
    assert event.changes["card_ids"] == [[card.pk, card.pk]]
    assert event.changes["application_ids"] == [[app.pk, app.pk]]
    assert event.pack_hash == campaign.pack_hash


def test_two_cards_get_distinct_codes():
    campaign = in_force()
    first = card_issue_for_application(
        actor=SYSTEM, application=application(campaign, person()), today=TODAY
    )
    second = card_issue_for_application(
        actor=SYSTEM, application=application(campaign, person()), today=TODAY
    )
    assert first.card_number != second.card_number
    assert first.card_id_code != second.card_id_code


def test_an_application_gets_one_card_only():
    app = application(in_force(), person())
    card_issue_for_application(actor=SYSTEM, application=app, today=TODAY)
    with pytest.raises(ApplicationError) as caught:
        card_issue_for_application(actor=SYSTEM, application=app, today=TODAY)
    assert caught.value.code == "application_not_open"


def test_a_generation_the_pack_does_not_issue_is_refused():
    app = application(in_force(), person(), generation=7)
    with pytest.raises(ApplicationError) as caught:
        card_issue_for_application(actor=SYSTEM, application=app, today=TODAY)
    assert caught.value.code == "card_generation_unknown"


def test_a_clerk_may_not_issue_cards():
    app = application(in_force(), person())
    with pytest.raises(ApplicationError) as caught:
        card_issue_for_application(actor=clerk(), application=app, today=TODAY)
    assert caught.value.code == "permission_denied"


@pytest.mark.parametrize(
    ("issued", "years", "last"),
    [
        (date(2024, 3, 4), 10, date(2034, 3, 3)),
        (date(2024, 2, 29), 10, date(2034, 2, 28)),
        (date(2024, 1, 1), 1, date(2024, 12, 31)),
    ],
)
def test_valid_until_is_the_day_before_the_anniversary(issued, years, last):
    assert valid_until(issued, years) == last

"""The legacy-cards import racing production's order of a new card for the same holder, on
PostgreSQL: whichever comes first, the holder ends with one current card of the generation, and
the other gets its stable code (the import's row refused, or the order refused) — never an
internal error, never a half-written chunk."""

from __future__ import annotations

from typing import Any

import pytest

from sscard.cards.models import Card
from sscard.cards.services import cards_order
from sscard.cards.tests.support import (
    SYSTEM,
    TODAY,
    application,
    import_legacy_rows,
    in_force,
    person,
)
from sscard.kernel.cardcodes import card_identification_code, card_number
from sscard.testing.card_life import id_number_of
from sscard.testing.factories import XICHENG, BankFactory
from sscard.testing.races import race

pytestmark = [
    pytest.mark.postgres(reason="needs PostgreSQL: two connections racing on row locks"),
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize("serial", [9_600_001, 9_600_002, 9_600_003])
def test_an_import_and_an_order_at_once_leave_one_current_card(serial: int) -> None:
    # given a holder whose application waits for its third-generation card, and a legacy
    # export that says they hold an enabled third-generation card already
    BankFactory.create()
    campaign = in_force()
    holder = person()
    waiting = application(campaign, holder)
    legacy = {
        "id_number": id_number_of(holder),
        "card_number": card_number("C", serial),
        "card_id_code": card_identification_code(XICHENG, serial),
        "generation": "3",
        "bank": "ICBC",
        "issued_on": "2021-01-04",
        "valid_until": "2031-01-04",
        "state": "enabled",
    }

    def imports() -> tuple[str, int, int]:
        job = import_legacy_rows([legacy])
        return (job.status, job.rows_inserted, job.rows_refused)

    def orders() -> str:
        cards_order(actor=SYSTEM, application_ids=[waiting.pk], today=TODAY)
        return "ok"

    # when the import and production act for the holder at the same moment
    outcomes: dict[str, Any] = race({"import": imports, "order": orders})
    # then exactly one wins, and the other is refused with its stable code
    assert outcomes in (
        {"import": ("succeeded", 1, 0), "order": "card_already_held"},
        {"import": ("partial", 0, 1), "order": "ok"},
    ), outcomes
    assert Card.current().filter(person=holder, generation=3).count() == 1

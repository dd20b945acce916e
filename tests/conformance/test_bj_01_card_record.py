"""BJ-01: every card records its generation, interfaces (contact + contactless for the 3rd
generation) and function set, and card verification reports them."""

from __future__ import annotations

import pytest

from sscard.cards.services import card_issue_for_application
from sscard.cards.tests.support import SYSTEM, TODAY, application, in_force, person
from sscard.cards.verify import card_verify
from sscard.core.actors import Actor, Role

pytestmark = pytest.mark.django_db

HOSPITAL = Actor(role=Role.RELYING_PARTY, label="hospital", relying_party_id=1)


def test_bj_01_a_third_generation_card_records_and_reports_its_interfaces_and_functions() -> None:
    # given an application for a 3rd-generation card under the Beijing pack
    app = application(in_force("beijing-2024"), person())
    # when the card is issued and verified
    card = card_issue_for_application(actor=SYSTEM, application=app, today=TODAY)
    answer = card_verify(actor=HOSPITAL, card_number=card.card_number, today=TODAY)
    # then both interfaces and the notice's functions are on the record and in the answer
    assert card.generation == 3
    assert card.interfaces == ["contact", "contactless"]
    expected = {"medical_settlement", "self_query", "identity", "transport", "park_pass"}
    assert expected | {"financial"} == set(card.functions)
    assert (answer.generation, answer.interfaces, answer.functions) == (
        3,
        card.interfaces,
        card.functions,
    )


def test_bj_01_an_old_style_card_keeps_the_contact_interface_only() -> None:
    app = application(in_force("beijing-2024"), person(), generation=2)
    card = card_issue_for_application(actor=SYSTEM, application=app, today=TODAY)
    assert (card.generation, card.interfaces) == (2, ["contact"])
    assert "transport" not in card.functions

"""SH-04: the national 3rd-generation card — single chip, dual interface, SS and financial
functions, cross-province medical settlement — recorded on every card and reported."""

from __future__ import annotations

import pytest

from sscard.cards.services import card_issue_for_application
from sscard.cards.tests.support import SYSTEM, TODAY, application, in_force, person
from sscard.cards.verify import card_verify
from sscard.core.actors import Actor, Role

pytestmark = pytest.mark.django_db

HUANGPU = "310101"
PHARMACY = Actor(role=Role.RELYING_PARTY, label="pharmacy", relying_party_id=1)


def test_sh_04_a_shanghai_card_records_and_reports_its_interfaces_and_functions() -> None:
    # given an application decided under the Shanghai pack
    holder = person(hukou_region=HUANGPU, insured_region=HUANGPU)
    app = application(in_force("shanghai-2019"), holder)
    # when its card is issued and verified
    card = card_issue_for_application(actor=SYSTEM, application=app, today=TODAY)
    answer = card_verify(actor=PHARMACY, card_number=card.card_number, today=TODAY)
    # then the dual interface and the SS and financial functions are on record and reported
    assert card.card_id_code.startswith(HUANGPU + "D156000005")
    assert card.interfaces == ["contact", "contactless"]
    assert {
        "identity",
        "information_record",
        "self_query",
        "medical_settlement",
        "cross_province_medical",
        "contributions_benefits",
        "financial",
    } == set(card.functions)
    assert (answer.generation, answer.interfaces, answer.functions) == (
        3,
        card.interfaces,
        card.functions,
    )

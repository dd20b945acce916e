"""SH-04: the national 3rd-generation card — 国密, a digital certificate, the financial function,
single chip with dual interface, the SS uses and cross-province medical settlement — recorded
on every card and reported."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sscard.applications.tests.support import HUANGPU, SH_DAY
from sscard.cards.models import CardCertificate
from sscard.cards.services.authority import chain_of
from sscard.cards.tests.scenarios import hospital, shanghai_posted_application
from sscard.cards.verify import card_verify
from sscard.kernel.pki import verify_chain
from sscard.testing.card_life import card_of, produce

pytestmark = pytest.mark.django_db


def test_sh_04_a_shanghai_card_records_and_reports_its_interfaces_and_functions() -> None:
    # given a Shanghai resident's application under the Shanghai pack
    posted = shanghai_posted_application()
    # when the card is ordered, personalised and made
    produce(day=SH_DAY)
    card = card_of(posted.application)
    answer = card_verify(actor=hospital(), card_number=card.card_number, today=SH_DAY)
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
    # and the card carries its digital certificate (SM2-with-SM3), chained to the root
    certificate = CardCertificate.objects.get(card=card)
    chain = chain_of(certificate.authority_id)
    assert chain is not None
    assert verify_chain(bytes(certificate.der), chain, at=datetime.now(UTC)).serial == int(
        card.card_id_code[16:], 16
    )

"""BJ-01: every card records its generation, interfaces (contact + contactless for the 3rd
generation) and function set, verification reports them, and the card's SM2 certificate is
issued at personalisation."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from sscard.applications.tests.support import BJ_PILOT_DAY
from sscard.cards.models import CardCertificate
from sscard.cards.services.authority import chain_of
from sscard.cards.tests.scenarios import beijing_pilot_unit, hospital
from sscard.cards.verify import card_verify
from sscard.kernel.pki import verify_chain
from sscard.production.services import batches_form
from sscard.testing.card_life import OPERATOR, card_of, personalise

pytestmark = pytest.mark.django_db
DAY = BJ_PILOT_DAY


def test_bj_01_a_third_generation_card_records_and_reports_its_interfaces_and_functions() -> None:
    # given a pilot target's collective application, ordered into a batch
    unit = beijing_pilot_unit()
    (batch,) = batches_form(actor=OPERATOR, today=DAY)
    card = card_of(unit.applications[0])
    # then the card's record comes from the pack: generation, both interfaces, the functions
    assert card.generation == 3
    assert card.interfaces == ["contact", "contactless"]
    expected = {"medical_settlement", "self_query", "identity", "transport", "park_pass"}
    assert set(card.functions) == expected | {"financial"}
    # and verification reports them
    answer = card_verify(actor=hospital(), card_number=card.card_number, today=DAY)
    assert (answer.generation, answer.interfaces, answer.functions) == (
        3,
        card.interfaces,
        card.functions,
    )
    # when the batch is personalised, the card has its SM2 certificate, valid as long as it
    assert not CardCertificate.objects.filter(card=card).exists()
    personalise(batch)
    certificate = CardCertificate.objects.get(card=card)
    chain = chain_of(certificate.authority_id)
    assert chain is not None
    info = verify_chain(bytes(certificate.der), chain, at=datetime.now(UTC))
    assert info.subject_common_name == card.card_id_code
    # valid from the start of the card's issue day to the end of its last day, Beijing time
    beijing = ZoneInfo("Asia/Shanghai")
    assert info.not_before == datetime.combine(card.issued_on, time.min, tzinfo=beijing)
    assert info.not_after == datetime.combine(card.valid_until, time(23, 59, 59), tzinfo=beijing)


def test_bj_01_an_old_style_card_keeps_the_contact_interface_only() -> None:
    # given a Beijing resident outside the pilot applying on the old channels (BJ-10)
    from sscard.applications.services import application_submit
    from sscard.applications.tests.support import branch, clerk, in_force
    from sscard.testing.factories import PersonFactory

    in_force("beijing-2024")
    person = PersonFactory.create(category="flexible_worker", insured_region="110105")
    app = application_submit(
        actor=clerk(branch("ICBC")),
        person=person,
        channel="bank_outlet",
        action="first",
        day=DAY,
        photo_source="id_card",
    )
    batches_form(actor=OPERATOR, today=DAY)
    card = card_of(app)
    assert (card.generation, card.interfaces) == (2, ["contact"])
    assert "transport" not in card.functions

"""Verification for relying parties: by card number or reader string, one query, no writes."""

from __future__ import annotations

from datetime import date

import pytest

from sscard.cards.models import Card
from sscard.cards.tests.support import TODAY, card, person
from sscard.cards.verify import card_verify
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.kernel.cardcodes import card_number
from sscard.testing.factories import make_id_number

pytestmark = pytest.mark.django_db

RP = Actor(role=Role.RELYING_PARTY, label="hospital", relying_party_id=1)
ID = make_id_number(7)


def reader(c: Card, id_number: str = ID, name: str = "张伟") -> str:
    return (
        f"110102|{id_number}|{c.card_number}|{c.card_id_code}|{name}|3B6D|3.00|"
        f"{c.issued_on:%Y%m%d}|{c.valid_until:%Y%m%d}|"
    )


def test_a_card_number_answers_status_generation_functions_and_masked_name(
    django_assert_max_num_queries,
):
    # given an enabled 3rd-generation card
    holder = person(name="张伟明", id_number=ID)
    c = card(holder, ss_function="enabled")
    # when a relying party verifies it by number
    with django_assert_max_num_queries(1):
        answer = card_verify(actor=RP, card_number=c.card_number, today=TODAY)
    # then it hears the derived status and nothing it need not know
    assert answer.status == "valid"
    assert answer.generation == 3
    assert answer.interfaces == ["contact", "contactless"]
    assert answer.functions == c.functions
    assert answer.masked_name == "张**"


def test_a_reader_string_of_the_holder_answers_in_one_query(django_assert_max_num_queries):
    c = card(person(id_number=ID))
    with django_assert_max_num_queries(1):
        answer = card_verify(actor=RP, reader_string=reader(c), today=TODAY)
    assert answer.status == "not_enabled"


def test_a_reader_string_with_someone_elses_id_number_is_a_mismatch():
    c = card(person(id_number=ID), ss_function="enabled")
    answer = card_verify(actor=RP, reader_string=reader(c, id_number=make_id_number(8)))
    assert answer.status == "mismatch"
    assert answer.generation is None
    assert answer.masked_name == ""


def test_a_reader_string_with_another_cards_identification_code_is_a_mismatch():
    c = card(person(id_number=ID), ss_function="enabled")
    other = card(person())
    text = reader(c).replace(c.card_id_code, other.card_id_code)
    assert card_verify(actor=RP, reader_string=text).status == "mismatch"


def test_an_unknown_card_is_an_answer_not_an_error(django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        answer = card_verify(actor=RP, card_number=card_number("C", 42))
    assert answer.status == "unknown"
    assert answer.functions == []


def test_an_expired_card_answers_expired():
    c = card(person(), ss_function="enabled", valid_until=date(2024, 3, 3))
    assert card_verify(actor=RP, card_number=c.card_number, today=TODAY).status == "expired"


def test_verification_writes_nothing():
    c = card(person())
    before = AuditEvent.objects.count()
    card_verify(actor=RP, card_number=c.card_number)
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({}, "verify_input"),
        ({"card_number": "C0000001X", "reader_string": "x"}, "verify_input"),
        ({"card_number": "C00000010"}, "card_number_invalid"),
        ({"reader_string": "110102|1|2"}, "reader_string_fields"),
    ],
)
def test_bad_input_is_refused_with_its_code(kwargs, code):
    with pytest.raises(ApplicationError) as caught:
        card_verify(actor=RP, **kwargs)
    assert caught.value.code == code
    assert caught.value.status == 422


@pytest.mark.parametrize("role", [Role.EMPLOYER_HR, Role.BANK_CLERK, Role.CARDHOLDER])
def test_only_relying_parties_and_the_city_bureau_verify(role):
    c = card(person())
    with pytest.raises(ApplicationError) as caught:
        card_verify(actor=Actor(role=role, label="x"), card_number=c.card_number)
    assert caught.value.code == "permission_denied"
    officer = Actor(role=Role.CITY_OFFICER, label="officer", city_code="110000")
    assert card_verify(actor=officer, card_number=c.card_number).status == "not_enabled"

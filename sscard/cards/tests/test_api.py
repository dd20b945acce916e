"""POST /api/v1/cards/verify: relying parties' bearer tokens, stable answers, coded refusals."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sscard.cards.models import Card
from sscard.cards.tests.support import card, person
from sscard.core.actors import Actor
from sscard.kernel.cardcodes import card_number
from sscard.kernel.idnumber import check_digit
from sscard.portal.models import Account, ApiToken
from sscard.portal.services import api_token_create, api_token_revoke
from sscard.testing.factories import AccountFactory, make_id_number

pytestmark = pytest.mark.django_db

URL = "/api/v1/cards/verify"
ID = make_id_number(11)


def token_of(account: Account) -> tuple[ApiToken, str]:
    officer = Actor.system("test")
    return api_token_create(actor=officer, account=account, name="terminal")


def post(client: Client, token: str, body: dict[str, Any]) -> Any:
    return client.post(
        URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def reader(c: Card, id_number: str = ID) -> str:
    return (
        f"110102|{id_number}|{c.card_number}|{c.card_id_code}|张伟|3B6D|3.00|"
        f"{c.issued_on:%Y%m%d}|{c.valid_until:%Y%m%d}"
    )


@pytest.fixture
def token(relying_party):
    return token_of(relying_party)[1]


def test_a_relying_party_verifies_by_card_number(client, token, django_assert_max_num_queries):
    # given an enabled card
    c = card(person(name="李华", id_number=ID), ss_function="enabled")
    # when a hospital's terminal asks (the address's token-guessing throttle, issue 10 point 4,
    # the token look-up, and one query for the card)
    with django_assert_max_num_queries(3):
        response = post(client, token, {"card_number": c.card_number})
    # then it hears the status, the card's generation and functions and a masked name only
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "status",
        "generation",
        "functions",
        "interfaces",
        "masked_name",
        "checked_at",
    }
    assert body["status"] == "valid"
    assert body["generation"] == 3
    assert body["interfaces"] == ["contact", "contactless"]
    assert body["masked_name"] == "李*"
    assert ID not in response.content.decode()


def test_a_reader_string_is_verified(client, token):
    c = card(person(id_number=ID), ss_function="enabled")
    response = post(client, token, {"reader_string": reader(c)})
    assert response.status_code == 200
    assert response.json()["status"] == "valid"


def test_an_unknown_card_is_answered_200_unknown(client, token):
    response = post(client, token, {"card_number": card_number("C", 77)})
    assert response.status_code == 200
    assert response.json()["status"] == "unknown"
    assert response.json()["masked_name"] == ""


def test_an_id_number_that_is_not_the_holders_answers_mismatch(client, token):
    c = card(person(id_number=ID), ss_function="enabled")
    response = post(client, token, {"reader_string": reader(c, id_number=make_id_number(12))})
    assert response.status_code == 200
    assert response.json()["status"] == "mismatch"
    assert response.json()["generation"] is None


def _bad_check_digit(text: str) -> str:
    return text[:17] + ("0" if check_digit(text[:17]) != "0" else "1")


@pytest.mark.parametrize(
    ("mangle", "code"),
    [
        (lambda s, c: s + "|extra", "reader_string_fields"),
        (lambda s, c: s.rsplit("|", 2)[0], "reader_string_fields"),
        (lambda s, c: s.replace(ID, _bad_check_digit(ID)), "id_check_digit"),
        (lambda s, c: s.replace(c.card_id_code, c.card_id_code[:31]), "card_id_code_invalid"),
        (lambda s, c: s.replace("D156000005", "D156000006"), "card_id_code_invalid"),
    ],
)
def test_a_bad_reader_string_is_refused_with_its_code_and_changes_nothing(
    client, token, mangle, code
):
    c = card(person(id_number=ID), ss_function="enabled")
    before = list(Card.objects.values())
    response = post(client, token, {"reader_string": mangle(reader(c), c)})
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert list(Card.objects.values()) == before


def test_a_malformed_card_number_is_refused(client, token):
    response = post(client, token, {"card_number": "123"})
    assert response.status_code == 422
    assert response.json()["code"] == "card_number_invalid"


def test_a_token_of_another_role_is_refused(client):
    hr = AccountFactory.of_role("employer_hr")
    c = card(person())
    response = post(client, token_of(hr)[1], {"card_number": c.card_number})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_revoked_or_missing_token_is_refused(client, relying_party):
    issued, plaintext = token_of(relying_party)
    api_token_revoke(actor=Actor.system("test"), token_id=issued.pk)
    c = card(person())
    assert post(client, plaintext, {"card_number": c.card_number}).status_code == 401
    response = client.post(URL, {"card_number": c.card_number}, content_type="application/json")
    assert response.status_code == 401


def test_every_relying_party_hears_the_same_answer_and_nothing_more(client, relying_party):
    # given two hospitals, each with its own token
    other = AccountFactory.of_role("relying_party")
    c = card(person(), ss_function="enabled")
    answers = [
        post(client, token_of(account)[1], {"card_number": c.card_number}).json()
        for account in (relying_party, other)
    ]
    for a in answers:
        a.pop("checked_at")
    assert answers[0] == answers[1]

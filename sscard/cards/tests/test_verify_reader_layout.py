"""The national reader interface's strings (iReadCardBas): nine or eleven fields, each followed
by ``|``; the terminal's two fields are kept with the verification (核验记录), never answered."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sscard.cards.models import Card, CardVerification
from sscard.cards.tests.support import TODAY, card, person
from sscard.cards.verify import card_verify
from sscard.core.actors import Actor, Role
from sscard.kernel.cardcodes import card_identification_code, card_number
from sscard.portal.models import Account
from sscard.portal.services import api_token_create
from sscard.testing.factories import RelyingPartyFactory, make_id_number

pytestmark = pytest.mark.django_db

URL = "/api/v1/cards/verify"
ID = make_id_number(21)
# A third-generation card's answer to reset, as a reader hands it over.
ATR = "3B6D000080318065B08402010C839000"
TERMINAL = "T110102000017"
DEVICE = "0102A5F3"


def reader(
    c: Card, *, terminal: str = TERMINAL, device: str = DEVICE, version: str = "3.00"
) -> str:
    """Exactly what a reader emits: eleven fields, each followed by ``|``."""
    return (
        f"110102|{ID}|{c.card_number}|{c.card_id_code}|张伟|{ATR}|{version}|"
        f"{c.issued_on:%Y%m%d}|{c.valid_until:%Y%m%d}|{terminal}|{device}|"
    )


def nine_fields(c: Card) -> str:
    return (
        f"110102|{ID}|{c.card_number}|{c.card_id_code}|张伟|{ATR}|3.00|"
        f"{c.issued_on:%Y%m%d}|{c.valid_until:%Y%m%d}|"
    )


def post(client: Client, token: str, body: dict[str, Any]) -> Any:
    return client.post(
        URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


@pytest.fixture
def token(relying_party: Account) -> str:
    return api_token_create(actor=Actor.system("test"), account=relying_party, name="t")[1]


# -- the service -----------------------------------------------------------------------------


def test_the_full_layout_answers_as_the_nine_field_form_and_keeps_the_terminal(
    django_assert_max_num_queries,
):
    # given an enabled card and a hospital
    c = card(person(name="张伟", id_number=ID), ss_function="enabled")
    party = RelyingPartyFactory.create()
    hospital = Actor(
        role=Role.RELYING_PARTY, label="hospital", relying_party_id=party.pk, user_id=7
    )
    # when its terminal reads the card (one query for the card, one insert for the record)
    with django_assert_max_num_queries(2):
        full = card_verify(actor=hospital, reader_string=reader(c), today=TODAY)
    short = card_verify(actor=hospital, reader_string=nine_fields(c), today=TODAY)
    # then the answer is the nine-field form's
    assert (full.status, full.generation, full.masked_name) == ("valid", 3, "张*")
    assert (short.status, short.functions) == (full.status, full.functions)
    # and the record says which terminal checked which card, when, with which answer
    kept = CardVerification.objects.get()
    assert kept.card_id == c.pk
    assert kept.card_number == c.card_number
    assert (kept.relying_party_id, kept.asked_by_user_id) == (party.pk, 7)
    assert (kept.terminal_number, kept.device_number) == (TERMINAL, DEVICE)
    assert kept.status == "valid"
    assert kept.checked_at == full.checked_at


@pytest.mark.parametrize(("terminal", "device"), [("", ""), (TERMINAL, ""), ("", DEVICE)])
def test_a_record_is_kept_only_when_the_terminal_names_itself(terminal, device):
    c = card(person(id_number=ID))
    actor = Actor(role=Role.CITY_OFFICER, label="officer", city_code="110000")
    card_verify(actor=actor, reader_string=reader(c, terminal=terminal, device=device))
    kept = CardVerification.objects.values_list("terminal_number", "device_number")
    assert list(kept) == ([] if not (terminal or device) else [(terminal, device)])


def test_an_unknown_card_read_by_a_named_terminal_is_kept_without_a_card():
    ghost = Card(
        card_number=card_number("C", 4242),
        card_id_code=card_identification_code("110102", 4242),
        issued_on=TODAY,
        valid_until=TODAY.replace(year=2034),
    )
    actor = Actor(role=Role.CITY_OFFICER, label="officer", city_code="110000")
    assert card_verify(actor=actor, reader_string=reader(ghost)).status == "unknown"
    kept = CardVerification.objects.get()
    assert (kept.card_id, kept.card_number, kept.status) == (None, ghost.card_number, "unknown")


# -- the API ---------------------------------------------------------------------------------


def test_the_api_keeps_the_party_and_terminal_but_never_answers_them(client, token, relying_party):
    # given an enabled card
    c = card(person(id_number=ID), ss_function="enabled")
    # when a pharmacy's terminal sends the full layout
    response = post(client, token, {"reader_string": reader(c)})
    # then it hears the card's status and nothing of any terminal
    assert response.status_code == 200
    assert response.json()["status"] == "valid"
    assert TERMINAL not in response.content.decode()
    assert DEVICE not in response.content.decode()
    # and the record names the relying party and the user its token speaks for
    kept = CardVerification.objects.get()
    assert kept.relying_party_id == relying_party.relying_party_id
    assert kept.asked_by_user_id == relying_party.user_id
    assert (kept.card_id, kept.terminal_number, kept.device_number) == (c.pk, TERMINAL, DEVICE)


@pytest.mark.parametrize("version", ["1.00", "2.00", "3.00"])
def test_every_specification_version_is_accepted(client, token, version):
    c = card(person(id_number=ID), ss_function="enabled")
    response = post(client, token, {"reader_string": reader(c, version=version)})
    assert response.status_code == 200
    assert response.json()["status"] == "valid"


@pytest.mark.parametrize(
    ("mangle", "found"),
    [
        (lambda s: s.removesuffix(f"{DEVICE}|"), 10),
        (lambda s: s + "extra|", 12),
        (lambda s: s.split("|", 8)[0] + "|", 1),
    ],
)
def test_another_field_count_is_refused_naming_nine_or_eleven(client, token, mangle, found):
    c = card(person(id_number=ID), ss_function="enabled")
    before = list(Card.objects.values())
    response = post(client, token, {"reader_string": mangle(reader(c))})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "reader_string_fields"
    assert body["details"] == {"expected": [9, 11], "found": found}
    assert "9 or 11" in body["message_en"]
    assert "9个或11个" in body["message_zh"]
    # and nothing changed, nothing was kept
    assert list(Card.objects.values()) == before
    assert not CardVerification.objects.exists()


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("|3.00|", "|3.01|", "spec_version"),
        ("|20", "|1X", "issued_on"),
        (f"|{ATR}|", "|ATR|", "reset_info"),
        (f"|{TERMINAL}|", f"|{'9' * 65}|", "terminal_number"),
    ],
)
def test_a_malformed_field_is_refused_with_its_field(client, token, old, new, field):
    c = card(person(id_number=ID), ss_function="enabled")
    response = post(client, token, {"reader_string": reader(c).replace(old, new, 1)})
    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["details"]) == ("reader_string_field_invalid", {"field": field})
    assert not CardVerification.objects.exists()


def test_the_bureau_finds_a_record_in_the_admin_but_cannot_change_it(admin_client):
    c = card(person(id_number=ID))
    officer = Actor(role=Role.CITY_OFFICER, label="officer", city_code="110000")
    card_verify(actor=officer, reader_string=reader(c))
    kept = CardVerification.objects.get()
    listing = admin_client.get("/admin/cards/cardverification/", {"q": TERMINAL})
    assert listing.status_code == 200
    assert c.card_number in listing.content.decode()
    detail = admin_client.get(f"/admin/cards/cardverification/{kept.pk}/change/")
    assert DEVICE in detail.content.decode()
    assert admin_client.get("/admin/cards/cardverification/add/").status_code == 403

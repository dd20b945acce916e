"""The password reset at the counter, page and API (issue 15 point 7): both end the same way,
the API's document has no field for a secret, and a request that carries one is refused —
not ignored — with ``password_not_accepted``, naming the field and never echoing its value.

Why refuse rather than ignore: a counter system that sends a password holds the secret in the
clear and ships it to a platform that must never see it. Ignoring the field would let it go on
doing so unnoticed; the refusal tells its integrator at once what to fix, and since nothing
runs, nothing is written (not even the audit event that would otherwise name the request).
"""

from __future__ import annotations

import re
from typing import Any, get_args

import pytest
from django.test import Client

from sscard.applications.tests.support import branch, in_force
from sscard.cards.choices import CardStatus
from sscard.cards.models import Card
from sscard.cards.rules import secret_fields
from sscard.core.models import AuditEvent
from sscard.delivery.tests.page_support import in_hands
from sscard.network.choices import OutletKind
from sscard.network.models import Outlet
from sscard.notifications.models import OutboxMessage
from sscard.policy import builtin_pack
from sscard.policy.schema import CounterOutletKind, ServiceCardStatus
from sscard.testing.api_client import ApiClient
from sscard.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db
COUNTER = "/cards/counter/"
PATH = "/cards/{card_id}/password-resets"
SECRET = "246810"
ALERT_CODE = re.compile(r'role="alert".*?\b([a-z]+(?:_[a-z0-9]+)+)\b', re.S)


def two_holders() -> tuple[Outlet, list[tuple[Card, str]]]:
    """Two Beijing holders whose cards, collected and enabled at one ICBC branch, are in force."""
    in_force("beijing-2024")
    home = branch("ICBC", name="工商银行朝阳支行")
    holders = []
    for _ in range(2):
        _person, id_number, card = in_hands(home, enabled=True)
        holders.append((card, id_number))
    return home, holders


def written() -> tuple[int, int]:
    return AuditEvent.objects.count(), OutboxMessage.objects.count()


def resets(card: Card) -> list[dict[str, Any]]:
    events = AuditEvent.objects.filter(
        action="card_password_reset", object_id=str(card.pk)
    ).order_by("pk")
    return [e.changes for e in events]


def texts(card: Card) -> int:
    return OutboxMessage.objects.filter(
        person_id=card.person_id, template_key="password_reset"
    ).count()


def page_reset(page: Client, card: Card, id_number: str, **extra: str) -> str | None:
    """The reset through the counter page, confirmed; the refusal's code, or None."""
    data = {"id_number": id_number, "confirm": "1", **extra}
    response = page.post(f"{COUNTER}{card.pk}/password-reset/", data, HTTP_HX_REQUEST="true")
    found = ALERT_CODE.search(response.content.decode())
    return found.group(1) if found else None


# --- the API's document -------------------------------------------------------------------------


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    found: Any = document
    for part in ref.lstrip("#/").split("/"):
        found = found[part]
    return _resolve(document, found)


def _property_names(document: dict[str, Any], node: Any) -> set[str]:
    """Every property name anywhere under ``node`` (references followed)."""
    names: set[str] = set()
    if isinstance(node, dict):
        node = _resolve(document, node)
        for name, sub in node.get("properties", {}).items():
            names.add(name)
            names |= _property_names(document, sub)
        for key in ("items", "anyOf", "oneOf", "allOf"):
            if key in node:
                names |= _property_names(document, node[key])
    elif isinstance(node, list):
        for item in node:
            names |= _property_names(document, item)
    return names


def test_the_api_document_has_no_field_for_a_password(client):
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1" + PATH]["post"]
    body = _resolve(document, operation["requestBody"]["content"]["application/json"]["schema"])
    # the body: the holder's ID number and the presenter's, nothing else, and no extra keys
    assert set(body["properties"]) == {"id_number", "presenter_id_number"}
    assert body.get("additionalProperties") is False
    # and nowhere in the request or the answer a field for a password, PIN or PIN block
    answer = operation["responses"]["201"]["content"]["application/json"]["schema"]
    names = _property_names(document, body) | _property_names(document, answer)
    assert secret_fields(names) == []


@pytest.mark.parametrize(
    "field", ["password", "new_password", "pin", "pinBlock", "pin_block", "service_pwd", "密码"]
)
def test_a_body_carrying_a_secret_is_refused_and_nothing_written(field):
    home, [(card, id_number), _other] = two_holders()
    api = ApiClient(AccountFactory.create(bank_clerk=True, outlet=home))
    counts = written()
    answer = api.post(f"/cards/{card.pk}/password-resets", {"id_number": id_number, field: SECRET})
    assert answer.status_code == 422
    body = answer.json()
    assert (body["code"], body["details"]["fields"]) == ("password_not_accepted", [field])
    assert body["message_zh"]
    assert body["message_en"]
    # the value is never echoed, and nothing ran
    assert SECRET not in answer.content.decode()
    assert written() == counts
    assert resets(card) == []


def test_any_other_unknown_field_is_invalid_input():
    home, [(card, id_number), _other] = two_holders()
    api = ApiClient(AccountFactory.create(bank_clerk=True, outlet=home))
    counts = written()
    answer = api.post(f"/cards/{card.pk}/password-resets", {"id_number": id_number, "note": "x"})
    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_input")
    assert written() == counts


# --- the page -----------------------------------------------------------------------------------


def test_the_page_offers_the_reset_with_no_field_for_a_password(client_for):
    home, [(card, id_number), _other] = two_holders()
    page = client_for(AccountFactory.create(bank_clerk=True, outlet=home))
    served = page.post(f"{COUNTER}serve/", {"id_number": id_number}, HTTP_HX_REQUEST="true")
    html = served.content.decode()
    assert f"{COUNTER}{card.pk}/password-reset/" in html
    assert 'type="password"' not in html
    inputs = set(re.findall(r'name="([^"]+)"', html))
    assert secret_fields(inputs) == []


def test_the_page_asks_first_and_a_post_carrying_a_secret_is_refused(client_for):
    home, [(card, id_number), _other] = two_holders()
    page = client_for(AccountFactory.create(bank_clerk=True, outlet=home))
    counts = written()
    # unconfirmed: the question is drawn and nothing is written
    asked = page.post(
        f"{COUNTER}{card.pk}/password-reset/", {"id_number": id_number}, HTTP_HX_REQUEST="true"
    )
    assert 'data-confirm="password-reset"' in asked.content.decode()
    assert written() == counts
    # a crafted post with a password: refused with the API's code, nothing written
    code = page_reset(page, card, id_number, password=SECRET)
    assert code == "password_not_accepted"
    assert written() == counts


# --- page and API end the same way ---------------------------------------------------------------


def test_the_page_and_the_api_record_the_same_reset(client_for):
    # given two holders in the same state and a clerk of their branch
    home, [(page_card, page_id), (api_card, api_id)] = two_holders()
    account = AccountFactory.create(bank_clerk=True, outlet=home)
    page, api = client_for(account), ApiClient(account)
    # when the clerk resets one through the page and the other through the API
    assert page_reset(page, page_card, page_id) is None
    answer = api.post(f"/cards/{api_card.pk}/password-resets", {"id_number": api_id})
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["presenter"], body["outlet_id"], body["clause"], body["holder_told"]) == (
        "holder",
        home.pk,
        "BJ-13",
        True,
    )
    # then each has exactly one service event, the same one, and one text
    assert resets(page_card) == resets(api_card)
    assert len(resets(page_card)) == 1
    assert texts(page_card) == texts(api_card) == 1


def test_the_page_and_the_api_refuse_another_persons_id_alike(client_for):
    home, [(card, _id_number), (_other, others_id)] = two_holders()
    account = AccountFactory.create(bank_clerk=True, outlet=home)
    page, api = client_for(account), ApiClient(account)
    counts = written()
    # the card is not among the presented person's cards: not_found on both, as every counter
    # action answers (the service's own check answers password_reset_id_mismatch)
    assert page_reset(page, card, others_id) == "not_found"
    answer = api.post(f"/cards/{card.pk}/password-resets", {"id_number": others_id})
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    assert written()[1] == counts[1]
    assert resets(card) == []


# --- the pack's vocabulary follows the platform's -------------------------------------------------


def test_the_packs_outlet_kinds_and_statuses_are_the_platforms():
    assert set(get_args(CounterOutletKind)) == set(OutletKind.values)
    assert set(get_args(ServiceCardStatus)) <= set(CardStatus.values)


@pytest.mark.parametrize("pack_id", ["beijing-2024", "shanghai-2019"])
def test_both_packs_provide_the_reset_with_its_source(pack_id):
    terms = builtin_pack(pack_id).password_reset
    assert terms is not None
    assert terms.clause is not None
    assert terms.chosen is not None
    assert (terms.proxy, terms.guardian_for_minor, terms.card_statuses) == (False, True, ("valid",))
    assert "bank_branch" in terms.outlet_kinds

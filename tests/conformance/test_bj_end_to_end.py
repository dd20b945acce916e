"""Beijing, end to end: a pilot target's collective application becomes a third-generation
card that is made, handed over at the chosen branch and enabled — and the card the person held
before answers "replaced" to a hospital's reader, while the new one answers "valid" and proves
itself with its SM2 key.

The application side is driven through the services (its own API tests cover it); everything
from production on goes through the HTTP API with each partner's bearer token.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from sscard.cards.models import Card
from sscard.cards.tests.scenarios import beijing_pilot_unit
from sscard.cards.tests.support import card
from sscard.notifications.models import OutboxMessage
from sscard.production.services.factory import factory_key
from sscard.production.virtual_card import VirtualCard
from sscard.testing.api_client import ApiClient
from sscard.testing.card_factory import factory_read, factory_result
from sscard.testing.card_life import card_of, id_number_of, root
from sscard.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_bj_a_pilot_target_goes_from_application_to_an_enabled_card_and_the_old_is_replaced(
    tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    # given a Xicheng employee holding an enabled 2nd-generation card from the old system,
    # whose employer submitted the collective application (BJ-06) with pickup at its branch
    unit = beijing_pilot_unit(pickup="branch")
    person = unit.staff[0]
    old = card(person, generation=2, ss_function="enabled")
    operator = ApiClient(AccountFactory.create(production_operator=True))
    clerk = ApiClient(AccountFactory.create(bank_clerk=True, outlet=unit.outlet))
    hospital = ApiClient(AccountFactory.create(api_client=True))

    # when production forms the batch and the workers personalise it (SH-10 order)
    formed = operator.post("/production/batches")
    assert formed.status_code == 201, formed.json()
    (batch,) = formed.json()
    with django_capture_on_commit_callbacks(execute=True):
        started = operator.post(f"/production/batches/{batch['id']}/start")
    assert started.status_code == 200
    progress = operator.get(f"/production/batches/{batch['id']}").json()
    assert (progress["status"], progress["percent_personalised"]) == ("personalised", 100)

    # and the factory gets the sealed file with its manifest, makes the card and reports back
    exported = operator.post(f"/production/batches/{batch['id']}/export")
    assert exported.status_code == 200
    data = tmp_path / "batch.sm4"
    data.write_bytes(b"".join(exported.streaming_content))
    manifest = tmp_path / "batch.manifest.json"
    manifest.write_text(
        json.dumps(operator.get(f"/production/batches/{batch['id']}/manifest").json())
    )
    intake = factory_read(data=data, manifest=manifest, key=factory_key(), trusted_root=root())
    reported = operator.upload(
        f"/production/batches/{batch['id']}/results", "result.csv", factory_result(intake)
    )
    assert reported.json()["made"] == 1
    assert operator.post(f"/production/batches/{batch['id']}/dispatch").json()["outlet"] == 1

    # and the branch takes it into stock: the holder is told it is ready (BJ-08 (1))
    assert clerk.post("/outlets/stock/receive").json() == {"received": 1}
    assert OutboxMessage.objects.filter(template_key="card_ready", person_id=person.pk).exists()
    new = card_of(unit.applications[0])

    # then until the new card is enabled, the old one still answers valid
    def verify(number: str) -> dict[str, Any]:
        answer = hospital.post("/cards/verify", {"card_number": number})
        assert answer.status_code == 200
        body: dict[str, Any] = answer.json()
        return body

    assert verify(old.card_number)["status"] == "valid"
    assert verify(new.card_number)["status"] == "not_enabled"

    # when the clerk hands it over against the holder's ID and switches both functions on
    id_number = id_number_of(person)
    assert clerk.post(f"/cards/{new.pk}/hand-over", {"id_number": id_number}).status_code == 200
    assert clerk.post(f"/cards/{new.pk}/enable").json()["status"] == "valid"
    assert clerk.post(f"/cards/{new.pk}/activate-financial").json()["financial_function"] == (
        "activated"
    )

    # then the hospital's reader hears "replaced" for the old card and "valid" for the new one
    assert verify(old.card_number)["status"] == "replaced"
    answer = verify(new.card_number)
    assert (answer["status"], answer["generation"], answer["interfaces"]) == (
        "valid",
        3,
        ["contact", "contactless"],
    )
    new = Card.objects.get(pk=new.pk)
    reader = (
        f"110102|{id_number}|{new.card_number}|{new.card_id_code}|{person.name}|3B6D|3.00|"
        f"{new.issued_on:%Y%m%d}|{new.valid_until:%Y%m%d}"
    )
    assert hospital.post("/cards/verify", {"reader_string": reader}).json()["status"] == "valid"

    # and the card proves it holds its key: the chip (a virtual card here) signs the challenge
    challenge = hospital.post("/cards/challenges", {"card_number": new.card_number}).json()
    signature = VirtualCard(new).answer(bytes.fromhex(challenge["nonce"]))
    other_party = ApiClient(AccountFactory.create(api_client=True))
    stolen = other_party.post(
        f"/cards/challenges/{challenge['code']}/answer",
        {"signature": base64.b64encode(signature).decode()},
    )
    assert (stolen.status_code, stolen.json()["code"]) == (404, "not_found")
    proved = hospital.post(
        f"/cards/challenges/{challenge['code']}/answer",
        {"signature": base64.b64encode(signature).decode()},
    ).json()
    assert (proved["authenticated"], proved["verification"]["status"]) == (True, "valid")

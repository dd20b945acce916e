"""Card authentication from the documentation alone: the README's worked example, run as it
stands with the ``openssl`` command line, answers a challenge the API accepts; a signature over
other bytes, or with another user ID, is refused."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sscard.applications.tests.support import BJ_PILOT_DAY
from sscard.cards.models import Card, CardChallenge
from sscard.cards.services.challenge import CONTEXT, USER_ID
from sscard.cards.tests.scenarios import beijing_pilot_unit
from sscard.core.crypto import secret_unwrap
from sscard.kernel.gm import Sm2PrivateKey
from sscard.production.models import CardKey
from sscard.production.services.personalise import key_label
from sscard.testing.api_client import ApiClient
from sscard.testing.card_life import card_of, produce
from sscard.testing.factories import AccountFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not (shutil.which("openssl") and shutil.which("xxd") and shutil.which("bash")),
        reason="the README's example needs bash, xxd and OpenSSL 3",
    ),
]

README = Path(__file__).resolve().parents[3] / "README.md"
MARKER = "<!-- card-authentication-signing:"


def signing_block() -> str:
    """The README's shell block that builds the to-be-signed bytes and signs them."""
    text = README.read_text(encoding="utf-8")
    after = text[text.index(MARKER) :]
    found = re.search(r"```sh\n(.*?)```", after, re.DOTALL)
    assert found is not None, "the README lost its signing example"
    return found.group(1)


def openssl_sign_command() -> str:
    """The README's ``openssl pkeyutl -sign`` command, on one line."""
    joined = signing_block().replace("\\\n", " ")
    (line,) = [ln for ln in joined.splitlines() if "pkeyutl -sign" in ln]
    return " ".join(line.split())


def run(script: str, *, cwd: Path, nonce: str) -> None:
    subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env={**os.environ, "NONCE": nonce},
        check=True,
        capture_output=True,
        timeout=30,
    )


@pytest.fixture
def made_card() -> Card:
    unit = beijing_pilot_unit()
    produce(day=BJ_PILOT_DAY)
    return card_of(unit.applications[0])


@pytest.fixture
def card_pem(made_card: Card, tmp_path: Path) -> Path:
    """The card's private key as a PEM file: what the chip keeps inside (the demo's virtual
    card reads it the same way)."""
    record = CardKey.objects.get(card_id=made_card.pk)
    scalar = secret_unwrap(bytes(record.key_wrapped), label=key_label(made_card.pk))
    path = tmp_path / "card.pem"
    path.write_bytes(Sm2PrivateKey.from_scalar(scalar).to_pem())
    return path


def ask(party: ApiClient, card: Card) -> tuple[str, str]:
    response = party.post("/cards/challenges", {"card_number": card.card_number})
    assert response.status_code == 201
    body = response.json()
    return body["code"], body["nonce"]


def answer(party: ApiClient, code: str, signature: str) -> dict[str, object]:
    response = party.post(f"/cards/challenges/{code}/answer", {"signature": signature})
    assert response.status_code == 200
    return dict(response.json())


def test_the_readmes_openssl_example_answers_a_challenge(made_card, card_pem, tmp_path):
    # given a hospital's challenge to a personalised card
    party = ApiClient(AccountFactory.create(api_client=True))
    code, nonce = ask(party, made_card)
    # when the README's signing block runs as it stands, beside the card's key
    run(signing_block(), cwd=tmp_path, nonce=nonce)
    # then it signed exactly the bytes the README describes: context, zero byte, nonce bytes
    signed = (tmp_path / "tbs.bin").read_bytes()
    assert signed == b"sscard-card-authentication/v1\x00" + bytes.fromhex(nonce)
    assert signed.startswith(CONTEXT)
    assert len(signed) == 62
    # and the signature is DER SEQUENCE{r, s}, in base64, as the README says
    der = base64.b64decode((tmp_path / "sig.b64").read_text(), validate=True)
    assert der[0] == 0x30
    assert der[1] == len(der) - 2
    # and the API accepts it
    outcome = answer(party, code, (tmp_path / "sig.b64").read_text())
    assert (outcome["authenticated"], outcome["reason"]) == (True, "ok")
    assert CardChallenge.objects.get(code=code).authenticated is True


@pytest.mark.parametrize(
    ("what", "make_tbs", "distid"),
    [
        ("the nonce without the context", 'printf "%s" "$NONCE" | xxd -r -p > tbs.bin', None),
        (
            "the nonce's hex text",
            'printf "%s%s" "sscard-card-authentication/v1" "$NONCE" > tbs.bin',
            None,
        ),
        ("the right bytes under another user ID", None, "1234567812345679"),
    ],
)
def test_a_signature_over_other_bytes_is_refused(
    made_card, card_pem, tmp_path, what, make_tbs, distid
):
    # given a challenge, and the README's own signing command
    party = ApiClient(AccountFactory.create(api_client=True))
    code, nonce = ask(party, made_card)
    command = openssl_sign_command()
    assert f"distid:{USER_ID.decode()}" in command
    block = signing_block()
    script = block if make_tbs is None else make_tbs + "\n" + command
    if distid is not None:
        script = block.replace(f"distid:{USER_ID.decode()}", f"distid:{distid}")
    script += "\nopenssl base64 -A -in sig.der -out sig.b64"
    # when the card signs something else than the README says
    run(script, cwd=tmp_path, nonce=nonce)
    # then the platform does not authenticate it, and the challenge is spent
    outcome = answer(party, code, (tmp_path / "sig.b64").read_text())
    assert (outcome["authenticated"], outcome["reason"]) == (False, "signature_invalid"), what
    assert CardChallenge.objects.get(code=code).authenticated is False


def test_the_api_document_states_what_the_readme_states(client):
    # given the OpenAPI document
    document = client.get("/api/v1/openapi.json").json()
    create = document["paths"]["/api/v1/cards/challenges"]["post"]["description"]
    answer_op = document["paths"]["/api/v1/cards/challenges/{code}/answer"]["post"]
    # then both operations state the bytes, the user ID, the hash, the encoding and the command
    for text in (create, answer_op["description"]):
        assert CONTEXT.hex() in text
        assert "`sscard-card-authentication/v1`" in text
        assert USER_ID.decode() in text
        assert "SM3" in text
        assert "DER `SEQUENCE { INTEGER r, INTEGER s }`" in text
        assert "base64" in text
        assert openssl_sign_command() in text
    # and the README gives the same context bytes in hex
    assert CONTEXT.hex() in README.read_text(encoding="utf-8")

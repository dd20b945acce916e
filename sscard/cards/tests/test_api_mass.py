"""The API of revocation and mass actions: the CRL, public, in DER and PEM, read by openssl;
a mass action proposed by one officer, approved by another through the approvals API,
applied; another district's cards refused with nothing written."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client

from sscard.applications.tests.support import BJ_PILOT_DAY
from sscard.cards.choices import RevocationReason
from sscard.cards.models import Card, MassAction
from sscard.cards.services.revocation import certificates_revoke
from sscard.cards.tests.scenarios import beijing_pilot_unit
from sscard.cards.tests.support import card, person
from sscard.core.actors import Actor
from sscard.core.models import Approval
from sscard.kernel.pki import from_pem, parse_certificate, verify_crl
from sscard.testing.api_client import ApiClient
from sscard.testing.card_life import card_of, produce
from sscard.testing.factories import CHAOYANG, AccountFactory

pytestmark = pytest.mark.django_db


def test_the_crl_is_public_in_der_and_pem_and_openssl_reads_it(
    client: Client, tmp_path: Path
) -> None:
    unit = beijing_pilot_unit(size=2)
    produce(day=BJ_PILOT_DAY)
    revoked = card_of(unit.applications[0])
    certificates_revoke(
        actor=Actor.system("test"), card_ids=[revoked.pk], reason=RevocationReason.KEY_COMPROMISE
    )
    # no credentials at all
    der = client.get("/api/v1/cards/crl")
    assert der.status_code == 200
    assert der["Content-Type"] == "application/pkix-crl"
    pem = client.get("/api/v1/cards/crl", {"format": "pem"})
    assert pem.status_code == 200
    assert from_pem(pem.content.decode(), "X509 CRL") == der.content
    # the same signed list, its number in a header
    from sscard.cards.models import CardCertificate, RevocationList

    latest = RevocationList.objects.get()
    assert der["X-CRL-Number"] == str(latest.number)
    info = verify_crl(der.content, bytes(latest.authority.certificate))
    serial = int(CardCertificate.objects.get(card=revoked).serial, 16)
    assert [e.serial for e in info.revoked] == [serial]
    if shutil.which("openssl"):
        path = tmp_path / "crl.pem"
        path.write_bytes(pem.content)
        text = subprocess.run(
            ["openssl", "crl", "-in", str(path), "-noout", "-text"],
            capture_output=True, text=True, check=True, timeout=30,
        ).stdout  # fmt: skip
        hex_serial = f"{serial:X}"
        hex_serial = hex_serial.zfill(len(hex_serial) + len(hex_serial) % 2)
        assert f"Serial Number: {hex_serial}" in text
        assert "Key Compromise" in text
        # and its signature verifies in openssl with the standard SM2 user ID
        issuing = parse_certificate(bytes(latest.authority.certificate))
        (tmp_path / "crl.tbs").write_bytes(info.tbs)
        (tmp_path / "crl.sig").write_bytes(info.signature)
        (tmp_path / "ca.pub").write_bytes(issuing.public_key.to_pem())
        verified = subprocess.run(
            ["openssl", "dgst", "-sm3", "-verify", str(tmp_path / "ca.pub"),
             "-sigopt", "distid:1234567812345678", "-signature", str(tmp_path / "crl.sig"),
             str(tmp_path / "crl.tbs")],
            capture_output=True, text=True, check=False, timeout=30,
        )  # fmt: skip
        assert "Verified OK" in verified.stdout, verified.stderr


def test_no_crl_without_an_issuing_ca(client: Client) -> None:
    answer = client.get("/api/v1/cards/crl")
    assert answer.status_code == 404
    assert answer.json()["code"] == "crl_no_authority"


def test_propose_preview_and_approve_through_the_api() -> None:
    cards = [card(person()) for _ in range(3)]
    numbers = "\n".join(c.card_number for c in cards)
    maker = ApiClient(AccountFactory.create(district_officer=True))
    checker = ApiClient(AccountFactory.create(district_officer=True))
    body = {"action": "cancel", "selection": "list", "value": numbers}
    preview = maker.post("/cards/mass-actions/preview", body)
    assert preview.status_code == 200, preview.json()
    assert preview.json()["count"] == 3
    assert all("*" in row["holder"] for row in preview.json()["rows"])
    made = maker.post("/cards/mass-actions", {**body, "reason": "整批作废"})
    assert made.status_code == 201, made.json()
    approval_id = made.json()["approval_id"]
    assert made.json()["state"] == "proposed"
    # the maker may not approve it
    own = maker.post(f"/approvals/{approval_id}/decision", {"approve": True})
    assert own.status_code == 403
    assert own.json()["code"] == "approval_own_change"
    # the second officer does; the job runs (at once in the tests)
    decided = checker.post(f"/approvals/{approval_id}/decision", {"approve": True})
    assert decided.status_code == 200, decided.json()
    assert Approval.objects.get(pk=approval_id).state == "applied"


def test_another_district_s_cards_are_refused_by_the_api_with_nothing_written() -> None:
    theirs = card(person(insured_region=CHAOYANG, hukou_region=CHAOYANG))
    maker = ApiClient(AccountFactory.create(district_officer=True))
    for path in ("/cards/mass-actions/preview", "/cards/mass-actions"):
        answer = maker.post(
            path,
            {"action": "block", "selection": "list", "value": theirs.card_number, "reason": "x"},
        )
        assert answer.status_code == 403
        assert answer.json()["code"] == "mass_action_out_of_scope"
    assert not MassAction.objects.exists()
    assert not Approval.objects.exists()
    assert Card.objects.get(pk=theirs.pk).block == "none"


def test_a_list_of_card_numbers_can_be_uploaded() -> None:
    cards = [card(person()) for _ in range(2)]
    maker = ApiClient(AccountFactory.create())
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = ", ".join(c.card_number for c in cards)
    answer = maker.client.post(
        "/api/v1/cards/mass-actions/upload",
        {
            "action": "block",
            "reason": "批量冻结",
            "file": SimpleUploadedFile("cards.csv", data.encode(), content_type="text/csv"),
        },
        headers=maker._headers(),
    )
    assert answer.status_code == 201, answer.json()
    assert answer.json()["card_count"] == 2
    listed = maker.get("/cards/mass-actions")
    assert [row["id"] for row in listed.json()] == [answer.json()["id"]]

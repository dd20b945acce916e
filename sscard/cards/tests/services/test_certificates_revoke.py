"""certificates_revoke and the published CRL: a revoked card's challenge is refused
(``certificate_revoked``), the CRL the issuing CA signs lists it, and a new CRL (number one
higher) is signed only when something changed."""

from __future__ import annotations

import subprocess

import pytest

from sscard.applications.tests.support import BJ_PILOT_DAY
from sscard.cards.choices import CardStatus, RevocationReason
from sscard.cards.models import Card, CardCertificate, RevocationList
from sscard.cards.services import card_challenge_answer, card_challenge_issue
from sscard.cards.services.challenge import ChallengeOutcome
from sscard.cards.services.revocation import certificates_revoke, revocation_list_current
from sscard.cards.tests.scenarios import beijing_pilot_unit, hospital
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.kernel.pki import to_pem, verify_crl
from sscard.production.virtual_card import VirtualCard
from sscard.testing.card_life import card_of, produce

pytestmark = pytest.mark.django_db

OFFICER = Actor(role=Role.CITY_OFFICER, label="officer", user_id=7, city_code="110000")


@pytest.fixture
def made_cards():
    unit = beijing_pilot_unit(size=3)
    produce(day=BJ_PILOT_DAY)
    return [card_of(a) for a in unit.applications]


def _answer(card: Card) -> ChallengeOutcome:
    party = hospital()
    issued = card_challenge_issue(actor=party, card_number=card.card_number)
    assert issued.code
    assert issued.nonce
    signature = VirtualCard(card).answer(issued.nonce)
    return card_challenge_answer(actor=party, code=issued.code, signature=signature)


def test_a_revoked_card_s_challenge_is_refused(made_cards):
    revoked, kept = made_cards[0], made_cards[1]
    # given a card whose certificate is revoked
    done = certificates_revoke(
        actor=OFFICER, card_ids=[revoked.pk], reason=RevocationReason.KEY_COMPROMISE
    )
    assert done.revoked == [revoked.pk]
    # then its correct answer to a challenge does not authenticate it
    outcome = _answer(revoked)
    assert (outcome.authenticated, outcome.reason) == (False, "certificate_revoked")
    # while verification answers as before (a revocation alone does not cancel the card)
    assert outcome.verification.status == CardStatus.NOT_ENABLED
    # and another card of the batch still authenticates
    assert (_answer(kept).authenticated, _answer(kept).reason) == (True, "ok")


def test_revocation_is_recorded_audited_once_and_not_repeated(made_cards):
    card = made_cards[0]
    certificates_revoke(actor=OFFICER, card_ids=[card.pk], reason=RevocationReason.SUPERSEDED)
    row = CardCertificate.objects.get(card=card)
    assert row.revoked_at is not None
    assert (row.revocation_reason, row.revoked_by) == ("superseded", "officer")
    first_at = row.revoked_at
    again = certificates_revoke(
        actor=OFFICER, card_ids=[card.pk], reason=RevocationReason.KEY_COMPROMISE
    )
    assert (again.revoked, again.already) == ([], [card.pk])
    row.refresh_from_db()
    assert (row.revoked_at, row.revocation_reason) == (first_at, "superseded")
    events = AuditEvent.objects.filter(action="card_certificate_revoke", object_id=str(card.pk))
    assert events.count() == 1


def test_revoke_refuses_other_roles_and_bad_reasons(made_cards):
    card = made_cards[0]
    clerk = Actor(role=Role.BANK_CLERK, label="clerk", outlet_id=1)
    for actor, reason, code in (
        (clerk, RevocationReason.KEY_COMPROMISE, "permission_denied"),
        (OFFICER, "because", "mass_revocation_reason_invalid"),
    ):
        with pytest.raises(ApplicationError) as caught:
            certificates_revoke(actor=actor, card_ids=[card.pk], reason=reason)  # type: ignore[arg-type]
        assert caught.value.code == code
    assert not CardCertificate.objects.filter(revoked_at__isnull=False).exists()


def test_the_crl_lists_the_revoked_certificates_and_is_signed_anew_only_on_change(made_cards):
    first = revocation_list_current()
    issuing = bytes(first.authority.certificate)
    assert verify_crl(bytes(first.der), issuing).revoked == ()
    # unchanged: the same CRL is served again
    assert revocation_list_current().pk == first.pk
    # a revocation makes the next one, its number one higher, listing the card's serial
    card = made_cards[1]
    certificates_revoke(actor=OFFICER, card_ids=[card.pk], reason=RevocationReason.KEY_COMPROMISE)
    second = revocation_list_current()
    assert second.number == first.number + 1
    info = verify_crl(bytes(second.der), issuing)
    serial = int(CardCertificate.objects.get(card=card).serial, 16)
    assert [(e.serial, e.reason) for e in info.revoked] == [(serial, "key_compromise")]
    assert info.crl_number == second.number
    assert RevocationList.objects.count() == 2


def test_no_crl_before_there_is_an_issuing_ca():
    with pytest.raises(ApplicationError) as caught:
        revocation_list_current()
    assert caught.value.code == "crl_no_authority"


def test_the_published_crl_verifies_in_openssl_crl_and_with_the_standard_id(
    made_cards, client, tmp_path
):
    # given a revoked card and the CRL the platform publishes, both copies
    card = made_cards[0]
    certificates_revoke(actor=OFFICER, card_ids=[card.pk], reason=RevocationReason.KEY_COMPROMISE)
    standard = client.get("/api/v1/cards/crl")
    for_openssl = client.get("/api/v1/cards/crl", {"sm2_id": "empty", "format": "pem"})
    assert standard.status_code == for_openssl.status_code == 200
    issuing = bytes(revocation_list_current().authority.certificate)
    serial = int(CardCertificate.objects.get(card=card).serial, 16)

    # then the standard copy verifies with the GM/T 0009 ID and lists the card
    assert [e.serial for e in verify_crl(standard.content, issuing).revoked] == [serial]
    # and `openssl crl -verify` (which checks with the empty ID) accepts the other copy,
    # the same list
    (tmp_path / "issuing.pem").write_text(to_pem(issuing), encoding="ascii")
    (tmp_path / "crl.pem").write_bytes(for_openssl.content)
    done = subprocess.run(
        [
            "openssl",
            "crl",
            "-in",
            str(tmp_path / "crl.pem"),
            "-CAfile",
            str(tmp_path / "issuing.pem"),
            "-verify",
            "-noout",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "verify OK" in done.stderr
    listed = subprocess.run(
        ["openssl", "crl", "-in", str(tmp_path / "crl.pem"), "-noout", "-text"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"{serial:X}" in listed.replace(":", "").upper()

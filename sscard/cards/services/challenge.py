"""Card authentication for relying parties (卡片认证): the platform issues a challenge, the card
signs it with its SM2 key, and the platform checks the signature with the card certificate,
itself checked against the issuing CA and the root.

A challenge belongs to the relying party that asked for it: another party's token does not
find it (``not_found``, the same answer as for a challenge that never existed). It can be
answered once, within its lifetime.

What the card signs and how (:data:`SIGNING`, also in the API's document and the README's
"Card authentication" with an ``openssl`` example that a test runs): the bytes
``CONTEXT || nonce`` (30 + 32 bytes), SM2 with SM3 and ZA over the user ID ``1234567812345678``,
the signature DER-encoded and sent in base64.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone

from sscard.cards.choices import CardStatus
from sscard.cards.errors import CardsErrorCode
from sscard.cards.models import Card, CardCertificate, CardChallenge
from sscard.cards.services.authority import chain_of
from sscard.cards.verify import VERIFIERS, Verification, card_verify
from sscard.core.actors import Actor
from sscard.core.audit import AuditFact, audit_append
from sscard.core.errors import NotFound, PermissionDenied
from sscard.core.replicas import read_verification
from sscard.kernel.cardcodes import parse_card_number
from sscard.kernel.errors import KernelError
from sscard.kernel.gm import DEFAULT_USER_ID
from sscard.kernel.pki import parse_certificate, verify_chain

# chosen: long enough for a terminal to pass the nonce to the chip and back, short enough that
# a recorded answer is useless soon after.
LIFETIME = timedelta(minutes=2)
NONCE_BYTES = 32
#: What the card signs: a fixed context, then the nonce (so a card's signature over a
#: challenge can never be replayed as a signature over anything else).
CONTEXT = b"sscard-card-authentication/v1\x00"
#: The SM2 user ID (ID_A, in ZA) of every card: GM/T 0009's default, 16 ASCII bytes.
USER_ID = DEFAULT_USER_ID
#: How a card answers, as the API's document states it (``/cards/challenges`` and its answer).
SIGNING = (
    f"**What the card signs** ({len(CONTEXT) + NONCE_BYTES} bytes, nothing else: no hex text, "
    f"no newline): the context `{CONTEXT[:-1].decode()}` ({len(CONTEXT) - 1} ASCII bytes) and "
    f"one zero byte, i.e. the {len(CONTEXT)} bytes "
    f"`{CONTEXT.hex()}`, then the {NONCE_BYTES} bytes the challenge's `nonce` (hex) stands "
    "for. **How**: SM2 signature with SM3 (GB/T 32918.2): e = SM3(ZA ‖ message), ZA computed "
    f"with the user ID `{USER_ID.decode()}` (16 ASCII bytes, ENTL 0x0080) and the card "
    "certificate's public key. **Encoding**: DER `SEQUENCE { INTEGER r, INTEGER s }` (usually 70 "
    "to 72 bytes; a raw 64-byte r‖s is not accepted), sent as standard base64 with padding in "
    "`signature`. With OpenSSL 3: `openssl pkeyutl -sign -inkey card.pem -rawin -digest sm3 "
    f"-pkeyopt distid:{USER_ID.decode()} -in tbs.bin -out sig.der` (the README's "
    '"Card authentication" shows every step).'
)


def challenge_message(nonce: bytes) -> bytes:
    """The bytes a card signs to answer a challenge with ``nonce``: :data:`CONTEXT`, then the
    nonce itself (its bytes, not its hex)."""
    return CONTEXT + nonce


@dataclass(frozen=True, slots=True)
class IssuedChallenge:
    """A challenge to pass to the card, or (for an unknown card) only the verification."""

    verification: Verification
    code: str | None = None
    nonce: bytes | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ChallengeOutcome:
    """Whether the card proved it holds its key, and the card's status."""

    authenticated: bool
    reason: str
    verification: Verification


def _check_verifier(actor: Actor) -> None:
    if actor.role not in VERIFIERS:
        raise PermissionDenied("verify cards", "核验社会保障卡")


def _card_id(alias: str, card_number: str) -> int | None:
    return (
        Card.objects.using(alias)
        .filter(card_number=card_number)
        .values_list("pk", flat=True)
        .first()
    )


def card_challenge_issue(*, actor: Actor, card_number: str) -> IssuedChallenge:
    """A nonce for the card with this number to sign; an unknown card gets only ``unknown``."""
    _check_verifier(actor)
    verification = card_verify(actor=actor, card_number=card_number)
    if verification.status == CardStatus.UNKNOWN:
        return IssuedChallenge(verification=verification)
    number = parse_card_number(card_number)
    # The card is read where verification reads (a replica that keeps up); the challenge is
    # written to the primary. A card another replica does not have yet is the primary's.
    card_id = read_verification(lambda alias: _card_id(alias, number)) or _card_id(
        DEFAULT_DB_ALIAS, number
    )
    if card_id is None:
        return IssuedChallenge(verification=verification)
    now = timezone.now()
    challenge = CardChallenge.objects.create(
        code=secrets.token_hex(16),
        card_id=card_id,
        relying_party_id=actor.relying_party_id,
        asked_by_user_id=actor.user_id,
        nonce=secrets.token_bytes(NONCE_BYTES),
        created_at=now,
        expires_at=now + LIFETIME,
    )
    return IssuedChallenge(
        verification=verification,
        code=challenge.code,
        nonce=bytes(challenge.nonce),
        expires_at=challenge.expires_at,
    )


def card_challenge_answer(*, actor: Actor, code: str, signature: bytes) -> ChallengeOutcome:
    """Check the card's signature over the challenge ``code``; the challenge is spent.

    ``authenticated`` is true only if the signature verifies with the card certificate's key,
    the certificate chains to the root, is not revoked (``reason`` ``certificate_revoked``),
    and everything is within its validity now. Refusals:
    ``not_found`` (no such challenge, or another party's), ``challenge_expired``,
    ``challenge_used``.
    """
    _check_verifier(actor)
    with transaction.atomic():
        challenge = (
            CardChallenge.objects.select_for_update(of=("self",))
            .select_related("card")
            .filter(code=code, relying_party_id=actor.relying_party_id)
            .first()
        )
        if challenge is None or (
            actor.relying_party_id is None and challenge.asked_by_user_id != actor.user_id
        ):
            raise NotFound("challenge", what_zh="该挑战")
        now = timezone.now()
        if challenge.answered_at is not None:
            raise CardsErrorCode.CHALLENGE_USED.error()
        if challenge.expires_at < now:
            raise CardsErrorCode.CHALLENGE_EXPIRED.error()
        authenticated, reason = _check_signature(challenge, signature, now)
        challenge.answered_at = now
        challenge.authenticated = authenticated
        challenge.save(update_fields=["answered_at", "authenticated"])
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="card_challenge_answer",
                object_type="card",
                object_id=str(challenge.card_id),
                changes={"challenge": challenge.code[:8], "authenticated": authenticated},
            ),
        )
    verification = card_verify(actor=actor, card_number=challenge.card.card_number)
    return ChallengeOutcome(authenticated, reason, verification)


def _check_signature(challenge: CardChallenge, signature: bytes, now: datetime) -> tuple[bool, str]:
    record = CardCertificate.objects.filter(card_id=challenge.card_id).first()
    if record is None:
        return False, "no_certificate"
    if record.revoked_at is not None:
        # Listed in the issuing CA's CRL (cards.services.revocation): the key is not trusted.
        return False, "certificate_revoked"
    chain = chain_of(record.authority_id)
    if chain is None:
        return False, "no_chain"
    der = bytes(record.der)
    try:
        verify_chain(der, chain, at=now)
    except KernelError as exc:
        return False, exc.code
    key = parse_certificate(der).public_key
    if not key.verify(signature, challenge_message(bytes(challenge.nonce)), user_id=USER_ID):
        return False, "signature_invalid"
    return True, "ok"

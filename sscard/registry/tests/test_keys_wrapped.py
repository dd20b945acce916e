"""Card and CA private keys follow the field-key rotation: wrapped under the current version,
counted by ``keys status``, re-wrapped by ``keys rotate`` (resumably), and waited for by
``keys retire``; after the old version is retired the keys still sign.

Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sscard.applications.tests.support import BJ_PILOT_DAY
from sscard.cards.models import Card, CertificateAuthority
from sscard.cards.services import card_challenge_answer, card_challenge_issue
from sscard.cards.services.authority import (
    ISSUING_MIN_REMAINING,
    _label,
    _serial_of,
    authority_ensure,
)
from sscard.cards.tests.scenarios import beijing_pilot_unit, hospital
from sscard.core.actors import Actor
from sscard.core.audit import audit_verify_chain
from sscard.core.crypto import (
    WRAP_MAGIC,
    FieldKeyRefused,
    secret_unwrap,
    wrap_key_version_of,
)
from sscard.core.errors import ApplicationError
from sscard.core.keys import EncryptedTable, WrappedSecrets
from sscard.core.models import AuditEvent
from sscard.kernel.gm import hmac_sm3, sm4_gcm_encrypt
from sscard.kernel.pki import verify_chain
from sscard.production.models import Batch, CardKey
from sscard.production.services import batches_form
from sscard.production.services.personalise import key_label
from sscard.production.virtual_card import VirtualCard
from sscard.registry.keys import (
    field_key_retire,
    field_key_rows_behind,
    field_key_status,
    field_keys_rotate,
)
from sscard.testing.card_life import OPERATOR, card_of, factory_round_trip, personalise

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
CARDS = 3
CARD_KEYS = "production.cardkey"
AUTHORITIES = "cards.certificateauthority"


class Killed(Exception):
    """Stands for the process dying between two chunks."""


def legacy_wrap(settings: Any, secret: bytes, label: str) -> bytes:
    """A wrap exactly as ``secret_wrap`` made it before wraps named a key version."""
    key = hmac_sm3(bytes.fromhex(settings.SSCARD_FIELD_KEY), b"sscard/key-wrap/v1")[:16]
    return sm4_gcm_encrypt(key, secret, label.encode())


def authority_label(authority: CertificateAuthority) -> str:
    return _label(authority.kind, _serial_of(authority))


@pytest.fixture
def personalised(settings: Any) -> tuple[Batch, list[Card], bytes]:
    """A personalised batch of three cards under version 1, the first card's key and the
    root's as they were wrapped before versions (what an upgraded platform holds).

    Answers the batch, its cards, and the first card's wrap before versions."""
    unit = beijing_pilot_unit(size=CARDS)
    (batch,) = batches_form(actor=OPERATOR, today=BJ_PILOT_DAY)
    personalise(batch)
    cards = [card_of(a) for a in unit.applications]
    cards.sort(key=lambda c: c.pk)
    first = CardKey.objects.get(card_id=cards[0].pk)
    scalar = secret_unwrap(bytes(first.key_wrapped), label=key_label(cards[0].pk))
    old = legacy_wrap(settings, scalar, key_label(cards[0].pk))
    CardKey.objects.filter(pk=first.pk).update(key_wrapped=old)
    root = CertificateAuthority.objects.get(kind="root")
    root_scalar = secret_unwrap(bytes(root.key_wrapped), label=authority_label(root))
    CertificateAuthority.objects.filter(pk=root.pk).update(
        key_wrapped=legacy_wrap(settings, root_scalar, authority_label(root))
    )
    return batch, cards, old


@pytest.fixture
def second_key(settings: Any) -> None:
    """The operator adds version 2 next to version 1 (``SSCARD_FIELD_KEYS``)."""
    settings.SSCARD_FIELD_KEYS = {1: settings.SSCARD_FIELD_KEY, 2: secrets.token_hex(32)}


def wrap_versions() -> dict[str, list[int]]:
    """The key version of every wrapped private key, in pk order, per table."""
    return {
        CARD_KEYS: [
            wrap_key_version_of(bytes(b))
            for b in CardKey.objects.order_by("pk").values_list("key_wrapped", flat=True)
        ],
        AUTHORITIES: [
            wrap_key_version_of(bytes(b))
            for b in CertificateAuthority.objects.order_by("pk").values_list(
                "key_wrapped", flat=True
            )
        ],
    }


def test_card_and_ca_keys_are_counted_rewrapped_and_then_version_1_retires(
    personalised: tuple[Batch, list[Card], bytes], second_key: None
) -> None:
    batch, cards, old_wrap = personalised
    # given three card keys and two CA keys under version 1 (one of each wrapped before
    # versions), and version 2 now current
    assert wrap_versions() == {CARD_KEYS: [1, 1, 1], AUTHORITIES: [1, 1]}
    status = field_key_status()
    assert status.current == 2
    assert status.counts[CARD_KEYS] == {"key_wrapped": {1: CARDS}}
    assert status.counts[AUTHORITIES] == {"key_wrapped": {1: 2}}
    assert status.behind[CARD_KEYS] == CARDS
    assert status.behind[AUTHORITIES] == 2

    # when the rotation dies after the first chunk of card keys (one key a chunk)
    def die_in_card_keys(table: EncryptedTable | WrappedSecrets, _rewritten: int, _n: int) -> None:
        if table.label == CARD_KEYS:
            raise Killed

    with pytest.raises(Killed):
        field_keys_rotate(actor=SYSTEM, chunk_rows=1, on_chunk=die_in_card_keys)

    # then every field value and both CAs are under version 2, and one card key
    assert wrap_versions() == {CARD_KEYS: [2, 1, 1], AUTHORITIES: [2, 2]}
    assert field_key_rows_behind() == CARDS - 1
    assert field_key_status().counts[CARD_KEYS] == {"key_wrapped": {1: CARDS - 1, 2: 1}}
    # and retiring version 1 is refused, naming the card keys that still need it
    with pytest.raises(ApplicationError) as refused:
        field_key_retire(actor=SYSTEM, version=1)
    assert refused.value.code == "field_key_in_use"
    assert refused.value.details["rows"] == {CARD_KEYS: CARDS - 1}

    # when the rotation is run again
    done = field_keys_rotate(actor=SYSTEM, chunk_rows=1)

    # then it re-wraps only the keys still behind, each chunk audited
    assert done[CARD_KEYS] == CARDS - 1
    assert done[AUTHORITIES] == 0
    assert wrap_versions() == {CARD_KEYS: [2, 2, 2], AUTHORITIES: [2, 2]}
    for blob in CardKey.objects.values_list("key_wrapped", flat=True):
        assert bytes(blob)[:5] == WRAP_MAGIC + b"\x02"
    assert field_key_rows_behind() == 0
    assert AuditEvent.objects.filter(action="secret_key_rewrap", object_type=CARD_KEYS).count() == (
        CARDS
    )
    assert (
        AuditEvent.objects.filter(action="secret_key_rewrap", object_type=AUTHORITIES).count() == 2
    )
    assert sum(field_keys_rotate(actor=SYSTEM).values()) == 0

    # when version 1 is retired
    field_key_retire(actor=SYSTEM, version=1)

    # then a key as wrapped before is refused, and every stored key still does its work:
    with pytest.raises(FieldKeyRefused) as retired:
        secret_unwrap(old_wrap, label=key_label(cards[0].pk))
    assert retired.value.code == "field_key_retired"
    # the factory file is written with the cards' keys, sealed and signed by the issuing CA
    factory_round_trip(batch, day=BJ_PILOT_DAY)
    # the card answers a challenge the platform checks against its certificate
    party = hospital()
    card = Card.objects.get(pk=cards[0].pk)
    issued = card_challenge_issue(actor=party, card_number=card.card_number)
    assert issued.code is not None
    assert issued.nonce is not None
    outcome = card_challenge_answer(
        actor=party, code=issued.code, signature=VirtualCard(card).answer(issued.nonce)
    )
    assert (outcome.authenticated, outcome.reason) == (True, "ok")
    # and the root (wrapped before versions, then re-wrapped) signs a new issuing CA
    issuing = CertificateAuthority.objects.get(kind="issuing", active=True)
    CertificateAuthority.objects.filter(pk=issuing.pk).update(
        not_after=datetime.now(UTC) + ISSUING_MIN_REMAINING - timedelta(days=1)
    )
    renewed = authority_ensure(actor=SYSTEM)
    assert renewed.authority.pk != issuing.pk
    assert verify_chain(renewed.certificate, [renewed.root_certificate], at=datetime.now(UTC))
    assert wrap_key_version_of(bytes(renewed.authority.key_wrapped)) == 2
    assert audit_verify_chain().ok

"""batch_personalise (of a batch started with ``batch_start``, see test_batch_start.py): every
card of a batch gets an SM2 key pair and one certificate of the issuing CA, chunk by chunk, and
the batch is personalised once none is left (BJ-01: a card's SM2 certificate is issued at
personalisation)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sscard.cards.models import Card, CardCertificate
from sscard.cards.services.authority import chain_of
from sscard.core.crypto import secret_unwrap
from sscard.core.models import AuditEvent
from sscard.kernel.errors import KernelError
from sscard.kernel.gm import Sm2PrivateKey
from sscard.kernel.pki import verify_chain
from sscard.production.models import Batch, CardKey
from sscard.production.services import batch_start
from sscard.production.services.personalise import (
    batch_personalise,
    batch_personalise_step,
    key_label,
)
from sscard.production.tests.support import formed_batch
from sscard.testing.card_life import OPERATOR

pytestmark = pytest.mark.django_db


def stages(batch: Batch) -> list[str]:
    return list(
        Card.objects.filter(batch_entry__batch=batch).order_by("pk").values_list("stage", flat=True)
    )


def test_every_card_gets_one_certificate_the_issuing_ca_chain_verifies() -> None:
    # given a started batch of three cards
    batch = formed_batch(3)
    batch_start(actor=OPERATOR, batch_id=batch.pk)
    # when the workers personalise it
    assert batch_personalise(batch_id=batch.pk) == 3
    # then every card has exactly one certificate, for its own card identification code
    cards = list(Card.objects.filter(batch_entry__batch=batch).order_by("pk"))
    assert CardCertificate.objects.filter(card__in=cards).count() == 3
    now = datetime.now(tz=UTC)
    for card in cards:
        cert = CardCertificate.objects.get(card=card)
        chain = chain_of(cert.authority_id)
        assert chain is not None
        info = verify_chain(bytes(cert.der), chain, at=now)
        assert card.card_id_code in info.subject_common_name
        assert info.serial == int(cert.serial, 16)
        assert not info.is_ca
    assert len({c.serial for c in CardCertificate.objects.all()}) == 3
    # and the batch is personalised, its cards too
    batch.refresh_from_db()
    assert batch.status == "personalised"
    assert batch.personalised_at is not None
    assert stages(batch) == ["personalised"] * 3


def test_a_cards_wrapped_key_opens_for_that_card_only_and_matches_its_certificate() -> None:
    batch = formed_batch(2)
    batch_start(actor=OPERATOR, batch_id=batch.pk)
    batch_personalise(batch_id=batch.pk)
    first, second = Card.objects.filter(batch_entry__batch=batch).order_by("pk")
    wrapped = bytes(CardKey.objects.get(card=first).key_wrapped)
    # the key opens under its own card's label, and signs what the certificate's key verifies
    key = Sm2PrivateKey.from_scalar(secret_unwrap(wrapped, label=key_label(first.pk)))
    cert = CardCertificate.objects.get(card=first)
    chain = chain_of(cert.authority_id)
    assert chain is not None
    info = verify_chain(bytes(cert.der), chain, at=datetime.now(tz=UTC))
    assert info.public_key.verify(key.sign(b"challenge"), b"challenge")
    # and copied onto another card it does not open
    with pytest.raises(KernelError) as refused:
        secret_unwrap(wrapped, label=key_label(second.pk))
    assert refused.value.code == "sm4_auth_failed"
    # nor does the other card's certificate accept this key's signature
    other = verify_chain(
        bytes(CardCertificate.objects.get(card=second).der), chain, at=datetime.now(tz=UTC)
    )
    assert not other.public_key.verify(key.sign(b"challenge"), b"challenge")


def test_personalisation_goes_chunk_by_chunk_and_the_batch_flips_after_the_last() -> None:
    batch = formed_batch(3)
    batch_start(actor=OPERATOR, batch_id=batch.pk)
    assert batch_personalise_step(batch_id=batch.pk, size=2) == 2
    batch.refresh_from_db()
    assert batch.status == "personalising"
    assert stages(batch) == ["personalised", "personalised", "ordered"]
    assert batch_personalise_step(batch_id=batch.pk, size=2) == 1
    batch.refresh_from_db()
    assert batch.status == "personalised"
    # a worker that comes late finds nothing and changes nothing
    before = AuditEvent.objects.count()
    assert batch_personalise_step(batch_id=batch.pk, size=2) == 0
    assert AuditEvent.objects.count() == before
    chunks = AuditEvent.objects.filter(action="cards_personalise", object_id=str(batch.pk))
    assert sorted(e.changes["cards"] for e in chunks) == [1, 2]
    assert AuditEvent.objects.filter(action="batch_personalised").count() == 1

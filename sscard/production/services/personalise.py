"""Personalisation (个人化): each card gets an SM2 key pair and an X.509 certificate signed by
the issuing CA. Claimed in chunks, so that any number of workers share one batch.

A chunk is one transaction: its cards are locked (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
a second worker takes the next chunk instead of waiting), keyed, certified, written with one
COPY per table, moved to ``personalised`` and audited. A worker killed half-way leaves its
chunk untouched (the transaction rolls back, the locks go), and the next worker takes it: no
card is personalised twice, no certificate serial is used twice (the database holds both).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Sequence
from datetime import date, datetime, time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sscard.cards.choices import CardStage
from sscard.cards.models import Card, CardCertificate
from sscard.cards.services import cards_advance
from sscard.cards.services.authority import Issuer, authority_ensure
from sscard.core.actors import Actor
from sscard.core.audit import AuditFact, audit_append
from sscard.core.bulk import BulkWriter, id_ranges
from sscard.core.crypto import secret_wrap
from sscard.kernel.gm import sm2_generate_keypair
from sscard.kernel.pki import CardCertificateIssuer
from sscard.production.choices import BatchStatus
from sscard.production.models import Batch, CardKey

WORKER = Actor.system("personalisation")
OBJECT = "production.batch"


def worker_name() -> str:
    """The process that personalises a chunk (host/pid), recorded in the chunk's audit event:
    which worker made which certificates."""
    return f"{socket.gethostname()}/{os.getpid()}"


def key_label(card_id: int) -> str:
    """What a card's wrapped private key is bound to: it opens for that card only."""
    return f"card:{card_id}"


class Personaliser:
    """Keys and certifies cards with the active issuing CA (opened once per worker)."""

    def __init__(self, issuer: Issuer) -> None:
        self.issuer = issuer
        # The last card this worker claimed, per batch: its next claim starts there.
        self.claimed_up_to: dict[int, int] = {}
        self.certificates = CardCertificateIssuer(
            issuer_key=issuer.key,
            issuer_cert=issuer.certificate,
            organization=settings.SSCARD_CA_ORGANIZATION,
        )

    @classmethod
    def current(cls) -> Personaliser:
        return cls(authority_ensure(actor=WORKER))

    def write(self, rows: Sequence[tuple[int, str, date, date]]) -> None:
        """Key and certify ``(card id, card identification code, issued on, valid until)``
        rows and write them; runs inside the caller's transaction."""
        now = timezone.now()
        writer = BulkWriter()
        issued_at = writer.timestamp(now)
        authority_id = self.issuer.authority.pk
        # A card's days are the holder's local days: valid from the start of its issue day to
        # the end of its last day, in the city's time (not UTC's, eight hours later).
        zone = timezone.get_default_timezone()
        certs: list[tuple[object, ...]] = []
        keys: list[tuple[object, ...]] = []
        for card_id, id_code, issued_on, valid_to in rows:
            scalar, public_der = sm2_generate_keypair()
            serial = id_code[16:]
            der = self.certificates.issue(
                serial=int(serial, 16),
                card_id_code=id_code,
                public_key_der=public_der,
                not_before=datetime.combine(issued_on, time.min, tzinfo=zone),
                not_after=datetime.combine(valid_to, time(23, 59, 59), tzinfo=zone),
            )
            certs.append((card_id, authority_id, serial, der, issued_at))
            keys.append((card_id, secret_wrap(scalar, label=key_label(card_id))))
        writer.insert(
            CardCertificate._meta.db_table,
            ("card_id", "authority_id", "serial", "der", "issued_at"),
            certs,
            binary=True,
        )
        writer.insert(CardKey._meta.db_table, ("card_id", "key_wrapped"), keys, binary=True)


def _claim(batch_id: int, size: int, after: int = 0) -> list[tuple[int, str, date, date]]:
    """Lock up to ``size`` ordered cards of the batch that no other worker holds, the lowest
    ids above ``after`` first.

    Bounding both sides of the join lets PostgreSQL start its index scans at ``after``;
    from 0 it walks past every card of the batch personalised so far, and a batch of 100,000
    costs time quadratic in its size (24 ms a claim half-way instead of under 1 ms).
    """
    query = (
        Card.objects.filter(
            batch_entry__batch_id=batch_id,
            stage=CardStage.ORDERED,
            pk__gt=after,
            batch_entry__pk__gt=after,
        )
        .order_by("pk")
        .select_for_update(of=("self",), skip_locked=True)
        .values_list("pk", "card_id_code", "issued_on", "valid_until")
    )
    return list(query[:size])


def batch_personalise_step(
    *, batch_id: int, size: int | None = None, personaliser: Personaliser | None = None
) -> int:
    """Personalise one chunk of the batch in one transaction; answer how many cards."""
    size = size or settings.SSCARD_PERSONALISE_CHUNK
    worker = personaliser or Personaliser.current()
    with transaction.atomic():
        after = worker.claimed_up_to.get(batch_id, 0)
        rows = _claim(batch_id, size, after)
        if not rows and after:
            # None left past this worker's last chunk: look from the start (a chunk that a
            # killed worker let go, or that another worker still holds).
            rows = _claim(batch_id, size)
        if rows:
            worker.claimed_up_to[batch_id] = rows[-1][0]
            worker.write(rows)
            ids = [row[0] for row in rows]
            cards_advance(
                card_ids=ids, from_stages=[CardStage.ORDERED], to_stage=CardStage.PERSONALISED
            )
            audit_append(
                actor=WORKER,
                fact=AuditFact(
                    action="cards_personalise",
                    object_type=OBJECT,
                    object_id=str(batch_id),
                    changes={
                        "cards": len(ids),
                        "card_ids": id_ranges(ids),
                        "authority_id": worker.issuer.authority.pk,
                        "worker": worker_name(),
                    },
                ),
            )
    # Only a short (or empty) claim can be the batch's end; asking after every full chunk
    # would scan the batch's cards once a chunk.
    if len(rows) < size:
        batch_finish_personalisation(batch_id=batch_id)
    return len(rows)


def batch_personalise(
    *,
    batch_id: int,
    size: int | None = None,
    time_budget: float | None = None,
    stop: Callable[[], bool] | None = None,
) -> int:
    """Take chunks of the batch until none is left (or the time budget is spent, or ``stop``
    says so: a stopping server ends its work between chunks, each committed whole)."""
    import time as clock

    started = clock.monotonic()
    worker = Personaliser.current()
    done = 0
    while True:
        n = batch_personalise_step(batch_id=batch_id, size=size, personaliser=worker)
        done += n
        if n == 0:
            return done
        if time_budget is not None and clock.monotonic() - started > time_budget:
            return done
        if stop is not None and stop():
            return done


def batch_finish_personalisation(*, batch_id: int) -> bool:
    """Mark the batch personalised once no card of it is left to personalise (idempotent:
    every worker may ask; the one that sees none left flips it)."""
    if Card.objects.filter(batch_entry__batch_id=batch_id, stage=CardStage.ORDERED).exists():
        return False
    with transaction.atomic():
        changed = Batch.objects.filter(pk=batch_id, status=BatchStatus.PERSONALISING).update(
            status=BatchStatus.PERSONALISED, personalised_at=timezone.now()
        )
        if changed:
            audit_append(
                actor=WORKER,
                fact=AuditFact(
                    action="batch_personalised",
                    object_type=OBJECT,
                    object_id=str(batch_id),
                    changes={"status": [BatchStatus.PERSONALISING, BatchStatus.PERSONALISED]},
                ),
            )
    return bool(changed)


def cards_personalise_in_transaction(*, card_ids: Sequence[int]) -> int:
    """Personalise these ordered cards at once, in the caller's transaction (instant issuance:
    the card is made while the holder waits, SH-12)."""
    rows = list(
        Card.objects.filter(pk__in=card_ids, stage=CardStage.ORDERED)
        .order_by("pk")
        .select_for_update()
        .values_list("pk", "card_id_code", "issued_on", "valid_until")
    )
    Personaliser.current().write(rows)
    return cards_advance(
        card_ids=[r[0] for r in rows],
        from_stages=[CardStage.ORDERED],
        to_stage=CardStage.PERSONALISED,
    )

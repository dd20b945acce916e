"""Append to and check the SM3 hash-chained audit trail.

Every write service calls ``audit_append`` (or ``audit_append_many`` on bulk paths) inside its
own transaction, so a change and its audit event commit or roll back together. The chain head
row is locked for the append, which orders concurrent writers and keeps the chain linear.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from sscard.core.actors import Actor, Role
from sscard.core.models import AuditChainHead, AuditEvent
from sscard.kernel.gm import sm3

GENESIS = b"\x00" * 32


@dataclass(frozen=True, slots=True)
class AuditFact:
    """What one event records: action, object and what changed (never plaintext PII)."""

    action: str
    object_type: str
    object_id: str
    changes: dict[str, Any]
    pack_hash: str = ""


def _digest(prev: bytes, *, at: datetime, actor: Actor, fact: AuditFact) -> bytes:
    body = json.dumps(
        [
            at.isoformat(),
            str(actor.role),
            actor.label,
            actor.user_id,
            fact.action,
            fact.object_type,
            fact.object_id,
            fact.changes,
            fact.pack_hash,
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    ).encode()
    return sm3(prev + body)


def _locked_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def audit_append(*, actor: Actor, fact: AuditFact) -> AuditEvent:
    """Append one event; must run inside the caller's transaction."""
    return audit_append_many(actor=actor, facts=[fact])[0]


def audit_append_many(*, actor: Actor, facts: Sequence[AuditFact]) -> list[AuditEvent]:
    """Append events in one statement, chaining them in order."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_append must run inside the transaction of the change")
    if not facts:
        return []
    head = _locked_head()
    prev = bytes(head.last_hash)
    now = timezone.now()
    events = []
    for fact in facts:
        digest = _digest(prev, at=now, actor=actor, fact=fact)
        events.append(
            AuditEvent(
                at=now,
                actor_role=str(actor.role),
                actor_label=actor.label,
                actor_user_id=actor.user_id,
                action=fact.action,
                object_type=fact.object_type,
                object_id=fact.object_id,
                changes=fact.changes,
                pack_hash=fact.pack_hash,
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest
    created = AuditEvent.objects.bulk_create(events)
    head.last_hash = prev
    head.last_event_id = max((e.pk or 0) for e in created) if created[-1].pk else 0
    head.save(update_fields=["last_hash", "last_event_id"])
    return created


@dataclass(frozen=True, slots=True)
class ChainCheck:
    ok: bool
    events: int
    first_bad_id: int | None


def audit_verify_chain(*, batch: int = 5000) -> ChainCheck:
    """Recompute the chain from the first event; report the first event that does not match."""
    prev = GENESIS
    count = 0
    last_id = 0
    while True:
        rows: Iterable[AuditEvent] = list(
            AuditEvent.objects.filter(pk__gt=last_id).order_by("pk")[:batch]
        )
        if not rows:
            break
        for event in rows:
            actor = Actor(
                role=Role(event.actor_role), label=event.actor_label, user_id=event.actor_user_id
            )
            fact = AuditFact(
                event.action, event.object_type, event.object_id, event.changes, event.pack_hash
            )
            expected = _digest(prev, at=event.at, actor=actor, fact=fact)
            if bytes(event.prev_hash) != prev or bytes(event.hash) != expected:
                return ChainCheck(ok=False, events=count, first_bad_id=event.pk)
            prev = expected
            count += 1
            last_id = event.pk
    return ChainCheck(ok=True, events=count, first_bad_id=None)

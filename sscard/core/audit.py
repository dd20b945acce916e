"""Append to and check the keyed, hash-chained audit trail.

Every write service calls ``audit_append`` (or ``audit_append_many`` on bulk paths) inside its
own transaction, so a change and its audit event commit or roll back together. The chain head
row is locked for the append, which orders concurrent writers and keeps the chain linear.

Three things make the trail hard to cut or rewrite:

* Each event's link is HMAC-SM3, under ``SSCARD_AUDIT_KEY`` (never in the database), of the
  previous link and the event's content. Whoever can write the database but lacks the key
  cannot recompute the links after editing, removing or reordering an event.
* The head (``AuditChainHead``) records the last event's id and link and the number of events,
  sealed with the same key, and :func:`audit_verify_chain` compares the chain's end with it:
  removing the newest events is seen.
* Checkpoints (``AuditCheckpoint``) state the tip — last event id, link, count, time — signed
  with SM2 by a key file outside the database, written on demand and every
  ``SSCARD_AUDIT_CHECKPOINT_EVERY`` events. Exported as JSON lines for an outside party, they
  catch even someone who holds the database and the chain key and recomputed everything.

Verification streams the events in primary-key order in chunks (keyset pagination), so a trail
of millions of events is checked in constant memory.
"""

from __future__ import annotations

import functools
import hmac
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sscard.core.actors import Actor
from sscard.core.audit_errors import AuditErrorCode
from sscard.core.models import AuditChainHead, AuditCheckpoint, AuditEvent
from sscard.kernel.gm import GmError, Sm2PrivateKey, Sm2PublicKey, hmac_sm3, sm3

GENESIS: Final = b"\x00" * 32
_HEAD_DOMAIN: Final = b"sscard/audit-head/v1\x00"
_CHECKPOINT_DOMAIN: Final = b"sscard/audit-checkpoint/v1\x00"
_CHECKPOINT_FORMAT: Final = "sscard-audit-checkpoint/1"


@dataclass(frozen=True, slots=True)
class AuditFact:
    """What one event records: action, object and what changed (never plaintext PII)."""

    action: str
    object_type: str
    object_id: str
    changes: dict[str, Any]
    pack_hash: str = ""


# --------------------------------------------------------------------------------------------
# Links and seals
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _parse_key(value: str) -> bytes:
    try:
        key = bytes.fromhex(value)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise AuditErrorCode.KEY_INVALID.error()
    return key


def audit_key() -> bytes:
    """The chain key (32 bytes) from ``SSCARD_AUDIT_KEY``."""
    return _parse_key(str(settings.SSCARD_AUDIT_KEY))


def _body(
    *,
    at: datetime,
    actor_role: str,
    actor_label: str,
    actor_user_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    changes: Any,
    pack_hash: str,
) -> bytes:
    return json.dumps(
        [
            at.isoformat(),
            actor_role,
            actor_label,
            actor_user_id,
            action,
            object_type,
            object_id,
            changes,
            pack_hash,
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    ).encode()


def _link(key: bytes, prev: bytes, body: bytes) -> bytes:
    return hmac_sm3(key, prev + body)


def _head_seal(key: bytes, *, last_event_id: int, last_hash: bytes, events: int) -> bytes:
    message = (
        _HEAD_DOMAIN + last_event_id.to_bytes(8, "big") + events.to_bytes(8, "big") + last_hash
    )
    return hmac_sm3(key, message)


def _fact_body(*, at: datetime, actor: Actor, fact: AuditFact) -> bytes:
    return _body(
        at=at,
        actor_role=str(actor.role),
        actor_label=actor.label,
        actor_user_id=actor.user_id,
        action=fact.action,
        object_type=fact.object_type,
        object_id=fact.object_id,
        changes=fact.changes,
        pack_hash=fact.pack_hash,
    )


# --------------------------------------------------------------------------------------------
# Appending
# --------------------------------------------------------------------------------------------


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
    return audit_append_each([(actor, fact) for fact in facts])


def audit_append_each(entries: Sequence[tuple[Actor, AuditFact]]) -> list[AuditEvent]:
    """Append events of several actors (a queue's holders, each confirming their own data) in
    one statement, chaining them in order; must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_append must run inside the transaction of the change")
    if not entries:
        return []
    key = audit_key()
    head = _locked_head()
    prev = bytes(head.last_hash)
    now = timezone.now()
    events = []
    for actor, fact in entries:
        digest = _link(key, prev, _fact_body(at=now, actor=actor, fact=fact))
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
    last_id = created[-1].pk
    if last_id is None:  # a backend that does not return keys from a bulk insert
        last_id = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True)[0]
    before = head.events
    head.last_hash = prev
    head.last_event_id = last_id
    head.events = before + len(created)
    head.mac = _head_seal(key, last_event_id=last_id, last_hash=prev, events=head.events)
    head.save(update_fields=["last_hash", "last_event_id", "events", "mac"])
    every = int(settings.SSCARD_AUDIT_CHECKPOINT_EVERY)
    if every > 0 and before // every != head.events // every:
        _checkpoint_sign_in_transaction(head=head, at=now)
    return created


# --------------------------------------------------------------------------------------------
# Checkpoints
# --------------------------------------------------------------------------------------------


def _signing_key(*, create: bool) -> Sm2PrivateKey | None:
    """The checkpoint signing key from its file; made (mode 0600) on first use if asked."""
    path = Path(settings.SSCARD_AUDIT_SIGNING_KEY_FILE)
    try:
        pem = path.read_bytes()
    except FileNotFoundError:
        if not create:
            return None
        key = Sm2PrivateKey.generate()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(key.to_pem())
            os.link(tmp, path)  # atomic, and refuses to replace a key another process made
        except FileExistsError:
            return _signing_key(create=False)
        finally:
            Path(tmp).unlink(missing_ok=True)
        return key
    try:
        return Sm2PrivateKey.from_pem(pem)
    except GmError:
        raise AuditErrorCode.SIGNING_KEY_INVALID.error(path=str(path)) from None


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _checkpoint_message(
    *, at: datetime, last_event_id: int, last_hash: bytes, events: int
) -> bytes:
    fields = [_utc(at), last_event_id, last_hash.hex(), events]
    return _CHECKPOINT_DOMAIN + json.dumps(fields, separators=(",", ":")).encode()


def _checkpoint_sign_in_transaction(*, head: AuditChainHead, at: datetime) -> AuditCheckpoint:
    key = _signing_key(create=True)
    assert key is not None
    last_hash = bytes(head.last_hash)
    message = _checkpoint_message(
        at=at, last_event_id=head.last_event_id, last_hash=last_hash, events=head.events
    )
    return AuditCheckpoint.objects.create(
        at=at,
        last_event_id=head.last_event_id,
        last_hash=last_hash,
        events=head.events,
        signature=key.sign(message),
        public_key=key.public_key().to_der(),
    )


def audit_checkpoint_write(*, actor: Actor) -> AuditCheckpoint:
    """Record that a checkpoint is taken, then sign the chain's tip, that event included."""
    with transaction.atomic():
        audit_append(
            actor=actor,
            fact=AuditFact("audit.checkpoint", "core.auditcheckpoint", "", {}),
        )
        head = AuditChainHead.objects.select_for_update().get(pk=1)
        return _checkpoint_sign_in_transaction(head=head, at=timezone.now())


@dataclass(frozen=True, slots=True)
class CheckpointRecord:
    """A signed checkpoint, from the database or from a file an outside party kept."""

    at: datetime
    last_event_id: int
    last_hash: bytes
    events: int
    signature: bytes
    public_key: bytes
    source: str

    def message(self) -> bytes:
        return _checkpoint_message(
            at=self.at,
            last_event_id=self.last_event_id,
            last_hash=self.last_hash,
            events=self.events,
        )

    def signature_valid(self) -> bool:
        try:
            return Sm2PublicKey.from_der(self.public_key).verify(self.signature, self.message())
        except GmError:
            return False

    def as_json(self) -> dict[str, Any]:
        return {
            "format": _CHECKPOINT_FORMAT,
            "at": _utc(self.at),
            "last_event_id": self.last_event_id,
            "last_hash": self.last_hash.hex(),
            "events": self.events,
            "signature": self.signature.hex(),
            "public_key": self.public_key.hex(),
            "signed_message": self.message().hex(),
        }


def _record(checkpoint: AuditCheckpoint) -> CheckpointRecord:
    return CheckpointRecord(
        at=checkpoint.at,
        last_event_id=checkpoint.last_event_id,
        last_hash=bytes(checkpoint.last_hash),
        events=checkpoint.events,
        signature=bytes(checkpoint.signature),
        public_key=bytes(checkpoint.public_key),
        source=f"database #{checkpoint.pk}",
    )


def audit_checkpoints() -> Iterator[CheckpointRecord]:
    """Every stored checkpoint, oldest first, read in chunks."""
    for checkpoint in AuditCheckpoint.objects.order_by("pk").iterator(chunk_size=2000):
        yield _record(checkpoint)


def audit_checkpoints_export(*, path: Path) -> int:
    """Write every stored checkpoint to ``path`` as JSON lines; return how many."""
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for record in audit_checkpoints():
            out.write(json.dumps(record.as_json(), sort_keys=True) + "\n")
            count += 1
    return count


def audit_checkpoints_read(*, path: Path) -> list[CheckpointRecord]:
    """Parse an exported checkpoints file (what an outside party kept)."""
    records = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditErrorCode.CHECKPOINTS_FILE_INVALID.error(
            path=str(path), reason=str(exc)
        ) from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if data.get("format") != _CHECKPOINT_FORMAT:
                raise ValueError("unknown format")
            records.append(
                CheckpointRecord(
                    at=datetime.fromisoformat(data["at"]),
                    last_event_id=int(data["last_event_id"]),
                    last_hash=bytes.fromhex(data["last_hash"]),
                    events=int(data["events"]),
                    signature=bytes.fromhex(data["signature"]),
                    public_key=bytes.fromhex(data["public_key"]),
                    source=f"{Path(path).name}:{number}",
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise AuditErrorCode.CHECKPOINTS_FILE_INVALID.error(
                path=str(path), line=number, reason=str(exc)
            ) from None
    return records


# --------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------

#: What went wrong, for people: (Chinese, English).
PROBLEMS: Final[dict[str, tuple[str, str]]] = {
    "link_broken": (
        "该事件的链值与前一事件或其内容不符：事件被修改、其前有事件被删除、顺序被调换，"
        "或链值被不持密钥者重算。",
        "This event's link does not follow from the one before or from its content: it was "
        "edited, an event before it was removed, events were reordered, or the links were "
        "recomputed without the key.",
    ),
    "head_missing": (
        "有审计事件但没有链头记录。",
        "There are audit events but no chain head.",
    ),
    "head_forged": (
        "链头的密钥封印无效：链头被改写。",
        "The chain head's keyed seal is invalid: the head was rewritten.",
    ),
    "head_mismatch": (
        "链的末端与链头记录不符。",
        "The end of the chain does not match its recorded head.",
    ),
    "tail_missing": (
        "最新的事件被删除：链在此事件之后结束，而链头或检查点记录了更多事件。",
        "The newest events were removed: the chain ends after this event, while its head or "
        "a checkpoint records more.",
    ),
    "beyond_head": (
        "存在链头未记录的事件。",
        "There are events beyond the chain head, which it does not record.",
    ),
    "checkpoint_mismatch": (
        "链与签名检查点不符：自上一个相符的检查点以来的事件被改写、删除或重算。",
        "The chain disagrees with a signed checkpoint: events since the last checkpoint that "
        "agreed were rewritten, removed or recomputed.",
    ),
    "checkpoint_signature_invalid": (
        "检查点的SM2签名无效，或不是本系统签名密钥所签。",
        "A checkpoint's SM2 signature is invalid, or not made by this system's signing key.",
    ),
}


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """The outcome of a verification: the first bad event (id, time, kind), if any."""

    ok: bool
    events: int
    first_bad_id: int | None
    first_bad_at: datetime | None = None
    first_bad_action: str = ""
    problem: str = ""
    checkpoints: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def message_zh(self) -> str:
        return PROBLEMS[self.problem][0] if self.problem else ""

    @property
    def message_en(self) -> str:
        return PROBLEMS[self.problem][1] if self.problem else ""


@dataclass(frozen=True, slots=True)
class _Head:
    last_event_id: int
    last_hash: bytes
    events: int
    mac: bytes

    def sealed(self, key: bytes) -> bool:
        if self.events == 0 and self.last_event_id == 0 and self.last_hash == GENESIS:
            return True  # a head never appended to carries no seal
        expected = _head_seal(
            key, last_event_id=self.last_event_id, last_hash=self.last_hash, events=self.events
        )
        return bool(self.mac) and hmac.compare_digest(expected, self.mac)


def _read_head() -> _Head | None:
    row = (
        AuditChainHead.objects.filter(pk=1)
        .values_list("last_event_id", "last_hash", "events", "mac")
        .first()
    )
    if row is None:
        return None
    return _Head(int(row[0]), bytes(row[1]), int(row[2]), bytes(row[3]))


_EVENT_FIELDS: Final = (
    "pk",
    "at",
    "actor_role",
    "actor_label",
    "actor_user_id",
    "action",
    "object_type",
    "object_id",
    "changes",
    "pack_hash",
    "prev_hash",
    "hash",
)


@dataclass(slots=True)
class _Walk:
    """Where a verification stands: the last good event, its link and the count so far."""

    key: bytes
    checkpoints: dict[int, list[CheckpointRecord]]
    checkpoint_ids: list[int]  # ascending, consumed from the front
    last_id: int = 0
    last_at: datetime | None = None
    last_action: str = ""
    prev: bytes = GENESIS
    count: int = 0
    confirmed: int = 0
    unvouched: tuple[int, datetime, str] | None = None  # first event since the last checkpoint


def _fail(
    walk: _Walk, problem: str, event: tuple[int, datetime | None, str] | None, **details: Any
) -> ChainCheck:
    return ChainCheck(
        ok=False,
        events=walk.count,
        first_bad_id=event[0] if event else None,
        first_bad_at=event[1] if event else None,
        first_bad_action=event[2] if event else "",
        problem=problem,
        checkpoints=walk.confirmed,
        details={"last_good_id": walk.last_id or None, **details},
    )


def _walk_to(walk: _Walk, limit: int, batch: int) -> ChainCheck | None:
    """Check every event with ``last_id < pk <= limit``, ``batch`` rows at a time."""
    while True:
        rows = list(
            AuditEvent.objects.filter(pk__gt=walk.last_id, pk__lte=limit)
            .order_by("pk")
            .values_list(*_EVENT_FIELDS)[:batch]
        )
        if not rows:
            return None
        for pk, at, role, label, user_id, action, otype, oid, changes, pack, prev, link in rows:
            event = (pk, at, action)
            if walk.checkpoint_ids and walk.checkpoint_ids[0] < pk:
                # the event a checkpoint vouches for is gone
                missing = walk.checkpoint_ids[0]
                return _fail(
                    walk, "checkpoint_mismatch", walk.unvouched or event, checkpoint_event=missing
                )
            body = _body(
                at=at,
                actor_role=role,
                actor_label=label,
                actor_user_id=user_id,
                action=action,
                object_type=otype,
                object_id=oid,
                changes=changes,
                pack_hash=pack,
            )
            expected = _link(walk.key, walk.prev, body)
            if bytes(prev) != walk.prev or not hmac.compare_digest(bytes(link), expected):
                return _fail(walk, "link_broken", event)
            if walk.unvouched is None:
                walk.unvouched = event
            walk.prev = expected
            walk.count += 1
            walk.last_id, walk.last_at, walk.last_action = pk, at, action
            if walk.checkpoint_ids and walk.checkpoint_ids[0] == pk:
                walk.checkpoint_ids.pop(0)
                for record in walk.checkpoints[pk]:
                    if record.last_hash != expected or record.events != walk.count:
                        return _fail(
                            walk,
                            "checkpoint_mismatch",
                            walk.unvouched,
                            checkpoint=record.source,
                        )
                    walk.confirmed += 1
                walk.unvouched = None


def audit_verify_chain(
    *, batch: int = 5000, checkpoints: Iterable[CheckpointRecord] = ()
) -> ChainCheck:
    """Recompute the keyed chain from the first event, compare its end with the sealed head,
    and its links with every stored checkpoint and those given (e.g. from an outside party's
    file); report the first event that does not match.
    """
    key = audit_key()
    walk = _Walk(key=key, checkpoints={}, checkpoint_ids=[])
    signer = _signing_key(create=False)
    own_key = signer.public_key().to_der() if signer is not None else None
    stored = list(audit_checkpoints())
    for record in [*stored, *checkpoints]:
        from_database = record.source.startswith("database")
        if not record.signature_valid() or (from_database and record.public_key != own_key):
            return _fail(walk, "checkpoint_signature_invalid", None, checkpoint=record.source)
        walk.checkpoints.setdefault(record.last_event_id, []).append(record)
    walk.checkpoint_ids = sorted(walk.checkpoints)

    head = _read_head() or _Head(0, GENESIS, 0, b"")
    while True:
        # The links first, so that an edit is reported at its event even when the head was
        # rewritten as well; the head's seal next, before trusting what it records.
        failure = _walk_to(walk, head.last_event_id, batch)
        if failure is not None:
            return failure
        last = (walk.last_id, walk.last_at, walk.last_action) if walk.last_id else None
        if not head.sealed(key):
            return _fail(walk, "head_forged", None, head_last_event_id=head.last_event_id)
        if walk.last_id < head.last_event_id or walk.count < head.events:
            return _fail(
                walk,
                "tail_missing",
                last,
                head_last_event_id=head.last_event_id,
                head_events=head.events,
            )
        if walk.prev != head.last_hash or walk.count != head.events:
            return _fail(walk, "head_mismatch", last, head_events=head.events)
        beyond = (
            AuditEvent.objects.filter(pk__gt=head.last_event_id)
            .order_by("pk")
            .values_list("pk", "at", "action")
            .first()
        )
        if beyond is None:
            break
        newer = _read_head()
        if newer is None or newer == head:
            problem = "head_missing" if newer is None else "beyond_head"
            return _fail(walk, problem, beyond)
        head = newer  # events were appended while we read: check them too

    if walk.checkpoint_ids:
        # a checkpoint vouches for events past the end of the chain
        last = (walk.last_id, walk.last_at, walk.last_action) if walk.last_id else None
        return _fail(walk, "tail_missing", last, checkpoint_last_event_id=walk.checkpoint_ids[-1])
    return ChainCheck(ok=True, events=walk.count, first_bad_id=None, checkpoints=walk.confirmed)


# --------------------------------------------------------------------------------------------
# The switch from plain SM3 links to keyed ones (migration core 0003)
# --------------------------------------------------------------------------------------------


def audit_rekey_for_migration(
    *, event_model: Any, head_model: Any, using: str, batch: int = 5000
) -> None:
    """Check the plain-SM3 chain, re-link every event under the key, record the switch.

    Runs inside the migration's transaction with its historical models.
    """
    key = audit_key()
    events = event_model.objects.using(using)
    plain_prev = keyed_prev = GENESIS
    count = 0
    first_bad: int | None = None
    last_id = 0
    while True:
        chunk = list(events.filter(pk__gt=last_id).order_by("pk")[:batch])
        if not chunk:
            break
        for event in chunk:
            body = _body(
                at=event.at,
                actor_role=event.actor_role,
                actor_label=event.actor_label,
                actor_user_id=event.actor_user_id,
                action=event.action,
                object_type=event.object_type,
                object_id=event.object_id,
                changes=event.changes,
                pack_hash=event.pack_hash,
            )
            plain = sm3(plain_prev + body)
            if first_bad is None and (
                bytes(event.prev_hash) != plain_prev or bytes(event.hash) != plain
            ):
                first_bad = event.pk
            plain_prev = bytes(event.hash)  # follow the stored chain, as verify did
            event.prev_hash = keyed_prev
            event.hash = keyed_prev = _link(key, keyed_prev, body)
            count += 1
            last_id = event.pk
        events.bulk_update(chunk, ["prev_hash", "hash"])
    if count == 0:
        return
    at = timezone.now()
    changes = {
        "relinked_events": count,
        "plain_chain_intact": first_bad is None,
        "plain_first_bad_id": first_bad,
        "plain_tip": plain_prev.hex(),
    }
    actor = Actor.system("migration core.0003")
    fact = AuditFact("audit.chain_keyed", "core.auditevent", "", changes)
    body = _fact_body(at=at, actor=actor, fact=fact)
    switch = events.create(
        at=at,
        actor_role=str(actor.role),
        actor_label=actor.label,
        actor_user_id=None,
        action=fact.action,
        object_type=fact.object_type,
        object_id="",
        changes=changes,
        pack_hash="",
        prev_hash=keyed_prev,
        hash=_link(key, keyed_prev, body),
    )
    tip = bytes(switch.hash)
    head_model.objects.using(using).update_or_create(
        pk=1,
        defaults={
            "last_event_id": switch.pk,
            "last_hash": tip,
            "events": count + 1,
            "mac": _head_seal(key, last_event_id=switch.pk, last_hash=tip, events=count + 1),
        },
    )

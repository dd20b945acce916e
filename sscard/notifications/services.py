"""Queue outgoing SMS in the caller's transaction, and send those that are due.

A service that changes something and tells the holder about it calls :func:`holder_tell` — the
one way a flow tells people: the pack's template, filled in, to sealed recipients — inside its
own transaction (:func:`message_queue` is the single-phone form for a typed-in number): the
message is written (and audited) with the change, or not at all, and the sender is kicked once
the transaction commits. Text that breaks the anti-fraud rules (BJ-13: no links, no request
for an account number, password or verification code) is refused *before* it is queued, and
the refusal rolls the caller's change back.

:func:`outbox_send_due` claims due messages in one short transaction, commits, and only then
calls the provider, one message at a time, recording each result at once. Claimed rows carry
a lease (``next_attempt_at`` while ``sending``): a sender that dies leaves them to be picked up
again when the lease has run out, and a live sender stops starting sends well before its lease
ends, so that two senders never send one message twice.
"""

from __future__ import annotations

import logging
import re
import string
import time
import weakref
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F
from django.utils import timezone

from sscard.core.actors import Actor, Role
from sscard.core.audit import AuditFact, audit_append
from sscard.core.bulk import BulkWriter
from sscard.core.crypto import PHONE, field_cipher, mask_phone, phone_index
from sscard.core.errors import ApplicationError
from sscard.kernel import messages
from sscard.kernel.gm import GmError
from sscard.notifications.choices import OutboxStatus
from sscard.notifications.errors import NotificationErrorCode
from sscard.notifications.models import OutboxMessage, ReminderOptOut
from sscard.notifications.providers import SendResult, SmsProvider, sms_provider
from sscard.notifications.sms_errors import SendError
from sscard.policy import Pack
from sscard.policy.schema import directory_values

logger = logging.getLogger("sscard.notifications")

# Mainland mobile numbers: 11 digits, 13x-19x (MIIT numbering plan).
MOBILE_RE = re.compile(r"1[3-9]\d{9}")
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)
# chosen: how long a claimed message stays reserved for its sender.
SENDING_LEASE = timedelta(minutes=15)
# chosen: a sender starts no send later than this before its lease ends (at least twice the
# provider's time-out is kept free as well).
LEASE_MARGIN = timedelta(minutes=2)
OBJECT_TYPE = "notifications.outboxmessage"
SENDER = Actor.system("outbox-sender")

_FORMATTER = string.Formatter()


# --------------------------------------------------------------------------------------------
# Rendering and the anti-fraud check
# --------------------------------------------------------------------------------------------


class _Values(dict[str, object]):
    def __missing__(self, key: str) -> object:
        raise NotificationErrorCode.TEMPLATE_VALUE_MISSING.error_with({"key": key}, key=key)


def _template_invalid(template: str) -> ApplicationError:
    return NotificationErrorCode.TEMPLATE_INVALID.error(template=template[:200])


def message_render(template: str, **values: object) -> str:
    """Fill a policy pack's template (``"…到{outlet}领取。"``) and check the result.

    Placeholders are plain names: no attribute or index access, no format spec, so a template
    cannot reach into the objects it is given. The filled text is checked against the
    anti-fraud rules, since a value (an outlet's name, an address) could smuggle in a link.
    """
    try:
        fields = list(_FORMATTER.parse(template))
    except ValueError:
        raise _template_invalid(template) from None
    for _literal, name, spec, conversion in fields:
        if name is not None and (not name.isidentifier() or spec or conversion):
            raise _template_invalid(template)
    text = template.format_map(_Values(values))
    _ensure_sendable(text, template_key=None)
    return text


def _ensure_sendable(text: str, *, template_key: str | None) -> None:
    verdict = messages.check(text)
    if verdict.ok:
        return
    assert verdict.code is not None
    # The rule and code say what to fix in the pack; the recipient is never logged.
    logger.warning(
        "outgoing message refused (template %s): rule=%s code=%s",
        template_key or "-",
        verdict.rule,
        verdict.code,
    )
    raise ApplicationError(
        verdict.code,
        verdict.message_zh,
        verdict.message_en,
        {"rule": verdict.rule, "fragment": verdict.fragment, "template": template_key},
    )


# --------------------------------------------------------------------------------------------
# Persons no text may reach (deaths and departures)
# --------------------------------------------------------------------------------------------

UnreachableFinder = Callable[[Collection[int]], Collection[int]]
"""Given person ids, the ones no text may reach any more (the registry's departed persons)."""

_unreachable_finders: list[UnreachableFinder] = []


def unreachable_register(finder: UnreachableFinder) -> None:
    """Let an app above name the persons no text may reach (from its ``AppConfig.ready()``):
    the notifications sit below the registry and cannot ask it themselves. Every queueing path
    below drops them, so no flow has to remember to."""
    if finder not in _unreachable_finders:
        _unreachable_finders.append(finder)


def _unreachable(person_ids: Collection[int]) -> set[int]:
    if not person_ids:
        return set()
    found: set[int] = set()
    for finder in _unreachable_finders:
        found.update(finder(person_ids))
    return found


def _reachable(recipients: Sequence[Recipient]) -> Sequence[Recipient]:
    gone = _unreachable({r.person_id for r in recipients if r.person_id is not None})
    if not gone:
        return recipients
    return [r for r in recipients if r.person_id not in gone]


def messages_stop_in_transaction(*, actor: Actor, person_id: int, why: str) -> int:
    """End every message still queued to ``person_id`` unsent (failed, ``why`` as its error)
    in the caller's transaction, audited; answer how many. A message already being sent is
    left to its sender."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("messages_stop_in_transaction must run inside the transaction")
    pending = OutboxMessage.objects.select_for_update().filter(
        person_id=person_id, status=OutboxStatus.QUEUED
    )
    ids = sorted(pending.values_list("pk", flat=True))
    if not ids:
        return 0
    OutboxMessage.objects.filter(pk__in=ids).update(status=OutboxStatus.FAILED, last_error=why)
    audit_append(
        actor=actor,
        fact=AuditFact(
            action="message_stop",
            object_type=OBJECT_TYPE,
            object_id=f"{ids[0]}-{ids[-1]}",
            changes={"person_id": person_id, "count": len(ids), "why": why},
        ),
    )
    return len(ids)


# --------------------------------------------------------------------------------------------
# Queueing
# --------------------------------------------------------------------------------------------


def message_queue(
    *,
    actor: Actor,
    phone: str | None,
    text: str,
    template_key: str,
    person_id: int | None = None,
    pack_hash: str = "",
) -> OutboxMessage | None:
    """Queue one SMS in the caller's transaction; the sender is kicked once it commits.

    Refuses text that breaks the anti-fraud rules (with the rule's code, e.g.
    ``message_contains_link``) and a phone that is not a mainland mobile (``phone_invalid``);
    either refusal is an ``ApplicationError`` that rolls the caller's change back. A person
    without a phone on record (``phone`` empty or ``None``) gets no message: ``None``.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("message_queue must run inside the transaction of the change")
    _ensure_sendable(text, template_key=template_key)
    number = (phone or "").strip()
    if not number:
        logger.info("no SMS (template %s): no phone on record", template_key)
        return None
    if person_id is not None and _unreachable([person_id]):
        logger.info("no SMS (template %s): the person has died or left", template_key)
        return None
    if not MOBILE_RE.fullmatch(number):
        raise NotificationErrorCode.PHONE_INVALID.error()
    now = timezone.now()
    message = OutboxMessage.objects.create(
        phone_index=phone_index(number),
        phone_enc=field_cipher().encrypt(number, field=PHONE),
        phone_masked=mask_phone(number),
        person_id=person_id,
        template_key=template_key,
        text=text,
        pack_hash=pack_hash,
        status=OutboxStatus.QUEUED,
        next_attempt_at=now,
        created_at=now,
    )
    audit_append(
        actor=actor,
        fact=AuditFact(
            action="message_queue",
            object_type=OBJECT_TYPE,
            object_id=str(message.pk),
            changes={
                "template": template_key,
                "phone": message.phone_masked,
                "person_id": person_id,
            },
            pack_hash=pack_hash,
        ),
    )
    _kick_sender_on_commit()
    return message


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who gets one of many messages: a phone as the registry stores it (sealed), a person.

    The phone travels sealed (SM4, its keyed SM3 index and its masked form, exactly as
    ``sscard.core.crypto`` makes them), so that a bulk send never decrypts 50,000 numbers.
    """

    phone_index: bytes
    phone_enc: bytes
    phone_masked: str
    person_id: int | None = None
    #: When the sender may send it at the earliest (a throttled round spreads its texts);
    #: ``None``: at once.
    not_before: datetime | None = None


def recipient_for_phone(phone: str, *, person_id: int | None = None) -> Recipient:
    """Seal a plaintext phone; ``phone_invalid`` unless it is a mainland mobile number."""
    number = phone.strip()
    if not MOBILE_RE.fullmatch(number):
        raise NotificationErrorCode.PHONE_INVALID.error()
    return Recipient(
        phone_index=phone_index(number),
        phone_enc=field_cipher().encrypt(number, field=PHONE),
        phone_masked=mask_phone(number),
        person_id=person_id,
    )


def message_queue_many(
    *,
    actor: Actor,
    recipients: Sequence[Recipient],
    text: str,
    template_key: str,
    pack_hash: str = "",
    batch_size: int = 5000,
) -> int:
    """Queue the same text to many recipients in the caller's transaction; answer how many.

    The set-based form of :func:`message_queue` for bulk paths (a unit's staff): the text is
    checked once (BJ-13), rows are written in batches, ONE audit event names the id range, and
    the sender is kicked once when the transaction commits. A recipient's ``not_before`` holds
    its message back until then (the sender takes only messages whose time has come).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("message_queue_many must run inside the transaction of the change")
    _ensure_sendable(text, template_key=template_key)
    recipients = _reachable(recipients)
    if not recipients:
        return 0
    # One COPY (PostgreSQL) or one executemany (SQLite), ids reserved up front: no ORM object
    # per message.
    writer = BulkWriter()
    table = OutboxMessage._meta.db_table
    ids = writer.allocate_ids(table, len(recipients))
    now = writer.timestamp(timezone.now())
    queued = OutboxStatus.QUEUED.value
    for start in range(0, len(recipients), batch_size):
        part = recipients[start : start + batch_size]
        writer.insert(
            table,
            ("id", "phone_index", "phone_enc", "phone_masked", "person_id", "template_key",
             "text", "pack_hash", "status", "attempts", "next_attempt_at", "last_error",
             "provider", "provider_message_id", "created_at"),
            [
                (pk, r.phone_index, r.phone_enc, r.phone_masked, r.person_id, template_key,
                 text, pack_hash, queued, 0,
                 writer.timestamp(r.not_before) if r.not_before is not None else now,
                 "", "", "", now)
                for pk, r in zip(ids[start : start + batch_size], part, strict=True)
            ],
        )  # fmt: skip
    audit_append(
        actor=actor,
        fact=AuditFact(
            action="message_queue_many",
            object_type=OBJECT_TYPE,
            object_id=f"{min(ids)}-{max(ids)}",
            changes={"template": template_key, "count": len(ids)},
            pack_hash=pack_hash,
        ),
    )
    _kick_sender_on_commit()
    return len(ids)


def holder_tell(
    *,
    actor: Actor,
    pack: Pack,
    template_key: str,
    recipients: Sequence[Recipient],
    **values: object,
) -> int:
    """Tell holders (or parents, or staff) with the pack's template ``template_key``.

    The one way a flow tells the people it concerns: the text comes from the pack in force
    (nothing is hard-coded), is filled in with ``values`` and checked (BJ-13), and is queued in
    the caller's transaction to every recipient at once. A pack without that template sends
    nothing: 0. Answers how many messages were queued.
    """
    template = pack.templates.get(template_key)
    if template is None:
        return 0
    # Checked even with no one to tell, as message_queue_many does: a text that breaks BJ-13
    # is refused whoever it would have gone to.
    # A number the text names comes from the pack's contact directory (``{hotline}``, SH-17).
    text = message_render(template.text_zh, **{**directory_values(pack), **values})
    if not recipients:
        return 0
    return message_queue_many(
        actor=actor,
        recipients=recipients,
        text=text,
        template_key=template_key,
        pack_hash=pack.content_hash,
    )


# The commit-hook list of the transaction that already kicks the sender, per connection. Django
# replaces that list whenever hooks can be dropped or have run (commit, rollback, rollback to a
# savepoint), so "same list" means "the kick is still pending": one kick per transaction, not
# one per message (a unit's 50,000 staff would otherwise mean 50,000 tasks).
_pending_kick: weakref.WeakKeyDictionary[BaseDatabaseWrapper, object] = weakref.WeakKeyDictionary()


def _kick_sender_on_commit() -> None:
    connection = transaction.get_connection()
    if _pending_kick.get(connection) is connection.run_on_commit:
        return
    # robust: a broker that is down must not fail a request whose change has committed; the
    # message stays queued for the periodic sweep.
    transaction.on_commit(_kick_sender, robust=True)
    _pending_kick[connection] = connection.run_on_commit


def _kick_sender() -> None:
    from sscard.notifications.tasks import send_due  # the tasks module imports this one

    send_due.delay()


# --------------------------------------------------------------------------------------------
# Sending
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SendSummary:
    """What one run of the sender did, by message id."""

    picked: int = 0
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try: 30 s × 2^attempts, at most 1 h."""
    return min(RETRY_BASE * (1 << min(attempts, 16)), RETRY_CAP)


#: Send results written in one transaction. A result per commit cost the sender more than the
#: send itself (1.5 ms of 3 ms a text, measured in the Shanghai replay); a sender that dies
#: between two commits leaves at most this many messages to be sent again after their lease.
RECORD_GROUP = 50


def outbox_send_due(
    *,
    now: datetime | None = None,
    limit: int = 500,
    provider: SmsProvider | None = None,
) -> SendSummary:
    """Send up to ``limit`` due messages, oldest first, and record each result.

    Must run outside any transaction: the claim commits before the provider is called.
    ``now`` is the sender's clock (tests and simulations move it); ``provider`` defaults to the
    one the settings choose.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    now = now or timezone.now()
    provider = provider or sms_provider()
    max_attempts = int(settings.SSCARD_SMS_MAX_ATTEMPTS)
    margin = max(LEASE_MARGIN, timedelta(seconds=2 * float(settings.SSCARD_SMS_TIMEOUT)))
    budget = (SENDING_LEASE - margin).total_seconds()
    claimed, lost = _claim(now=now, limit=limit, max_attempts=max_attempts)
    summary = SendSummary(picked=len(claimed) + len(lost), failed=[m.pk for m in lost])
    outcomes = {"sent": summary.sent, "retrying": summary.retrying, "failed": summary.failed}
    started = time.monotonic()
    results: list[tuple[OutboxMessage, SendResult]] = []

    def record() -> None:
        # One commit for a group: a sender that dies before it loses at most RECORD_GROUP
        # results, whose messages go again after the lease (a duplicate rather than a loss).
        with transaction.atomic():
            for message, result in results:
                outcome = _record(
                    message, result, now=now, max_attempts=max_attempts, via=provider.name
                )
                outcomes[outcome].append(message.pk)
        results.clear()

    for position, message in enumerate(claimed):
        if time.monotonic() - started > budget:
            record()
            summary.released.extend(_release(claimed[position:], now=now))
            break
        results.append((message, _attempt(provider, message)))
        if len(results) >= RECORD_GROUP:
            record()
    record()
    if summary.picked:
        first = min(m.pk for m in (*claimed, *lost))
        last = max(m.pk for m in (*claimed, *lost))
        with transaction.atomic():
            audit_append(
                actor=SENDER,
                fact=AuditFact(
                    action="outbox_send",
                    object_type=OBJECT_TYPE,
                    object_id=f"{first}-{last}",
                    changes={
                        "provider": provider.name,
                        "sent": summary.sent,
                        "retrying": summary.retrying,
                        "failed": summary.failed,
                        "released": summary.released,
                    },
                ),
            )
    return summary


def _claim(
    *, now: datetime, limit: int, max_attempts: int
) -> tuple[list[OutboxMessage], list[OutboxMessage]]:
    """Mark due messages ``sending`` and commit; answer them and those given up as lost.

    A message still ``sending`` after its lease belongs to a sender that stopped between the
    provider call and recording its result: it may or may not have gone out. It is tried again
    (a duplicate is better than a notice never sent) unless it has used up its attempts.
    """
    with transaction.atomic(durable=True):
        due = OutboxMessage.objects.filter(
            status__in=(OutboxStatus.QUEUED, OutboxStatus.SENDING), next_attempt_at__lte=now
        ).order_by("pk")
        connection = transaction.get_connection()
        if connection.features.has_select_for_update_skip_locked:
            # Concurrent senders take disjoint rows instead of queueing behind each other.
            due = due.select_for_update(skip_locked=True, of=("self",))
        # SQLite has no row locks: its IMMEDIATE transactions already run one writer at a time.
        rows = list(due[:limit])
        claimed: list[OutboxMessage] = []
        lost: list[OutboxMessage] = []
        for message in rows:
            gave_up = message.status == OutboxStatus.SENDING and message.attempts >= max_attempts
            (lost if gave_up else claimed).append(message)
        # A text queued in a transaction that raced the person's recorded death goes nowhere.
        gone = _unreachable({m.person_id for m in claimed if m.person_id is not None})
        if gone:
            OutboxMessage.objects.filter(
                pk__in=[m.pk for m in claimed if m.person_id in gone]
            ).update(status=OutboxStatus.FAILED, last_error=SendError.RECIPIENT_DEPARTED)
            claimed = [m for m in claimed if m.person_id not in gone]
        for message in claimed:
            if message.status == OutboxStatus.SENDING:
                logger.warning("SMS #%s: its sender stopped before recording; retrying", message.pk)
        if lost:
            OutboxMessage.objects.filter(pk__in=[m.pk for m in lost]).update(
                status=OutboxStatus.FAILED, last_error=SendError.SENDER_LOST
            )
        if claimed:
            OutboxMessage.objects.filter(pk__in=[m.pk for m in claimed]).update(
                status=OutboxStatus.SENDING,
                attempts=F("attempts") + 1,
                next_attempt_at=now + SENDING_LEASE,
            )
    for message in claimed:
        message.status = OutboxStatus.SENDING
        message.attempts += 1
    return claimed, lost


def _attempt(provider: SmsProvider, message: OutboxMessage) -> SendResult:
    try:
        phone = field_cipher().decrypt(bytes(message.phone_enc), field=PHONE)
    except GmError:
        logger.error("SMS #%s: the stored phone cannot be decrypted", message.pk)
        return SendResult.refused(SendError.PHONE_UNREADABLE)
    try:
        return provider.send(message, phone)
    except Exception as exc:
        # Only the type: a provider's exception text may quote the phone.
        logger.error(
            "SMS #%s: provider %s raised %s", message.pk, provider.name, type(exc).__name__
        )
        return SendResult.temporary(SendError.PROVIDER_ERROR)


def _record(
    message: OutboxMessage, result: SendResult, *, now: datetime, max_attempts: int, via: str
) -> str:
    """Write one result (its group's transaction commits every ``RECORD_GROUP``, so a crash later
    resends at most that many); answer the outcome."""
    outcome: str
    if result.ok:
        outcome = "sent"
        changes: dict[str, object] = {
            "status": OutboxStatus.SENT,
            "sent_at": now,
            "provider_message_id": result.provider_id or "",
            "last_error": "",
        }
    elif result.permanent or message.attempts >= max_attempts:
        outcome = "failed"
        changes = {
            "status": OutboxStatus.FAILED,
            "last_error": result.error or SendError.UNKNOWN,
        }
    else:
        outcome = "retrying"
        changes = {
            "status": OutboxStatus.QUEUED,
            "next_attempt_at": now + retry_delay(message.attempts),
            "last_error": result.error or SendError.UNKNOWN,
        }
    # A guarded UPDATE rather than save(): it changes the row only while this sender holds it.
    updated = OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.SENDING).update(
        provider=via, **changes
    )
    if not updated:
        logger.warning(
            "SMS #%s: no longer held by this sender; result %s not recorded", message.pk, outcome
        )
    return outcome


def _release(messages_left: list[OutboxMessage], *, now: datetime) -> list[int]:
    """Give back claimed messages this run has no time left to try (their attempt not used)."""
    ids = [m.pk for m in messages_left]
    OutboxMessage.objects.filter(pk__in=ids, status=OutboxStatus.SENDING).update(
        status=OutboxStatus.QUEUED, next_attempt_at=now, attempts=F("attempts") - 1
    )
    return ids


# --------------------------------------------------------------------------------------------
# Reminders: a person may ask for none (outreach rounds honour it)
# --------------------------------------------------------------------------------------------


def reminders_set(*, actor: Actor, person_id: int, wanted: bool) -> bool:
    """Record whether ``person_id`` wants reminders (rounds of the bureau or an employer to
    apply for the new card); answer whether that changed anything. The holder sets their own
    (``reminders_not_yours`` otherwise); the system for any (the admin goes through it)."""
    if actor.role is not Role.SYSTEM and not (
        actor.role is Role.CARDHOLDER and actor.person_id == person_id
    ):
        raise NotificationErrorCode.REMINDERS_NOT_YOURS.error()
    with transaction.atomic():
        if wanted:
            changed = ReminderOptOut.objects.filter(person_id=person_id).delete()[0] > 0
        else:
            _row, changed = ReminderOptOut.objects.get_or_create(
                person_id=person_id,
                defaults={"since": timezone.now(), "set_by": actor.label[:150]},
            )
        if changed:
            audit_append(
                actor=actor,
                fact=AuditFact(
                    action="reminders_set",
                    object_type="notifications.reminderoptout",
                    object_id=str(person_id),
                    changes={"reminders": wanted},
                ),
            )
    return changed

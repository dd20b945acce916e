"""A person's and a card's history from the audit trail, and the bureau's search of the trail.

The trail names each event's object by type and id (``card`` 42, ``applications.application``
7); a person's history is the events of everything that is theirs — their record, their
applications, roster entries and photos, their cards and the cards' shipments, their bookings,
the texts sent to them and their reminder choice — and the bulk events whose id ranges include
them (the import that created the record, a mass text that queued theirs, and each card's order,
personalisation, dispatch and arrival at the outlet). A card's history is its own events and
bulk events, its shipments' and its application's. Both are read through the registry's and the
cards' own scoped selectors (``person_get``, ``card_get``), so that whoever may not open a
person or a card may not read its history either (``not_found``, as missing).

Who may read a history, and why:

* city and district officers, for the persons and cards of their city or district — the bureau
  answers for what was done;
* employer HR, for their own staff — they apply for them collectively and follow the cards;
* the holder, for their own record and cards — what was done with their data (PIPL art. 44);
  they read each actor's role, never a staff member's account name (as "who looked at my
  record" shows them);
* not counter clerks, production or API clients: their work is the person in front of them,
  the batch or one card's status, not who did what before them (``permission_denied``).

Rows carry no ``changes`` beyond the reason and the channel: the changes hold masked values
and ids only, but a history is read by people who need neither.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Max, Min, Q, QuerySet
from django.utils import timezone

from sscard.applications.models import Application, Photo, RosterEntry
from sscard.cards.models import Card
from sscard.cards.selectors import card_get
from sscard.core.actors import ROLE_LABELS, Actor, Role
from sscard.core.audit_labels import (
    ACTION_LABELS,
    CHANNEL_LABELS,
    REASON_LABELS,
    action_label,
    object_label,
)
from sscard.core.errors import ApplicationError, NotFound, PermissionDenied
from sscard.core.models import AuditEvent
from sscard.core.names import Kind, names_of
from sscard.delivery.models import Shipment
from sscard.kernel.cardcodes import parse_card_number
from sscard.kernel.errors import KernelError
from sscard.network.models import Booking
from sscard.notifications.models import OutboxMessage
from sscard.production.models import BatchCard
from sscard.registry.models import Person
from sscard.registry.selectors import person_find_by_id_number, person_get
from sscard.reports.errors import ReportsErrorCode

HISTORY_ROLES = frozenset(
    {Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.EMPLOYER_HR, Role.CARDHOLDER, Role.SYSTEM}
)
#: The audit page: the city bureau's (the whole trail, or its city's persons and cards).
AUDIT_ROLES = frozenset({Role.CITY_OFFICER, Role.SYSTEM})

PERSON = "registry.person"
CARD = "card"
APPLICATION = "applications.application"
# Bulk events name a range of objects; they are matched by the ids in their changes.
PERSON_IMPORT = ("import", PERSON, "ids")
CARD_ORDER = ("card_order", CARD, "card_ids")
# A chunk of the legacy system's cards (cards/legacy.py): they came from the old system's export.
CARDS_IMPORTED = ("import", CARD, "ids")
CARDS_PERSONALISED = ("cards_personalise", "production.batch", "card_ids")
BATCH_DISPATCHED = ("batch_dispatch", "production.batch", "card_ids")
SHIPMENTS_RECEIVED = ("outlet_receive", "delivery.shipment", "shipment_ids")
TEXTS_QUEUED = ("message_queue_many", "notifications.outboxmessage", "")
TEXT_AUDIT_LAG = timedelta(hours=1)

ACTOR_LABEL_MAX = 150
SHOWN_ID = re.compile(r"\d+(-\d+)?")
_DATE_SPAN_MAX = timedelta(days=3660)
DAY_FIRST = date(1900, 1, 1)
DAY_LAST = date(2999, 12, 31)


# --------------------------------------------------------------------------------------------
# What belongs to a person, to a card
# --------------------------------------------------------------------------------------------


def _ids(values: Iterable[object]) -> list[str]:
    return [str(v) for v in values]


def _in_ranges(ranges: object, wanted: set[int]) -> bool:
    """Whether any of ``wanted`` lies in the ``[[first, last], …]`` runs of a bulk event."""
    if not isinstance(ranges, list):
        return False
    for run in ranges:
        if isinstance(run, list | tuple) and len(run) == 2:
            first, last = run
            if any(first <= w <= last for w in wanted):
                return True
    return False


def _object_range(object_id: str) -> list[list[int]]:
    """``"12-40"`` (the first and last id a bulk event wrote) as one run."""
    first, _sep, last = object_id.partition("-")
    if first.isdigit() and last.isdigit():
        return [[int(first), int(last)]]
    return []


def _bulk_event_ids(
    bulk: tuple[str, str, str],
    wanted: set[int],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    object_ids: Sequence[str] | None = None,
) -> list[int]:
    """The events of one bulk kind whose id ranges include one of ``wanted``: the runs in
    ``changes[key]``, or the ``first-last`` of the object id when ``key`` is empty.

    Bulk events are few (one per chunk of an import, one per order or mass text), so they are
    read and matched here rather than by a JSON query each database would spell differently;
    ``since`` and ``until`` bound the scan when the objects' own times are known, and
    ``object_ids`` when the event names its batch or outlet.
    """
    if not wanted or (object_ids is not None and not object_ids):
        return []
    action, object_type, key = bulk
    events = AuditEvent.objects.filter(action=action, object_type=object_type)
    if object_ids is not None:
        events = events.filter(object_id__in=list(object_ids))
    if since is not None:
        events = events.filter(at__gte=since)
    if until is not None:
        events = events.filter(at__lte=until)
    found = []
    for pk, object_id, changes in events.values_list("pk", "object_id", "changes").iterator(
        chunk_size=500
    ):
        if key:
            ranges = changes.get(key) if isinstance(changes, dict) else None
        else:
            ranges = _object_range(object_id)
        if _in_ranges(ranges, wanted):
            found.append(pk)
    return found


def _cards_in_bulk(card_ids: Sequence[int]) -> list[int]:
    """The bulk events of the cards' way: imported from the legacy system, or ordered,
    personalised (per chunk of their batch), dispatched with their batch, received at the
    outlet with their shipments."""
    wanted = set(card_ids)
    if not wanted:
        return []
    batches = _ids(
        BatchCard.objects.filter(card_id__in=wanted).values_list("batch_id", flat=True).distinct()
    )
    shipments = list(Shipment.objects.filter(card_id__in=wanted).values_list("pk", "outlet_id"))
    outlets = sorted({f"outlet:{outlet}" for _pk, outlet in shipments if outlet is not None})
    return [
        *_bulk_event_ids(CARDS_IMPORTED, wanted),
        *_bulk_event_ids(CARD_ORDER, wanted),
        *_bulk_event_ids(CARDS_PERSONALISED, wanted, object_ids=batches),
        *_bulk_event_ids(BATCH_DISPATCHED, wanted, object_ids=batches),
        *_bulk_event_ids(SHIPMENTS_RECEIVED, {pk for pk, _o in shipments}, object_ids=outlets),
    ]


def _texts_queued_in_bulk(person: Person) -> list[int]:
    """The mass-text events (``message_queue_many``) that queued one of the person's texts;
    written in the transaction that made the texts, so only their own hour is read."""
    texts = OutboxMessage.objects.filter(person_id=person.pk)
    times = texts.aggregate(first=Min("created_at"), last=Max("created_at"))
    if times["first"] is None:
        return []
    return _bulk_event_ids(
        TEXTS_QUEUED,
        set(texts.values_list("pk", flat=True)),
        since=times["first"],
        until=times["last"] + TEXT_AUDIT_LAG,
    )


def _subjects(pairs: dict[str, list[str]], bulk_ids: Sequence[int]) -> Q:
    condition = Q(pk__in=list(bulk_ids)) if bulk_ids else Q(pk__in=[])
    for object_type, object_ids in pairs.items():
        if object_ids:
            condition |= Q(object_type=object_type, object_id__in=object_ids)
    return condition


def person_events(person: Person) -> QuerySet[AuditEvent]:
    """Every event of the person's own things, oldest first (unscoped: callers scope)."""
    return AuditEvent.objects.filter(person_condition(person)).order_by("at", "pk")


def person_condition(person: Person) -> Q:
    """The events of the person's record and of everything that is theirs, as a condition."""
    card_ids = list(Card.objects.filter(person=person).values_list("pk", flat=True))
    pairs = {
        PERSON: [str(person.pk)],
        "notifications.reminderoptout": [str(person.pk)],
        APPLICATION: _ids(Application.objects.filter(person=person).values_list("pk", flat=True)),
        "applications.rosterentry": _ids(
            RosterEntry.objects.filter(person=person).values_list("pk", flat=True)
        ),
        "applications.photo": _ids(
            Photo.objects.filter(person=person).values_list("pk", flat=True)
        ),
        CARD: _ids(card_ids),
        "delivery.shipment": _ids(
            Shipment.objects.filter(card_id__in=card_ids).values_list("pk", flat=True)
        ),
        "network.booking": _ids(Booking.objects.filter(person=person).values_list("pk", flat=True)),
        "notifications.outboxmessage": _ids(
            OutboxMessage.objects.filter(person_id=person.pk).values_list("pk", flat=True)
        ),
    }
    bulk = [
        *_bulk_event_ids(PERSON_IMPORT, {person.pk}),
        *_cards_in_bulk(card_ids),
        *_texts_queued_in_bulk(person),
    ]
    return _subjects(pairs, bulk)


def card_events(card: Card) -> QuerySet[AuditEvent]:
    """Every event of the card, its shipments, its order and its application, oldest first."""
    return AuditEvent.objects.filter(card_condition(card)).order_by("at", "pk")


def card_condition(card: Card) -> Q:
    """The events of the card, its shipments, its order and its application, as a condition."""
    pairs = {
        CARD: [str(card.pk)],
        "delivery.shipment": _ids(
            Shipment.objects.filter(card_id=card.pk).values_list("pk", flat=True)
        ),
        APPLICATION: [str(card.application_id)] if card.application_id else [],
    }
    return _subjects(pairs, _cards_in_bulk([card.pk]))


# --------------------------------------------------------------------------------------------
# Rows as people read them
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One event as a history shows it: when, who, what in words, why and how."""

    event_id: int
    at: datetime
    action: str
    action_label: str
    object_type: str
    object_label: str
    object_id: str
    object_shown: str
    """The record's number as people read it: an id or a run of ids, never an internal
    reference such as ``outlet:3`` or ``job:12`` (the API keeps ``object_id`` as stored)."""
    actor_role: str
    actor_role_label: str
    actor_name: str
    reason: str
    channel: str
    channel_label: str


def _text(changes: Any, key: str) -> str:
    value = changes.get(key) if isinstance(changes, dict) else None
    return value if isinstance(value, str) else ""


def _channel_label(code: str, policy_names: dict[str, str]) -> str:
    if not code:
        return ""
    if code in CHANNEL_LABELS:
        return str(CHANNEL_LABELS[code])
    return policy_names.get(code, code)


def _role_label(role: str) -> str:
    try:
        return str(ROLE_LABELS[Role(role)])
    except ValueError:
        return str(ROLE_LABELS[Role.SYSTEM])


def _actor_name(viewer: Actor, event: AuditEvent) -> str:
    """The actor's account name as stored; a holder reads it only for their own acts."""
    if viewer.role is not Role.CARDHOLDER:
        return event.actor_label
    own = viewer.user_id is not None and event.actor_user_id == viewer.user_id
    return event.actor_label if own else ""


def history_rows(viewer: Actor, events: Iterable[AuditEvent]) -> Iterator[HistoryRow]:
    """The events as rows in the language being served (streams: exports pass querysets)."""
    policy_names: dict[str, str] = {}
    for event in events:
        reason = _text(event.changes, "reason")
        channel = _text(event.changes, "channel")
        if channel and channel not in policy_names and channel not in CHANNEL_LABELS:
            policy_names.update(names_of(Kind.CHANNEL, [channel]))
        yield HistoryRow(
            event_id=event.pk,
            at=event.at,
            action=event.action,
            action_label=action_label(event.action),
            object_type=event.object_type,
            object_label=object_label(event.object_type),
            object_id=event.object_id,
            object_shown=event.object_id if SHOWN_ID.fullmatch(event.object_id) else "",
            actor_role=event.actor_role,
            actor_role_label=_role_label(event.actor_role),
            actor_name=_actor_name(viewer, event),
            reason=str(REASON_LABELS[reason]) if reason in REASON_LABELS else reason,
            channel=channel,
            channel_label=_channel_label(channel, policy_names),
        )


# --------------------------------------------------------------------------------------------
# The histories, scoped
# --------------------------------------------------------------------------------------------


def _may_read_history(actor: Actor) -> None:
    if actor.role not in HISTORY_ROLES:
        raise PermissionDenied("read a history", "查看办理记录")


def person_history(*, actor: Actor, person_id: int) -> tuple[Person, QuerySet[AuditEvent]]:
    """The person (if the actor may open them) and their events, oldest first."""
    _may_read_history(actor)
    person = person_get(actor=actor, person_id=person_id)
    return person, person_events(person)


def card_history(*, actor: Actor, card_id: int) -> tuple[Card, QuerySet[AuditEvent]]:
    """The card (if the actor may open it) and its events, oldest first."""
    _may_read_history(actor)
    card = card_get(actor=actor, card_id=card_id)
    return card, card_events(card)


# --------------------------------------------------------------------------------------------
# The bureau's search of the trail
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """What the audit page searches by; every field narrows."""

    person_id: int | None = None
    card_number: str = ""
    actor_label: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None


def audit_may_search(actor: Actor) -> bool:
    """Whether the actor may open the audit page (the same predicate the navigation asks)."""
    return actor.role in AUDIT_ROLES


def audit_person_by_id_number(*, actor: Actor, id_number: str) -> Person:
    """The person whose full ID number the officer typed, found by its keyed index (the
    number is neither stored nor echoed: the page carries the person's record id on)."""
    if not audit_may_search(actor):
        raise PermissionDenied("search the audit trail", "查询审计日志")
    return person_find_by_id_number(actor=actor, id_number=id_number)


def _card_by_number(actor: Actor, number: str) -> Card:
    """The card with this number, if the actor may open it (a malformed number answers the
    kernel's ``card_number_invalid``, 422)."""
    try:
        text = parse_card_number(number)
    except KernelError as exc:
        raise ApplicationError.from_coded(exc, status=422) from exc
    found = Card.objects.filter(card_number=text).values_list("pk", flat=True).first()
    if found is None:
        raise NotFound("card", what_zh="该卡")
    return card_get(actor=actor, card_id=found)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _check_query(actor: Actor, query: AuditQuery) -> None:
    first, last = query.date_from, query.date_to
    if first and last and (first > last or last - first > _DATE_SPAN_MAX):
        raise ReportsErrorCode.AUDIT_PERIOD_INVALID.error()
    if any(day is not None and not DAY_FIRST <= day <= DAY_LAST for day in (first, last)):
        # A day at the ends of the calendar has no start in every time zone (year 1, 9999).
        raise ReportsErrorCode.AUDIT_PERIOD_INVALID.error()
    if query.action and query.action not in ACTION_LABELS:
        raise ReportsErrorCode.AUDIT_ACTION_UNKNOWN.error()
    if len(query.actor_label) > ACTOR_LABEL_MAX:
        raise ReportsErrorCode.AUDIT_ACTOR_INVALID.error()
    subject = query.person_id is not None or bool(query.card_number)
    if actor.city_code and not subject:
        # One database may hold several cities' programmes, and the trail is one for all of
        # them: an officer bound to a city searches it through their city's persons and cards.
        raise ReportsErrorCode.AUDIT_SUBJECT_REQUIRED.error()


def audit_search(*, actor: Actor, query: AuditQuery) -> QuerySet[AuditEvent]:
    """The events the query finds, newest first: a person's or a card's history (scoped by
    ``person_get`` and ``card_get``), narrowed by actor, action and day."""
    if not audit_may_search(actor):
        raise PermissionDenied("search the audit trail", "查询审计日志")
    _check_query(actor, query)
    events = AuditEvent.objects.all()
    if query.person_id is not None:
        person = person_get(actor=actor, person_id=query.person_id)
        events = events.filter(person_condition(person))
    if query.card_number:
        events = events.filter(card_condition(_card_by_number(actor, query.card_number)))
    if query.actor_label.strip():
        events = events.filter(actor_label=query.actor_label.strip())
    if query.action:
        events = events.filter(action=query.action)
    if query.date_from:
        events = events.filter(at__gte=_day_start(query.date_from))
    if query.date_to:
        events = events.filter(at__lt=_day_start(query.date_to + timedelta(days=1)))
    return events.order_by("-at", "-pk")

"""API twins of the history pages and of the audit page: the same selectors, every label in
Chinese and in English beside the code machines read."""

# No ``from __future__ import annotations``: Ninja reads these signatures at import time.

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import translation
from ninja import Query, Router
from ninja.pagination import paginate

from sscard.core.actors import Actor
from sscard.core.models import AuditEvent
from sscard.core.pagination import PageNumberPagination
from sscard.core.schemas import ERRORS
from sscard.core.views import request_actor
from sscard.reports.history import (
    AuditQuery,
    HistoryRow,
    audit_person_by_id_number,
    audit_search,
    card_history,
    history_rows,
    person_history,
)
from sscard.reports.history_schemas import (
    AuditFilter,
    AuditSearchIn,
    CardHistoryOut,
    HistoryRowOut,
    PersonHistoryOut,
)

router = Router(tags=["history"])
AUDIT_PAGE_SIZE = 50


def _rows(actor: Actor, events: Iterable[AuditEvent]) -> list[HistoryRow]:
    return list(history_rows(actor, events))


def rows_out(actor: Actor, events: QuerySet[AuditEvent]) -> list[dict[str, Any]]:
    """The rows with their words in both languages (the same events read twice)."""
    found = list(events)
    with translation.override("zh-hans"):
        zh = _rows(actor, found)
    with translation.override("en"):
        en = _rows(actor, found)
    return [
        {
            "id": a.event_id,
            "at": a.at,
            "action": a.action,
            "action_zh": a.action_label,
            "action_en": b.action_label,
            "object_type": a.object_type,
            "object_zh": a.object_label,
            "object_en": b.object_label,
            "object_id": a.object_id,
            "actor_role": a.actor_role,
            "actor_role_zh": a.actor_role_label,
            "actor_role_en": b.actor_role_label,
            "actor": a.actor_name,
            "reason_zh": a.reason,
            "reason_en": b.reason,
            "channel": a.channel,
            "channel_zh": a.channel_label,
            "channel_en": b.channel_label,
        }
        for a, b in zip(zh, en, strict=True)
    ]


@router.get("/persons/{int:person_id}/history", response={200: PersonHistoryOut, **ERRORS})
def persons_history(request: HttpRequest, person_id: int) -> dict[str, Any]:
    """Everything done with a person's record, applications, cards, bookings and texts, oldest
    first — the person's history page. Bureau officers (their city or district), HR (their
    staff) and the holder (their own; staff account names left out) may read it; another
    role answers 403 ``permission_denied``, a person out of scope 404 ``not_found``."""
    actor = request_actor(request)
    person, events = person_history(actor=actor, person_id=person_id)
    return {"person_id": person.pk, "events": rows_out(actor, events)}


@router.get("/cards/{int:card_id}/history", response={200: CardHistoryOut, **ERRORS})
def cards_history(request: HttpRequest, card_id: int) -> dict[str, Any]:
    """Everything done with a card, its order, its shipments and its application, oldest
    first — the card's history page; the same roles and answers as a person's history."""
    actor = request_actor(request)
    card, events = card_history(actor=actor, card_id=card_id)
    return {
        "card_id": card.pk,
        "card_number": card.card_number,
        "events": rows_out(actor, events),
    }


def _audit_events(actor: Actor, query: AuditQuery) -> QuerySet[AuditEvent]:
    return audit_search(actor=actor, query=query)


@router.get("/audit/events", response={200: list[HistoryRowOut], **ERRORS})
@paginate(PageNumberPagination, page_size=AUDIT_PAGE_SIZE)
def audit_events(request: HttpRequest, filters: Query[AuditFilter]) -> list[dict[str, Any]]:
    """The audit page's search, newest first: by person (record id), card number, actor (user
    name), action (code) and days. City officers only (403 otherwise); an officer bound to a
    city names a person or a card (422 ``audit_subject_required``)."""
    actor = request_actor(request)
    return _LazyRows(actor, _audit_events(actor, filters.query()))  # type: ignore[return-value]


@router.post("/audit/events/search", response={200: list[HistoryRowOut], **ERRORS})
@paginate(PageNumberPagination, page_size=AUDIT_PAGE_SIZE)
def audit_events_search(request: HttpRequest, body: AuditSearchIn) -> list[dict[str, Any]]:
    """The same search with the person's full ID number in the body (never in a URL), found
    through its keyed index; an invalid number answers its ``id_*`` code (422)."""
    actor = request_actor(request)
    query = body.query()
    if body.id_number:
        person = audit_person_by_id_number(actor=actor, id_number=body.id_number)
        query = replace(query, person_id=person.pk)
    return _LazyRows(actor, _audit_events(actor, query))  # type: ignore[return-value]


class _LazyRows:
    """The paginator slices the events; only the page's rows are named (in both languages)."""

    def __init__(self, actor: Actor, events: QuerySet[AuditEvent]) -> None:
        self.actor = actor
        self.events = events

    def __len__(self) -> int:
        return self.events.count()

    def count(self) -> int:
        return self.events.count()

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        return rows_out(self.actor, self.events[index])

"""API operations of the outbox (city officers) and of the holder's reminder setting."""

# No ``from __future__ import annotations`` here: Ninja reads these signatures through
# ``@paginate``'s wrapper, whose module could not resolve postponed (string) annotations.

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from sscard.core.errors import PermissionDenied
from sscard.core.pagination import PageNumberPagination
from sscard.core.schemas import ERRORS
from sscard.core.views import request_actor
from sscard.notifications.models import OutboxMessage
from sscard.notifications.schemas import OutboxFilter, OutboxMessageOut, RemindersIn, RemindersOut
from sscard.notifications.selectors import outbox_list, reminders_wanted
from sscard.notifications.services import reminders_set

router = Router(tags=["notifications"])


@router.get("/outbox", response={200: list[OutboxMessageOut], **ERRORS})
@paginate(PageNumberPagination, page_size=50)
def outbox_messages(request: HttpRequest, filters: Query[OutboxFilter]) -> QuerySet[OutboxMessage]:
    """SMS in the outbox, newest first, with their status; phones masked."""
    return outbox_list(actor=request_actor(request), status=filters.status)


def _own_person(request: HttpRequest) -> int:
    actor = request_actor(request)
    if actor.person_id is None:
        raise PermissionDenied("set reminders", "设置提醒短信")
    return actor.person_id


@router.get("/me/reminders", response={200: RemindersOut, **ERRORS})
def my_reminders(request: HttpRequest) -> RemindersOut:
    """Whether the holder takes reminders to apply for the new card."""
    person_id = _own_person(request)
    return RemindersOut(wanted=reminders_wanted(actor=request_actor(request), person_id=person_id))


@router.put("/me/reminders", response={200: RemindersOut, **ERRORS})
def my_reminders_set(request: HttpRequest, body: RemindersIn) -> RemindersOut:
    """Take reminders to apply, or no more of them (the texts a service must send still go)."""
    person_id = _own_person(request)
    reminders_set(actor=request_actor(request), person_id=person_id, wanted=body.wanted)
    return RemindersOut(wanted=body.wanted)

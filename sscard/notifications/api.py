"""API operations of the outbox (city officers)."""

# No ``from __future__ import annotations`` here: Ninja reads these signatures through
# ``@paginate``'s wrapper, whose module could not resolve postponed (string) annotations.

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from sscard.core.pagination import PageNumberPagination
from sscard.core.schemas import ERRORS
from sscard.core.views import request_actor
from sscard.notifications.models import OutboxMessage
from sscard.notifications.schemas import OutboxFilter, OutboxMessageOut
from sscard.notifications.selectors import outbox_list

router = Router(tags=["notifications"])


@router.get("/outbox", response={200: list[OutboxMessageOut], **ERRORS})
@paginate(PageNumberPagination, page_size=50)
def outbox_messages(request: HttpRequest, filters: Query[OutboxFilter]) -> QuerySet[OutboxMessage]:
    """SMS in the outbox, newest first, with their status; phones masked."""
    return outbox_list(actor=request_actor(request), status=filters.status)

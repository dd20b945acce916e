"""API operations of the bureau's reports: overdue cards and the backlog."""

# No ``from __future__ import annotations``: Ninja reads these signatures at import time.

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from sscard.core.schemas import ERRORS
from sscard.core.views import request_actor
from sscard.reports.selectors import backlog, due_pending_by, overdue_by

router = Router(tags=["reports"])


class OverdueRowOut(Schema):
    key: str
    label: str
    count: int
    oldest_due: date


@router.get("/reports/overdue", response={200: list[OverdueRowOut], **ERRORS})
def overdue(
    request: HttpRequest, by: Literal["bank", "outlet", "district"] = "bank"
) -> list[dict[str, Any]]:
    """Cards not made by their due date (BJ-11), per bank, outlet or district."""
    rows = overdue_by(actor=request_actor(request), today=timezone.localdate(), by=by)
    return [
        {"key": r.key, "label": r.label, "count": r.count, "oldest_due": r.oldest_due} for r in rows
    ]


class DuePendingRowOut(Schema):
    key: str
    label: str
    count: int
    oldest_applied: date


@router.get("/reports/due-pending", response={200: list[DuePendingRowOut], **ERRORS})
def due_pending(
    request: HttpRequest, by: Literal["bank", "outlet", "district"] = "bank"
) -> list[dict[str, Any]]:
    """Applications not made yet whose due date waits for the official calendar of its year
    (never guessed; set when the bureau loads the year), per bank, outlet or district."""
    rows = due_pending_by(actor=request_actor(request), by=by)
    return [
        {"key": r.key, "label": r.label, "count": r.count, "oldest_applied": r.oldest_applied}
        for r in rows
    ]


class BacklogOut(Schema):
    waiting_for_batch: int
    by_stage: dict[str, int]
    by_bank: list[tuple[str, int]]


@router.get("/reports/backlog", response={200: BacklogOut, **ERRORS})
def backlog_get(request: HttpRequest) -> dict[str, Any]:
    """Applications waiting for a batch, and cards per stage and bank until handed over."""
    found = backlog(actor=request_actor(request))
    return {
        "waiting_for_batch": found.waiting_for_batch,
        "by_stage": found.by_stage,
        "by_bank": found.by_bank,
    }

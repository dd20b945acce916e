"""API twins of the deaths and departures pages: record one for a person, propose its
reversal for a second officer's approval, list them; and what a civil-affairs file did. The
same services and selectors as the pages (the file itself goes through ``/imports/departures``,
as every import does)."""

# No ``from __future__ import annotations``: Ninja reads these signatures at import time.

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from sscard.cards.departure_import import departure_import_summary
from sscard.cards.departure_schemas import (
    DepartureFilter,
    DepartureImportOut,
    DepartureIn,
    DepartureOut,
    DepartureReversalIn,
    DepartureReversalOut,
)
from sscard.cards.services.departure import departure_record, departure_reversal_propose
from sscard.core.clock import today as _today
from sscard.core.errors import NotFound, PermissionDenied
from sscard.core.models import ImportJob
from sscard.core.pagination import PageNumberPagination
from sscard.core.schemas import ERRORS, ErrorOut
from sscard.core.views import request_actor
from sscard.registry.choices import DepartureSource
from sscard.registry.departures import DEPARTURE_ROLES, departure_rows, departures_visible
from sscard.registry.models import Departure
from sscard.registry.selectors import person_get

router = Router(tags=["registry"])
WRITE_ERRORS = {409: ErrorOut, **ERRORS}


@router.post("/persons/{int:person_id}/departure", response={201: DepartureOut, **WRITE_ERRORS})
def persons_departure_record(
    request: HttpRequest, person_id: int, body: DepartureIn
) -> Status[dict[str, Any]]:
    """Record the person's death, emigration or transfer out (the person page's action): in
    one transaction their cards are cancelled (verification answers ``cancelled``), their
    open applications withdrawn and the texts queued to them stopped. Officers only, a
    district officer for their district. Refusals: ``departure_already_recorded``,
    ``departure_date_in_future``, ``departure_date_before_birth``, ``departure_kind_invalid``,
    ``departure_reference_required``, ``departure_destination_invalid``, ``not_found``."""
    actor = request_actor(request)
    person = person_get(actor=actor, person_id=person_id)
    done = departure_record(
        actor=actor,
        person=person,
        kind=body.kind,
        on=body.on,
        reference=body.reference,
        destination_city=body.destination_city,
        today=_today(),
        source=DepartureSource.API,
    )
    departure = Departure.objects.select_related("person").get(pk=done.departure.pk)
    return Status(201, departure_rows([departure])[0])


@router.post(
    "/persons/{int:person_id}/departure/reversal",
    response={201: DepartureReversalOut, **WRITE_ERRORS},
)
def persons_departure_reversal(
    request: HttpRequest, person_id: int, body: DepartureReversalIn
) -> Status[dict[str, Any]]:
    """Propose undoing the person's recorded departure; a second officer approves it under
    ``/approvals`` (the maker cannot). Cancelled cards stay cancelled. Refusals:
    ``departure_not_recorded``, ``approval_reason_required``, ``approval_already_pending``,
    ``not_found``."""
    actor = request_actor(request)
    person = person_get(actor=actor, person_id=person_id)
    approval = departure_reversal_propose(
        actor=actor, person=person, reason=body.reason, evidence=body.evidence
    )
    return Status(201, {"approval_id": approval.pk, "state": approval.state})


class _Rows:
    """The paginator slices the departures; only the page's rows are named."""

    def __init__(self, rows: Any) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return int(self.rows.count())

    def count(self) -> int:
        return int(self.rows.count())

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        return departure_rows(list(self.rows[index]))


@router.get("/departures", response={200: list[DepartureOut], **ERRORS})
@paginate(PageNumberPagination, page_size=50)
def departures_list(request: HttpRequest, filters: Query[DepartureFilter]) -> Any:
    """Recorded deaths and departures, newest first — the departures page: a city officer's
    city, a district officer's district; another role answers 403."""
    actor = request_actor(request)
    if actor.role not in DEPARTURE_ROLES:
        raise PermissionDenied("see deaths and departures", "查看死亡及转出登记")
    rows = departures_visible(
        actor=actor,
        kind=filters.kind or None,
        since=filters.since,
        until=filters.until,
        standing=filters.standing,
    )
    return _Rows(rows)


@router.get("/imports/{int:job_id}/departures", response={200: DepartureImportOut, **ERRORS})
def imports_departures(request: HttpRequest, job_id: int) -> dict[str, Any]:
    """What a civil-affairs file's import did beyond its rows (the job page's figures):
    departures recorded, cards cancelled, applications withdrawn, queued texts stopped."""
    actor = request_actor(request)
    if not actor.may_import:
        raise PermissionDenied("see imports", "查看导入任务")
    job = ImportJob.objects.filter(pk=job_id, kind=ImportJob.Kind.DEPARTURES).first()
    if job is None:
        raise NotFound("import job", what_zh="该导入任务")
    done = departure_import_summary(job)
    return {
        "job_id": job.pk,
        "recorded": done.recorded,
        "cards_cancelled": done.cards_cancelled,
        "applications_withdrawn": done.applications_withdrawn,
        "messages_stopped": done.messages_stopped,
    }

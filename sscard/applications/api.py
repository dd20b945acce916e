"""API operations of applications: individual applications on every channel, photos,
collective applications in BJ-06's four steps, and staff confirmation."""

# No ``from __future__ import annotations``: Ninja reads these signatures at import time.

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from sscard.applications.models import Application, CollectiveApplication, Photo, RosterEntry
from sscard.applications.schemas import (
    ApplicationIn,
    ApplicationOut,
    CollectiveArrangeIn,
    CollectiveDetailOut,
    CollectiveOpenIn,
    CollectiveOut,
    ConfirmIn,
    DayIn,
    InvitationOut,
    PhotoOut,
    RemindOut,
    RosterAddIn,
    RosterEntryOut,
    RosterJobOut,
    RosterResultOut,
    SubmitOut,
)
from sscard.applications.selectors import (
    application_get,
    application_list,
    application_person,
    collective_get,
    collective_visible,
    roster_entries,
    roster_entry_hold,
    roster_invitations,
    roster_progress,
)
from sscard.applications.services import (
    application_cancel,
    application_submit,
    collective_arrange,
    collective_notify,
    collective_open,
    collective_submit,
    photo_store,
    roster_add_staff,
    roster_confirm,
    roster_remind,
)
from sscard.applications.services.roster_jobs import OBJECT as ROSTER_OBJECT
from sscard.applications.services.roster_jobs import ROSTER_JOB, roster_upload_queue
from sscard.core.errors import NotFound
from sscard.core.models import BackgroundJob
from sscard.core.pagination import PageNumberPagination
from sscard.core.request_errors import RequestErrorCode
from sscard.core.schemas import ERRORS, ErrorOut
from sscard.core.views import request_actor
from sscard.registry.choices import DisclosurePurpose
from sscard.registry.services import COUNTER_APPLICATION_FIELDS, disclosure_record

router = Router(tags=["applications"])
PAGE_SIZE = 50
WRITE_ERRORS = {409: ErrorOut, **ERRORS}


# --- individual applications ----------------------------------------------------------------


@router.get("/applications", response={200: list[ApplicationOut], **ERRORS})
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
def applications_list(request: HttpRequest) -> QuerySet[Application]:
    """The caller's applications: own (and children's), the outlet's, the unit's, the city's."""
    return application_list(actor=request_actor(request))


@router.post("/applications", response={201: ApplicationOut, 429: ErrorOut, **WRITE_ERRORS})
def applications_create(request: HttpRequest, body: ApplicationIn) -> Status[Application]:
    """Apply for a card on a channel; the policy pack in force decides, with its reason code.

    Refusals: the engine's reason (``individual_third_gen_closed``, ``use_community_centre``,
    ``school_not_notified``, ``no_campaign_in_force``, ``bank_not_partner`` …),
    ``application_already_open`` (409), ``card_already_held`` (409: a current card of the
    generation decided is held already), ``photo_required``, ``photo_source_not_offered``,
    ``backup_centre_required``, ``channel_not_available``. A clerk's application for
    someone is an access event the holder reads (``GET /me/access-events``); beyond the
    hourly lookup limits it answers 429 ``lookup_limit_clerk`` / ``lookup_limit_outlet``.
    """
    actor = request_actor(request)
    person = application_person(actor=actor, id_number=body.id_number, person_id=body.person_id)
    disclosure_record(
        actor=actor,
        person=person,
        purpose=DisclosurePurpose.COUNTER_APPLICATION,
        fields=COUNTER_APPLICATION_FIELDS,
    )
    application = application_submit(
        actor=actor,
        person=person,
        channel=body.channel,
        action=body.action,
        day=body.day,
        photo_source=body.photo_source,
        photo_id=body.photo_id,
        bank=body.bank,
        pickup=body.pickup,
        mailing_address=body.mailing_address,
        backup_centre_id=body.backup_centre_id,
    )
    return Status(201, application_get(actor=actor, application_id=application.pk))


@router.get("/applications/{int:application_id}", response={200: ApplicationOut, **ERRORS})
def applications_get(request: HttpRequest, application_id: int) -> Application:
    return application_get(actor=request_actor(request), application_id=application_id)


@router.post(
    "/applications/{int:application_id}/cancel", response={200: ApplicationOut, **WRITE_ERRORS}
)
def applications_cancel(request: HttpRequest, application_id: int) -> Application:
    """Withdraw an open application (the holder, or the outlet that took it)."""
    actor = request_actor(request)
    application_cancel(actor=actor, application_id=application_id)
    return application_get(actor=actor, application_id=application_id)


@router.post("/photos", response={201: PhotoOut, 413: ErrorOut, **WRITE_ERRORS})
def photos_create(
    request: HttpRequest,
    file: File[UploadedFile],
    id_number: Form[str] = "",
    person_id: Form[int | None] = None,
) -> Status[Photo]:
    """Upload a captured photo (JPEG or PNG, 10 KB–2 MB, 358×441 to 4000×4000 pixels).

    Refused: ``photo_not_image``, ``photo_format_unsupported``, ``photo_too_large``,
    ``photo_too_small``, ``photo_dimensions``.
    """
    actor = request_actor(request)
    person = application_person(actor=actor, id_number=id_number or None, person_id=person_id)
    limit = 2 * 1024 * 1024 + 1
    data = file.read(limit)
    return Status(201, photo_store(actor=actor, person=person, source="captured", data=data))


# --- collective applications ----------------------------------------------------------------


@router.get("/collectives", response={200: list[CollectiveOut], **ERRORS})
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
def collectives_list(request: HttpRequest) -> QuerySet[CollectiveApplication]:
    """The caller's collective applications (HR: its unit's; a bank clerk: its outlet's)."""
    return collective_visible(actor=request_actor(request))


def _detail(collective: CollectiveApplication) -> CollectiveDetailOut:
    out = CollectiveOut.from_orm(collective).dict()
    return CollectiveDetailOut(**out, progress=roster_progress(collective))


@router.post("/collectives", response={201: CollectiveDetailOut, **WRITE_ERRORS})
def collectives_open(request: HttpRequest, body: CollectiveOpenIn) -> Status[CollectiveDetailOut]:
    """Step 1 (BJ-06): open a collective application — HR online, or a bank clerk (BJ-07)."""
    actor = request_actor(request)
    collective = collective_open(actor=actor, day=body.day, employer_id=body.employer_id)
    return Status(201, _detail(collective_get(actor=actor, collective_id=collective.pk)))


@router.get("/collectives/{int:collective_id}", response={200: CollectiveDetailOut, **ERRORS})
def collectives_get(request: HttpRequest, collective_id: int) -> CollectiveDetailOut:
    return _detail(collective_get(actor=request_actor(request), collective_id=collective_id))


@router.post(
    "/collectives/{int:collective_id}/arrange", response={200: CollectiveDetailOut, **WRITE_ERRORS}
)
def collectives_arrange(
    request: HttpRequest, collective_id: int, body: CollectiveArrangeIn
) -> CollectiveDetailOut:
    """Step 2: the pickup method, the account bank and the bank outlet."""
    actor = request_actor(request)
    collective_arrange(
        actor=actor,
        collective_id=collective_id,
        day=body.day,
        pickup=body.pickup,
        bank=body.bank,
        outlet_id=body.outlet_id,
    )
    return _detail(collective_get(actor=actor, collective_id=collective_id))


@router.post(
    "/collectives/{int:collective_id}/roster", response={200: RosterResultOut, **WRITE_ERRORS}
)
def collectives_roster_add(
    request: HttpRequest, collective_id: int, body: RosterAddIn
) -> RosterResultOut:
    """List the unit's insured staff (all, or those named) on the roster."""
    result = roster_add_staff(
        actor=request_actor(request),
        collective_id=collective_id,
        day=body.day,
        person_ids=body.person_ids,
    )
    return _roster_out(result)


@router.post(
    "/collectives/{int:collective_id}/roster/upload",
    response={200: RosterResultOut, 202: RosterJobOut, 413: ErrorOut, **WRITE_ERRORS},
)
def collectives_roster_upload(
    request: HttpRequest,
    response: HttpResponse,
    collective_id: int,
    day: Form[str],
    file: File[UploadedFile],
) -> Status[Any]:
    """Build the roster from a CSV/XLSX (``id_number``, ``name``); row errors are reported.

    The file is read off the request: the answer is 202 with the queued job (poll its
    ``status_url``, also in ``Location``, until ``finished_at`` is set; its ``result`` then
    holds what this answers with 200 where the file was read at once)."""
    from datetime import date

    try:
        parsed = date.fromisoformat(day)
    except ValueError as exc:
        raise RequestErrorCode.INVALID_INPUT.error(fields=["day"]) from exc
    job = roster_upload_queue(
        actor=request_actor(request), collective_id=collective_id, day=parsed, upload=file
    )
    if job.status == BackgroundJob.Status.SUCCEEDED:
        return Status(200, _roster_result_out(job.result))
    response["Location"] = _roster_job_url(job)
    return Status(202, _roster_job_out(job))


def _roster_result_out(result: dict[str, Any]) -> RosterResultOut:
    return RosterResultOut(
        added=result["added"],
        already=result["already"],
        refused=result["refused"],
        refused_total=result["refused_total"],
        report_path=result["report"],
    )


def _roster_job_url(job: BackgroundJob) -> str:
    return reverse(
        "api:collective_roster_job",
        kwargs={"collective_id": int(job.object_id), "job_id": job.pk},
    )


def _roster_job_out(job: BackgroundJob) -> dict[str, Any]:
    done = job.status == BackgroundJob.Status.SUCCEEDED
    return {
        "id": job.pk,
        "status": job.status,
        "collective_id": int(job.object_id),
        "file_name": job.file_name,
        "result": _roster_result_out(job.result) if done else None,
        "error_code": job.error_code,
        "error_message_zh": job.error_message_zh,
        "error_message_en": job.error_message_en,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "status_url": _roster_job_url(job),
    }


@router.get(
    "/collectives/{int:collective_id}/roster/jobs/{int:job_id}",
    response={200: RosterJobOut, **ERRORS},
    url_name="collective_roster_job",
)
def collectives_roster_job(request: HttpRequest, collective_id: int, job_id: int) -> dict[str, Any]:
    """A queued roster upload: its status, then what it did or why the file was refused."""
    collective_get(actor=request_actor(request), collective_id=collective_id)
    job = BackgroundJob.objects.filter(
        pk=job_id, kind=ROSTER_JOB, object_type=ROSTER_OBJECT, object_id=str(collective_id)
    ).first()
    if job is None:
        raise NotFound("roster upload", what_zh="该名单上传任务")
    return _roster_job_out(job)


@router.get(
    "/collectives/{int:collective_id}/roster/report/{name}",
    response={200: None, **ERRORS},
    summary="Download a roster upload's error report",
)
def collectives_roster_report(request: HttpRequest, collective_id: int, name: str) -> FileResponse:
    """The row-level error report of an upload (row, column, code, messages; no personal data)."""
    collective_get(actor=request_actor(request), collective_id=collective_id)
    path = Path(settings.SSCARD_REPORTS_DIR) / Path(name).name
    if not path.name.startswith(f"roster-{collective_id}-") or not path.is_file():
        raise NotFound("report", what_zh="该报告")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=path.name,
        content_type="text/csv; charset=utf-8",
    )


def _roster_out(result: object) -> RosterResultOut:
    return RosterResultOut(
        added=getattr(result, "added", 0),
        already=getattr(result, "already", 0),
        refused=dict(getattr(result, "refused", {})),
        refused_total=getattr(result, "refused_total", 0),
        # Only the report's name: where the server keeps it is none of the caller's business.
        report_path=Path(getattr(result, "report_path", "") or ".").name,
    )


@router.get(
    "/collectives/{int:collective_id}/roster", response={200: list[RosterEntryOut], **ERRORS}
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
def collectives_roster(
    request: HttpRequest, collective_id: int, status: str | None = None
) -> list[RosterEntryOut]:
    """Progress per employee, masked: listed, invited (not confirmed) or confirmed; staff who
    already hold a card of the collective's generation, or have an application in progress
    elsewhere, are named as not applicable (``not_applicable``, with the reason to show)."""
    collective = collective_get(actor=request_actor(request), collective_id=collective_id)
    return _entries(roster_entries(collective, status=status))


def _entries(entries: QuerySet[RosterEntry]) -> list[RosterEntryOut]:
    return [
        RosterEntryOut(
            id=e.pk,
            person_id=e.person_id,
            person_name=e.person.masked_name,
            id_number=e.person.masked_id_number,
            status=e.status,
            phone_masked=e.masked_phone or e.person.masked_phone,
            photo_source=e.photo_source,
            backup_centre_id=e.backup_centre_id,
            reminders=e.reminders,
            invited_at=e.invited_at,
            confirmed_at=e.confirmed_at,
            not_applicable=roster_entry_hold(e)[0],
            not_applicable_reason=roster_entry_hold(e)[1],
        )
        for e in entries
    ]


@router.post(
    "/collectives/{int:collective_id}/notify", response={200: CollectiveDetailOut, **WRITE_ERRORS}
)
def collectives_notify(request: HttpRequest, collective_id: int) -> CollectiveDetailOut:
    """Step 3: invite the listed staff to confirm by SMS (text only, no link: BJ-13)."""
    actor = request_actor(request)
    collective_notify(actor=actor, collective_id=collective_id)
    return _detail(collective_get(actor=actor, collective_id=collective_id))


@router.post("/collectives/{int:collective_id}/remind", response={200: RemindOut, **WRITE_ERRORS})
def collectives_remind(request: HttpRequest, collective_id: int) -> RemindOut:
    """Send the invitation again to staff who have not confirmed."""
    return RemindOut(
        messages=roster_remind(actor=request_actor(request), collective_id=collective_id)
    )


@router.post("/collectives/{int:collective_id}/submit", response={200: SubmitOut, **WRITE_ERRORS})
def collectives_submit(request: HttpRequest, collective_id: int, body: DayIn) -> SubmitOut:
    """Step 4: submit the confirmed staff; the rest stay listed as unconfirmed. Staff who
    already hold a current card of the generation (``already_held``) or have an application
    open elsewhere (``already_open``) are left out."""
    actor = request_actor(request)
    result = collective_submit(actor=actor, collective_id=collective_id, day=body.day)
    return SubmitOut(
        collective=CollectiveOut.from_orm(collective_get(actor=actor, collective_id=collective_id)),
        submitted=result.submitted,
        unconfirmed=result.unconfirmed,
        already_open=result.already_open,
        already_held=result.already_held,
    )


# --- staff confirmation ---------------------------------------------------------------------


def _invitation(entry: RosterEntry) -> InvitationOut:
    return InvitationOut(
        id=entry.pk,
        collective_id=entry.collective_id,
        employer_name=entry.collective.employer.name,
        step=entry.collective.step,
        pickup=entry.collective.pickup,
        status=entry.status,
        phone_masked=entry.masked_phone,
        photo_source=entry.photo_source,
        backup_centre_id=entry.backup_centre_id,
        confirmed_at=entry.confirmed_at,
    )


@router.get("/invitations", response={200: list[InvitationOut], **ERRORS})
def invitations_list(request: HttpRequest) -> list[InvitationOut]:
    """The holder's invitations to confirm card data."""
    return [_invitation(e) for e in roster_invitations(actor=request_actor(request))[:50]]


@router.post("/invitations/{int:entry_id}/confirm", response={200: InvitationOut, **WRITE_ERRORS})
def invitations_confirm(request: HttpRequest, entry_id: int, body: ConfirmIn) -> InvitationOut:
    """Confirm or correct phone, address, photo source and backup centre (BJ-04)."""
    actor = request_actor(request)
    roster_confirm(
        actor=actor,
        entry_id=entry_id,
        day=body.day,
        phone=body.phone,
        photo_source=body.photo_source,
        photo_id=body.photo_id,
        mailing_address=body.mailing_address,
        backup_centre_id=body.backup_centre_id,
    )
    found = roster_invitations(actor=actor).get(pk=entry_id)
    return _invitation(found)

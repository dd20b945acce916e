"""API operations of the portal: who am I, and bulk imports."""

# No ``from __future__ import annotations`` here: Ninja reads these signatures through
# ``@paginate``'s wrapper, whose module could not resolve postponed (string) annotations.

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import File, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from sscard.campaigns.selectors import packs_in_force
from sscard.core.actors import ROLE_LABELS
from sscard.core.approvals import approval_decide, approval_withdraw
from sscard.core.models import ImportJob
from sscard.core.pagination import PageNumberPagination
from sscard.core.schemas import ERRORS, ErrorOut
from sscard.core.views import english_page, request_actor
from sscard.portal.approval_rows import ApprovalRows, approval_get, approval_list, approval_row
from sscard.portal.onboarding import relying_parties_upload
from sscard.portal.schemas import (
    AccessEventOut,
    ApprovalDecisionIn,
    ApprovalOut,
    BankLineOut,
    ContactOut,
    DirectoryOut,
    ImportJobOut,
    IssuedTokenOut,
    MeOut,
    OnboardingOut,
)
from sscard.portal.selectors import (
    AccessEventPages,
    access_event_list,
    import_job_get,
    import_job_list,
    import_job_report,
)
from sscard.portal.services import import_upload

router = Router(tags=["portal"])


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request: HttpRequest) -> MeOut:
    """The caller's role and scope, e.g. to check that a token works."""
    actor = request_actor(request)
    return MeOut(
        username=actor.label,
        role=actor.role.value,
        role_label=str(ROLE_LABELS[actor.role]),
        district_code=actor.district_code,
        employer_id=actor.employer_id,
        outlet_id=actor.outlet_id,
        person_id=actor.person_id,
        relying_party_id=actor.relying_party_id,
    )


@router.get("/imports", response={200: list[ImportJobOut], **ERRORS})
@paginate(PageNumberPagination, page_size=50)
def imports_list(request: HttpRequest) -> QuerySet[ImportJob]:
    return import_job_list(actor=request_actor(request))


@router.get("/imports/{int:job_id}", response={200: ImportJobOut, **ERRORS}, url_name="imports_get")
def imports_get(request: HttpRequest, job_id: int) -> ImportJob:
    return import_job_get(actor=request_actor(request), job_id=job_id)


@router.get(
    "/imports/{int:job_id}/report",
    response={200: None, **ERRORS},
    # The status as an int, as in ``response=``: a string "200" would sit beside it and the
    # document would repeat the key (JSON parsers forgive it; Swagger UI's YAML parser does not).
    openapi_extra={
        "responses": {
            200: {"description": "The error report (CSV).", "content": {"text/csv": {}}},
        },
    },
)
def imports_report(request: HttpRequest, job_id: int) -> FileResponse:
    """The job's error report: CSV with row, column, code, message_zh, message_en."""
    job, path = import_job_report(actor=request_actor(request), job_id=job_id)
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"import-{job.pk}-errors.csv",
        content_type="text/csv; charset=utf-8",
    )


# After the GETs: Django matches paths in order, and "/imports/{kind}" would also match
# "/imports/7".
@router.post(
    "/imports/{kind}",
    response={201: ImportJobOut, 202: ImportJobOut, 400: ErrorOut, 413: ErrorOut, **ERRORS},
    summary="Import a CSV or XLSX file",
)
def imports_create(
    request: HttpRequest, response: HttpResponse, kind: ImportJob.Kind, file: File[UploadedFile]
) -> Status[ImportJob]:
    """Queue the bulk import of one file and answer its job at once: 202 while it is queued or
    runs (poll ``status_url``, also in ``Location``, until ``finished_at`` is set), 201 if it
    has finished already (where imports run in the caller). A file whose header is wrong is
    refused at once (400, with the refused job's id in ``details.job_id``); a file refused
    further in ends its job ``refused``, with the located messages.

    Valid rows go in and refused rows are listed in the job's error report.
    """
    job = import_upload(actor=request_actor(request), kind=kind, upload=file)
    waiting = job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)
    response["Location"] = reverse("api:imports_get", kwargs={"job_id": job.pk})
    return Status(202 if waiting else 201, job)


@router.get(
    "/me/access-events",
    response={200: list[AccessEventOut], **ERRORS},
    summary="Who looked at my record",
)
@paginate(PageNumberPagination, page_size=50)
def me_access_events(request: HttpRequest) -> AccessEventPages:
    """The holder's own record as others saw it, newest first: each counter lookup, card
    service or application a clerk looked them up for — role, outlet and bank by name, when,
    which parts of the record, for what service (谁查看了我的信息). Holders only (403)."""
    events = access_event_list(actor=request_actor(request))
    return AccessEventPages(events, english=english_page())


@router.post(
    "/relying-parties/import",
    response={201: OnboardingOut, 400: ErrorOut, 413: ErrorOut, **ERRORS},
    summary="Onboard relying parties from a file (SH-03)",
)
def relying_parties_import(request: HttpRequest, file: File[UploadedFile]) -> Status[OnboardingOut]:
    """Register the hospitals, pharmacies, transport operators and bank terminals of a CSV or
    XLSX file (columns ``party_code, name, kind, district, contact``), each with its own account
    and API token; city officers for their city, a district officer for their district.

    All or nothing: one refused row refuses the file (422 ``relying_parties_refused``, every
    row's error in ``details.errors``) and nothing is written. A party already registered as
    the file says is unchanged and gets no new token. **Each new party's token is in this
    answer and nowhere else** (only its digest is stored): hand it over, then forget it."""
    result = relying_parties_upload(actor=request_actor(request), upload=file)
    return Status(
        201,
        OnboardingOut(
            rows=result.rows,
            unchanged=result.unchanged,
            created=[
                IssuedTokenOut(
                    code=t.code,
                    name=t.name,
                    kind=t.kind,
                    district=t.district,
                    username=t.username,
                    token=t.token,
                )
                for t in result.issued
            ],
        ),
    )


@router.get(
    "/contacts",
    auth=None,
    response={200: list[DirectoryOut]},
    summary="The contact directory of the packs in force (SH-17)",
)
def contacts(request: HttpRequest) -> list[DirectoryOut]:
    """Whom to ask, as the help page lists it: each city's pack in force, its hotlines,
    websites and apps in both languages, and each partner bank's own line. Public."""
    return [
        DirectoryOut(
            city=pack.city,
            pack_id=pack.id,
            title_zh=pack.title,
            title_en=pack.title_en,
            contacts=[
                ContactOut(
                    kind=c.kind,
                    name_zh=c.name_zh,
                    name_en=c.name_en,
                    phone=c.phone,
                    url=c.url,
                    what_zh=c.what_zh,
                    what_en=c.what_en,
                )
                for c in pack.contacts
            ],
            bank_lines=[
                BankLineOut(name_zh=b.name_zh, name_en=b.name_en, hotline=b.hotline)
                for b in pack.banks
                if b.hotline
            ],
        )
        for pack in packs_in_force()
    ]


# --- Changes awaiting a second officer (maker-checker) ---


@router.get("/approvals", response={200: list[ApprovalOut], **ERRORS})
@paginate(PageNumberPagination, page_size=50)
def approvals_list(request: HttpRequest, state: str = "") -> ApprovalRows:
    """The changes the caller may see (officers: their city or district), newest first;
    ``state`` is one of ``pending``, ``applied``, ``rejected``, ``withdrawn``."""
    actor = request_actor(request)
    return ApprovalRows(actor, approval_list(actor=actor, state=state))


@router.get("/approvals/{int:approval_id}", response={200: ApprovalOut, **ERRORS})
def approvals_get(request: HttpRequest, approval_id: int) -> dict[str, Any]:
    actor = request_actor(request)
    return approval_row(actor, approval_get(actor=actor, approval_id=approval_id))


@router.post(
    "/approvals/{int:approval_id}/decision",
    response={200: ApprovalOut, **ERRORS},
    summary="Approve and apply, or reject, a change another officer proposed",
)
def approvals_decide(
    request: HttpRequest, approval_id: int, body: ApprovalDecisionIn
) -> dict[str, Any]:
    """The checker's decision. The maker cannot decide their own change
    (403 ``approval_own_change``); a change decided meanwhile is 409 ``approval_not_pending``;
    a rejection needs a note (422 ``approval_note_required``); a change its kind refuses to
    apply stays pending and the refusal is answered."""
    actor = request_actor(request)
    row = approval_decide(
        actor=actor, approval_id=approval_id, approve=body.approve, note=body.note
    )
    return approval_row(actor, row)


@router.post(
    "/approvals/{int:approval_id}/withdrawal",
    response={200: ApprovalOut, **ERRORS},
    summary="Withdraw a change one proposed, while it awaits approval",
)
def approvals_withdraw(request: HttpRequest, approval_id: int) -> dict[str, Any]:
    actor = request_actor(request)
    return approval_row(actor, approval_withdraw(actor=actor, approval_id=approval_id))

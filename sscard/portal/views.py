"""Pages of the portal: the home page of each role, sign-in, bulk imports, API tokens."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sscard.cards.departure_import import departure_import_summary
from sscard.core.actors import ROLE_LABELS, Role
from sscard.core.calendar import calendar_status
from sscard.core.clock import today
from sscard.core.errors import ApplicationError
from sscard.core.exports import Cell, Column, ExportTable, coded, export_response
from sscard.core.htmx import template_for
from sscard.core.models import AuditEvent, ImportJob
from sscard.core.names import list_separator
from sscard.core.views import actor_required, english_page, error_text, request_actor
from sscard.portal.forms import ApiTokenForm, ImportUploadForm
from sscard.portal.navigation import AUDIENCES, LATER, actions_for
from sscard.portal.selectors import (
    AccessEventPages,
    access_event_list,
    access_events_named,
    account_get,
    api_token_list,
    import_job_get,
    import_job_list,
    import_job_report,
    public_directory,
)
from sscard.portal.services import (
    IMPORT_COLUMNS,
    api_token_create,
    api_token_revoke,
    import_upload,
)

IMPORT_ROLES = (Role.CITY_OFFICER,)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """What each role can do here (signed out), or the signed-in role's actions."""
    actor = getattr(request, "actor", None)
    in_force = public_directory(english=english_page())
    if actor is None:
        return render(
            request,
            "portal/home_visitor.html",
            {
                "signed_in_without_role": request.user.is_authenticated,
                "audiences": AUDIENCES,
                "in_force": in_force,
            },
        )
    return render(
        request,
        "portal/home.html",
        {
            "actions": actions_for(actor, is_staff=request.user.is_staff),
            "later": LATER.get(actor.role, ()),
            "in_force": in_force,
            "role_label": ROLE_LABELS[actor.role],
            # The city officer is told from 60 days before the official calendar runs out.
            "calendar": (
                calendar_status(actor=actor, today=today())
                if actor.role is Role.CITY_OFFICER
                else None
            ),
        },
    )


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = True


def signin_locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, object] | None = None,
) -> HttpResponse:
    """The answer to a sign-in refused after too many failures (``AXES_LOCKOUT_CALLABLE``):
    a page in the reader's language, 429, saying when to try again."""
    return render(
        request,
        "portal/signin_locked.html",
        {"minutes": settings.SSCARD_LOGIN_COOLOFF_MINUTES},
        status=429,
    )


@actor_required(*IMPORT_ROLES)
def import_list(request: HttpRequest) -> HttpResponse:
    jobs = import_job_list(actor=request_actor(request))
    page = Paginator(jobs, 25).get_page(request.GET.get("page"))
    return render(request, "portal/import_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
@actor_required(*IMPORT_ROLES)
def import_create(request: HttpRequest) -> HttpResponse:
    """Upload a file and queue its import: the job's page follows at once and shows its
    progress. A refused file is shown again on this page, its error located (row, cell,
    columns) and the kind chosen kept; the file itself must be chosen again (a browser keeps
    no file input)."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    refused_job: int | None = None
    if request.method == "POST" and form.is_valid():
        try:
            job = import_upload(
                actor=request_actor(request),
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )
        except ApplicationError as error:
            if error.code == "permission_denied":
                raise
            job_id = error.details.get("job_id")
            refused_job = job_id if isinstance(job_id, int) else None
            form.add_error("file", error_text(error))
        else:
            return redirect("portal:import_detail", job_id=job.pk)
    columns = [
        (label, ", ".join(IMPORT_COLUMNS[kind]))
        for kind, label in ImportJob.Kind.choices
        if kind in IMPORT_COLUMNS
    ]
    return render(
        request,
        "portal/import_create.html",
        {"form": form, "columns": columns, "refused_job": refused_job},
        status=400 if form.errors else 200,
    )


def _job_context(job: ImportJob) -> dict[str, object]:
    """What the job's page shows: whether to poll, how far it read, why it stopped."""
    waiting = job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)
    english = english_page()
    return {
        "job": job,
        "running": waiting,
        "percent": min(100, 100 * job.bytes_read // job.file_bytes) if job.file_bytes else 0,
        "error_message": job.error_message_en if english else job.error_message_zh,
        "error_name": IMPORT_ERROR_NAMES.get(job.error_code),
        # What a civil-affairs file did beyond its rows: cards cancelled, applications withdrawn.
        "departures": (
            departure_import_summary(job) if job.kind == ImportJob.Kind.DEPARTURES else None
        ),
    }


# What ended a job that no refusal explains (a refusal's own message says why).
IMPORT_ERROR_NAMES = {
    "import_interrupted": _lazy(
        "The server stopped during the import; the next start resumes it after its last "
        "committed rows."
    ),
    "import_abandoned": _lazy(
        "The import's process ended before it finished; it resumes when the server starts "
        "again, or when the same file is uploaded again."
    ),
    "import_upload_missing": _lazy("The uploaded file was gone before the import read it."),
    "internal_error": _lazy("The import failed on an internal error; the rows committed stay."),
}


@actor_required(*IMPORT_ROLES)
def import_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    """A job's progress, counts and report; while it is queued or runs, htmx polls this
    page's fragment."""
    job = import_job_get(actor=request_actor(request), job_id=job_id)
    template = template_for(request, "portal/import_detail.html", "portal/htmx/import_job.html")
    return render(request, template, _job_context(job))


@actor_required(*IMPORT_ROLES)
def import_report(request: HttpRequest, job_id: int) -> FileResponse:
    job, path = import_job_report(actor=request_actor(request), job_id=job_id)
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"import-{job.pk}-errors.csv",
        content_type="text/csv; charset=utf-8",
    )


@require_http_methods(["GET", "POST"])
@actor_required()
def token_list(request: HttpRequest) -> HttpResponse:
    """The caller's API tokens; a new token's plaintext is shown once, right after issue."""
    actor = request_actor(request)
    form = ApiTokenForm(request.POST or None)
    plaintext: str | None = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, plaintext = api_token_create(
                actor=actor, account=account_get(actor=actor), name=form.cleaned_data["name"]
            )
        except ApplicationError as error:
            form.add_error("name", error_text(error))
        else:
            form = ApiTokenForm()
    tokens = api_token_list(actor=actor)
    return render(
        request,
        "portal/token_list.html",
        {"form": form, "tokens": tokens, "plaintext": plaintext},
    )


@require_POST
@actor_required()
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = api_token_revoke(actor=request_actor(request), token_id=token_id)
    messages.success(request, _("Token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("portal:token_list")


@actor_required(Role.CARDHOLDER)
def access_events(request: HttpRequest) -> HttpResponse:
    """Who looked at the holder's record: each clerk's lookup, newest first (谁查看了我的信息)."""
    events = AccessEventPages(
        access_event_list(actor=request_actor(request)), english=english_page()
    )
    page = Paginator(events, 25).get_page(request.GET.get("page"))
    return render(request, "portal/access_events.html", {"page": page})


def _import_rows(jobs: QuerySet[ImportJob]) -> Iterator[Sequence[Cell]]:
    kinds, statuses = dict(ImportJob.Kind.choices), dict(ImportJob.Status.choices)
    for job in jobs.iterator(chunk_size=2000):
        yield (
            job.pk,
            str(kinds.get(job.kind, job.kind)),
            job.kind,
            job.file_name,
            job.file_digest,
            str(statuses.get(job.status, job.status)),
            job.status,
            job.rows_read,
            job.rows_inserted,
            job.rows_unchanged,
            job.rows_refused,
            job.error_code,
            job.started_at,
            job.finished_at,
            job.actor_label,
        )


@actor_required(*IMPORT_ROLES)
def import_export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    """The import jobs as the page lists them, as XLSX or CSV."""
    table = ExportTable(
        title=_("Bulk imports"),
        file_stem="imports",
        columns=[
            Column("#", 8),
            *coded(_("Kind")),
            Column(_("File"), 30),
            Column(_("File SM3 digest"), 20),
            *coded(_("Status")),
            Column(_("Read"), 10),
            Column(_("Inserted"), 10),
            Column(_("Unchanged"), 10),
            Column(_("Refused"), 10),
            Column(_("Error code"), 16),
            Column(_("Started"), 20),
            Column(_("Finished"), 20),
            Column(_("By"), 16),
        ],
        rows=_import_rows(import_job_list(actor=request_actor(request))),
    )
    return export_response(request, table, fmt)


def _access_rows(events: QuerySet[AuditEvent], *, english: bool) -> Iterator[Sequence[Cell]]:
    """The holder's access events, named a slice at a time (one outlet query per slice)."""
    batch: list[AuditEvent] = []
    iterator = events.iterator(chunk_size=500)
    while True:
        batch = list(islice(iterator, 500))
        if not batch:
            return
        for event in access_events_named(batch, english=english):
            yield (
                event.at,
                event.role_label,
                event.role,
                event.outlet_name,
                event.bank_name,
                event.purpose_label,
                event.purpose,
                list_separator(english=english).join(event.field_labels),
                ",".join(event.fields),
            )


@actor_required(Role.CARDHOLDER)
def access_event_export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    """Who looked at the holder's record, as the page lists it, as XLSX or CSV."""
    english = english_page()
    table = ExportTable(
        title=_("Who looked at my record"),
        file_stem="access-events",
        columns=[
            Column(_("When"), 20),
            *coded(_("Who"), width=18),
            Column(_("Outlet"), 30),
            Column(_("Bank"), 20),
            *coded(_("For what service"), width=20),
            *coded(_("Parts of the record shown"), width=40),
        ],
        rows=_access_rows(access_event_list(actor=request_actor(request)), english=english),
    )
    return export_response(request, table, fmt)

"""Pages of the portal: the home page of each role, sign-in, bulk imports, API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sscard.core.actors import ROLE_LABELS, Role
from sscard.core.calendar import calendar_status
from sscard.core.clock import today
from sscard.core.errors import ApplicationError
from sscard.core.htmx import template_for
from sscard.core.models import ImportJob
from sscard.core.views import actor_required, english_page, error_text, request_actor
from sscard.portal.forms import ApiTokenForm, ImportUploadForm
from sscard.portal.navigation import LATER, actions_for
from sscard.portal.selectors import (
    AccessEventPages,
    access_event_list,
    account_get,
    api_token_list,
    import_job_get,
    import_job_list,
    import_job_report,
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
    if actor is None:
        return render(
            request,
            "portal/home_visitor.html",
            {"signed_in_without_role": request.user.is_authenticated},
        )
    return render(
        request,
        "portal/home.html",
        {
            "actions": actions_for(actor, is_staff=request.user.is_staff),
            "later": LATER.get(actor.role, ()),
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
    """Upload a file, run its import, show the job (or why the file was refused)."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
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
            message = error_text(error)
            job_id = error.details.get("job_id")
            if isinstance(job_id, int):  # the file was refused as a whole; its job says so
                messages.error(request, message)
                return redirect("portal:import_detail", job_id=job_id)
            form.add_error("file", message)
        else:
            return redirect("portal:import_detail", job_id=job.pk)
    columns = [(label, ", ".join(IMPORT_COLUMNS[kind])) for kind, label in ImportJob.Kind.choices]
    return render(request, "portal/import_create.html", {"form": form, "columns": columns})


@actor_required(*IMPORT_ROLES)
def import_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    """A job's counts and report; while it runs, htmx polls this page's fragment."""
    job = import_job_get(actor=request_actor(request), job_id=job_id)
    template = template_for(request, "portal/import_detail.html", "portal/htmx/import_job.html")
    return render(
        request, template, {"job": job, "running": job.status == ImportJob.Status.RUNNING}
    )


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

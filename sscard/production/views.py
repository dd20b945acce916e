"""Pages of card production: the batches with their progress, one batch with its files, the
factory's results and its defects. Views parse, call a service or selector, and render."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from sscard.core.actors import Role
from sscard.core.clock import today
from sscard.core.errors import ApplicationError
from sscard.core.htmx import htmx_partial
from sscard.core.views import actor_required, english_page, error_text, request_actor
from sscard.policy.engine import CHANNEL_NAMES
from sscard.production.choices import BatchStatus
from sscard.production.forms import ResultUploadForm
from sscard.production.models import Batch
from sscard.production.selectors import (
    applications_waiting,
    batch_defects,
    batch_exports,
    batch_page_get,
    batch_progress,
    batch_results,
    batch_rows,
    latest_exports,
)
from sscard.production.services import (
    batch_export,
    batch_start,
    batches_form,
    factory_result_import,
)

OPERATOR = Role.PRODUCTION_OPERATOR
PAGE_SIZE = 50


def _channel(code: str) -> str:
    names = CHANNEL_NAMES.get(code)
    if names is None:
        return code
    if not english_page():
        return names[0]
    # The engine's English names run inside sentences ("a partner bank outlet"); a table
    # cell wants the name alone.
    text = re.sub(r"^(a|an|the) ", "", names[1])
    return text[:1].upper() + text[1:]


def _row(batch: Batch) -> dict[str, Any]:
    progress = batch_progress(batch)
    total = progress.total or 1
    made_pct = 100 * progress.produced // total
    return {
        "batch": batch,
        "channel": _channel(batch.channel),
        "progress": progress,
        "made_pct": made_pct,
        # measured to the end of both, so that rounding leaves no gap after them
        "defective_pct": 100 * (progress.produced + progress.defective) // total - made_pct,
        "to_dispatch": getattr(batch, "n_to_dispatch", 0),
    }


def _refused(request: HttpRequest, error: ApplicationError) -> None:
    messages.error(request, f"{error_text(error)} ({error.code})")


def _to_batch(batch_id: int) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("production:batch", args=[batch_id]))


@actor_required(OPERATOR)
def batch_list_page(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    page = Paginator(batch_rows(actor=actor), PAGE_SIZE).get_page(request.GET.get("page"))
    batches = list(page.object_list)
    exports = latest_exports([b.pk for b in batches])
    rows = [{**_row(b), "export": exports.get(b.pk)} for b in batches]
    context = {"page": page, "rows": rows, "waiting": applications_waiting()}
    return render(request, "production/batches.html", context)


@require_POST
@actor_required(OPERATOR)
def batches_form_view(request: HttpRequest) -> HttpResponse:
    try:
        formed = batches_form(actor=request_actor(request), today=today())
    except ApplicationError as error:
        _refused(request, error)
    else:
        if formed:
            messages.success(
                request,
                _("%(batches)d batches formed with %(cards)d cards.")
                % {"batches": len(formed), "cards": sum(b.card_count for b in formed)},
            )
        else:
            messages.info(request, _("No submitted application is waiting for a batch."))
    return HttpResponseRedirect(reverse("production:batches"))


def _detail_context(request: HttpRequest, batch: Batch) -> dict[str, Any]:
    return {
        **_row(batch),
        "exports": list(batch_exports(batch.pk)[:20]),
        "results": list(batch_results(batch.pk)[:20]),
        "defects": list(batch_defects(actor=request_actor(request), batch_id=batch.pk)[:500]),
        "upload_form": ResultUploadForm(),
        "polling": batch.status == BatchStatus.PERSONALISING,
    }


@actor_required(OPERATOR)
def batch_page(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = batch_page_get(actor=request_actor(request), batch_id=batch_id)
    return render(request, "production/batch.html", _detail_context(request, batch))


@actor_required(OPERATOR)
def batch_progress_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The progress panel, polled every 2 s while the batch is personalised. Once it is done,
    the page reloads so that its next step (the factory file) is offered."""
    batch = batch_page_get(actor=request_actor(request), batch_id=batch_id)
    polling = batch.status == BatchStatus.PERSONALISING
    if htmx_partial(request) and not polling and request.GET.get("polling") == "1":
        return HttpResponseClientRefresh()
    if not htmx_partial(request):
        return _to_batch(batch_id)
    context = {**_row(batch), "polling": polling}
    return render(request, "production/htmx/progress.html", context)


@require_POST
@actor_required(OPERATOR)
def batch_start_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    try:
        batch = batch_start(actor=request_actor(request), batch_id=batch_id)
    except ApplicationError as error:
        _refused(request, error)
    else:
        messages.success(
            request, _("Personalisation of batch #%(batch)d has started.") % {"batch": batch.pk}
        )
    return _to_batch(batch_id)


@require_POST
@actor_required(OPERATOR)
def batch_export_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    try:
        files = batch_export(
            actor=request_actor(request),
            batch_id=batch_id,
            out_dir=Path(settings.SSCARD_FACTORY_DIR),
        )
    except ApplicationError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            _(
                "The card-factory file %(file)s is written (%(cards)d cards); "
                "download it and its manifest below."
            )
            % {"file": files.data.name, "cards": files.export.card_count},
        )
    return _to_batch(batch_id)


@actor_required(OPERATOR)
def batch_file_view(request: HttpRequest, batch_id: int, name: str) -> FileResponse:
    """A card-factory file of this batch, or its manifest, from the factory directory."""
    batch = batch_page_get(actor=request_actor(request), batch_id=batch_id)
    names = {e.file_name for e in batch_exports(batch.pk)}
    names |= {n.removesuffix(".sm4") + ".manifest.json" for n in names}
    if name not in names:
        raise Http404
    path = Path(settings.SSCARD_FACTORY_DIR) / name
    if not path.is_file():
        raise Http404
    kind = "application/json" if name.endswith(".json") else "application/octet-stream"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=kind)


@require_POST
@actor_required(OPERATOR)
def batch_result_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    form = ResultUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("file", [])))
        return _to_batch(batch_id)
    imported_before = set(batch_results(batch_id).values_list("pk", flat=True))
    try:
        result = factory_result_import(
            actor=request_actor(request),
            batch_id=batch_id,
            data=form.cleaned_data["file"].read(),
            today=today(),
        )
    except ApplicationError as error:
        _refused(request, error)
    else:
        if result.pk in imported_before:
            messages.info(
                request,
                _("This result file was imported on %(when)s already; nothing changed.")
                % {"when": timezone.localtime(result.created_at).strftime("%Y-%m-%d %H:%M")},
            )
            return _to_batch(batch_id)
        text = _(
            "Factory result imported: %(made)d made, %(defective)d defective, "
            "%(unchanged)d already recorded."
        ) % {"made": result.made, "defective": result.defective, "unchanged": result.unchanged}
        if result.remake_batch_id is not None:
            text += " " + _("The defective cards are remade in batch #%(batch)d.") % {
                "batch": result.remake_batch_id
            }
        messages.success(request, text)
    return _to_batch(batch_id)

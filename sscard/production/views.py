"""Pages of card production: the batches with their progress, one batch with its files, the
factory's results and its defects. Views parse, call a service or selector, and render."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from sscard.cards.choices import CardStage
from sscard.core.actors import Role
from sscard.core.clock import today
from sscard.core.confirm import ConfirmStep, confirmed
from sscard.core.errors import ApplicationError
from sscard.core.exports import Cell, CodeNames, Column, ExportTable, coded, export_response
from sscard.core.htmx import htmx_partial
from sscard.core.jobs import job_latest
from sscard.core.models import BackgroundJob
from sscard.core.names import Kind, name_of
from sscard.core.views import (
    actor_required,
    flash_refusal,
    request_actor,
)
from sscard.production.choices import BatchKind, BatchStatus, FactoryOutcome
from sscard.production.forms import ResultUploadForm
from sscard.production.models import Batch, BatchCard
from sscard.production.rules import (
    BatchPhase,
    result_job_confirm_refusal,
    result_job_discard_refusal,
)
from sscard.production.selectors import (
    applications_waiting,
    batch_cards,
    batch_defects,
    batch_exports,
    batch_has_dispatched_cards,
    batch_page_get,
    batch_progress,
    batch_results,
    batch_rows,
    batch_steps,
    latest_exports,
)
from sscard.production.services import batch_export, batch_start, batches_form
from sscard.production.services.result_jobs import (
    RESULT_JOB,
    factory_result_confirm,
    factory_result_discard,
    factory_result_queue,
)

OPERATOR = Role.PRODUCTION_OPERATOR
PAGE_SIZE = 50


def _channel(code: str) -> str:
    return name_of(Kind.CHANNEL, code)


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
        # the phase, and each next step offered exactly when its service would accept it
        "steps": batch_steps(batch),
    }


def _refused(request: HttpRequest, error: ApplicationError) -> None:
    flash_refusal(request, error)


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
        # the hand-over sheet is offered by the question its page asks
        "handover": batch_has_dispatched_cards(batch.pk),
        # the latest result import: polled while it runs, then how it ended
        **_result_job_context(
            batch, job_latest(kind=RESULT_JOB, object_type="production.batch", object_id=batch.pk)
        ),
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
    """The factory's result file: written to the uploads folder and queued as one job, which
    checks it and imports it, or asks first when defective cards would be cancelled and
    remade. The same form, posted again with ``confirm=1`` and the file's digest
    (``staged``), confirms that question: the job imports the file it kept."""
    if confirmed(request):
        return _result_confirm(request, batch_id)
    form = ResultUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("file", [])))
        return _to_batch(batch_id)
    try:
        # Nothing of the file is read here: it is written to disk chunk by chunk and the job
        # checks it off the request; where work runs in the caller, the job has ended.
        job = factory_result_queue(
            actor=request_actor(request), batch_id=batch_id, upload=form.cleaned_data["file"]
        )
    except ApplicationError as error:
        _refused(request, error)
        return _to_batch(batch_id)
    return _after_job(request, batch_id, job)


def _after_job(request: HttpRequest, batch_id: int, job: BackgroundJob) -> HttpResponse:
    """Where the operator goes once a result job is queued: the batch page, which shows the
    job's panel (polling while it runs; a refusal with its rows; the question while it
    awaits confirmation, answered here at once where the job has reached it already)."""
    if job.status == BackgroundJob.Status.AWAITING:
        batch = batch_page_get(actor=request_actor(request), batch_id=batch_id)
        return render(request, "production/batch.html", _detail_context(request, batch))
    if job.status == BackgroundJob.Status.SUCCEEDED:
        imported_before, text = result_outcome(job.result)
        (messages.info if imported_before else messages.success)(request, text)
    elif job.status in _WAITING:
        messages.info(
            request,
            _("The result file is being imported; this page shows the outcome when it is done."),
        )
    return _to_batch(batch_id)


# The confirmation names the job's file by its digest (the file itself stays where the job
# keeps it): a question answered after a newer upload replaced the file finds nothing.
STAGED_NAME = re.compile(r"^[0-9a-f]{64}$")


def _awaiting_job(request: HttpRequest, batch_id: int) -> BackgroundJob | None:
    """The batch's result job the posted question is about: by its id, or by its file's
    digest (``staged``); ``None`` when the form names none of the batch's jobs."""
    batch = batch_page_get(actor=request_actor(request), batch_id=batch_id)
    jobs = BackgroundJob.objects.filter(
        kind=RESULT_JOB, object_type="production.batch", object_id=str(batch.pk)
    )
    job_id, staged = request.POST.get("job", ""), request.POST.get("staged", "")
    if job_id.isdigit():
        return jobs.filter(pk=int(job_id)).first()
    if STAGED_NAME.match(staged):
        return jobs.filter(file_digest=staged).order_by("-pk").first()
    return None


def _result_confirm(request: HttpRequest, batch_id: int) -> HttpResponse:
    job = _awaiting_job(request, batch_id)
    if job is None:
        messages.error(request, _("The result file is no longer here; upload it again."))
        return _to_batch(batch_id)
    try:
        job = factory_result_confirm(actor=request_actor(request), job_id=job.pk)
    except ApplicationError as error:
        _refused(request, error)
        return _to_batch(batch_id)
    return _after_job(request, batch_id, job)


@require_POST
@actor_required(OPERATOR)
def batch_result_discard_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Drop a result file awaiting confirmation: nothing is imported, the file is removed."""
    job = _awaiting_job(request, batch_id)
    if job is None:
        messages.error(request, _("The result file is no longer here; upload it again."))
        return _to_batch(batch_id)
    try:
        factory_result_discard(actor=request_actor(request), job_id=job.pk)
    except ApplicationError as error:
        _refused(request, error)
    else:
        messages.info(request, _("The result file was discarded; nothing was imported."))
    return _to_batch(batch_id)


def result_outcome(result: dict[str, Any]) -> tuple[bool, str]:
    """What a finished result import did, as the operator reads it: (imported before, text)."""
    if result.get("imported_before"):
        when = timezone.localtime(datetime.fromisoformat(str(result["created_at"])))
        return True, _("This result file was imported on %(when)s already; nothing changed.") % {
            "when": when.strftime("%Y-%m-%d %H:%M")
        }
    text = _(
        "Factory result imported: %(made)d made, %(defective)d defective, "
        "%(unchanged)d already recorded."
    ) % {"made": result["made"], "defective": result["defective"], "unchanged": result["unchanged"]}
    if result.get("remake_batch_id") is not None:
        text += " " + _("The defective cards are remade in batch #%(batch)d.") % {
            "batch": result["remake_batch_id"]
        }
    return False, text


@actor_required(OPERATOR)
def batch_result_job_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The batch's latest result job, polled every 2 s while it is queued or runs (its phase
    and counts as they come); once it has ended, or awaits confirmation, the page reloads to
    show the result, the question, or why the file was refused (its rows and codes)."""
    batch = batch_page_get(actor=request_actor(request), batch_id=batch_id)
    job = job_latest(kind=RESULT_JOB, object_type="production.batch", object_id=batch.pk)
    waiting = job is not None and job.status in _WAITING
    if htmx_partial(request) and not waiting and request.GET.get("polling") == "1":
        return HttpResponseClientRefresh()
    if not htmx_partial(request):
        return _to_batch(batch_id)
    return render(request, "production/htmx/result_job.html", _result_job_context(batch, job))


_WAITING = (BackgroundJob.Status.QUEUED, BackgroundJob.Status.RUNNING)


def _result_question(batch: Batch, job: BackgroundJob) -> ConfirmStep:
    """The question a result job awaiting confirmation asks, with its two ways on."""
    counts = job.result
    return ConfirmStep(
        action="import-result",
        question=_(
            "The file reports %(made)d cards made and %(defective)d defective. The defective "
            "cards are cancelled at once and remade in a new batch. Import it?"
        )
        % {"made": counts.get("made", 0), "defective": counts.get("defective", 0)},
        button=_("Yes, import it and remake the defective cards"),
        url=reverse("production:results", args=[batch.pk]),
        target="",
        fields=(("job", str(job.pk)), ("staged", job.file_digest)),
        back_url=reverse("production:result_discard", args=[batch.pk]),
        back_fields=(("job", str(job.pk)),),
    )


def _result_job_context(batch: Batch, job: BackgroundJob | None) -> dict[str, Any]:
    """The latest result job of the batch as its panel shows it: its phase while it runs, the
    question (with the buttons its services would accept) while it awaits confirmation, then
    its outcome, or the file's wrong rows."""
    if job is None:
        return {"batch": batch, "result_job": None}
    english = get_language() == "en"
    status = job.status
    awaiting = status == BackgroundJob.Status.AWAITING
    errors = job.result.get("details", {}).get("errors", []) if status == "refused" else []
    return {
        "batch": batch,
        "result_job": job,
        "result_waiting": status in _WAITING,
        "result_phase": job.result.get("phase", "") if status in _WAITING else "",
        "result_outcome": result_outcome(job.result)[1]
        if status == BackgroundJob.Status.SUCCEEDED
        else "",
        "result_error": job.error_message_en if english else job.error_message_zh,
        "result_row_errors": [e.get("message_en" if english else "message_zh") for e in errors],
        "result_more_errors": max(
            0, int(job.result.get("details", {}).get("error_count") or 0) - len(errors)
        ),
        "result_awaiting": awaiting,
        # each button exactly when its service would accept it
        "result_confirm": awaiting and result_job_confirm_refusal(job, batch) is None,
        "result_discard": awaiting and result_job_discard_refusal(job) is None,
        "result_question": _result_question(batch, job) if awaiting else None,
    }


# --------------------------------------------------------------------------------------------
# Exports: the batches list and a batch's cards
# --------------------------------------------------------------------------------------------


def _batch_export_rows(batches: QuerySet[Batch]) -> Iterator[Sequence[Cell]]:
    channels = CodeNames(Kind.CHANNEL)
    kinds = dict(BatchKind.choices)
    for batch in batches.iterator(chunk_size=500):
        progress = batch_progress(batch)
        # the phase the pages show (production.rules.batch_phase), never the stored status:
        # a dispatched batch reads "dispatched" here as on its page
        phase = batch_steps(batch).phase
        yield (
            batch.pk,
            str(kinds.get(batch.kind, batch.kind)),
            batch.kind,
            channels(batch.channel),
            batch.channel,
            batch.collected_on,
            str(phase.label),
            phase.value,
            progress.total,
            progress.personalised,
            progress.produced,
            progress.defective,
            getattr(batch, "n_to_dispatch", 0),
            batch.created_at,
        )


@actor_required(OPERATOR)
def batch_list_export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    """Every batch with its progress, as the batches page lists them, as XLSX or CSV."""
    table = ExportTable(
        title=_("Production batches"),
        file_stem="batches",
        columns=[
            Column(_("Batch"), 8),
            *coded(_("Kind")),
            *coded(_("Channel"), width=24),
            Column(_("Collected on"), 12),
            *coded(_("Status")),
            Column(_("Cards"), 8),
            Column(_("Personalised"), 10),
            Column(_("Made"), 8),
            Column(_("Defective"), 8),
            Column(_("To dispatch"), 10),
            Column(_("Formed at"), 20),
        ],
        rows=_batch_export_rows(batch_rows(actor=request_actor(request))),
    )
    return export_response(request, table, fmt)


def _batch_card_rows(entries: QuerySet[BatchCard], phase: BatchPhase) -> Iterator[Sequence[Cell]]:
    banks, pickups = CodeNames(Kind.BANK), CodeNames(Kind.PICKUP)
    stages, outcomes = dict(CardStage.choices), dict(FactoryOutcome.choices)
    for entry in entries.iterator(chunk_size=2000):
        card = entry.card
        application = card.application
        outlet = None
        if application is not None:
            collective = application.collective
            outlet = application.outlet or (collective.pickup_outlet if collective else None)
        pickup = application.pickup if application is not None else ""
        yield (
            card.card_number,
            card.person.masked_name,
            card.person.masked_id_number,
            banks(card.bank_code),
            card.bank_code,
            str(stages.get(card.stage, card.stage)),
            card.stage,
            str(outcomes.get(entry.outcome, entry.outcome)),
            entry.outcome,
            entry.defect_reason,
            pickups(pickup),
            pickup,
            outlet.name if outlet is not None else "",
            outlet.code if outlet is not None else "",
            str(phase.label),
            phase.value,
        )


@actor_required(OPERATOR)
def batch_card_export(request: HttpRequest, batch_id: int, fmt: str) -> StreamingHttpResponse:
    """A batch's card list (holders masked, as production works on them), as XLSX or CSV,
    each card with the batch's phase as its page shows it."""
    actor = request_actor(request)
    entries = batch_cards(actor=actor, batch_id=batch_id)
    phase = batch_steps(batch_page_get(actor=actor, batch_id=batch_id)).phase
    table = ExportTable(
        title=_("Cards of batch #%(batch)d") % {"batch": batch_id},
        file_stem=f"batch-{batch_id}-cards",
        columns=[
            Column(_("Card number"), 12),
            Column(_("Full name"), 12),
            Column(_("ID number"), 22),
            *coded(_("Bank"), width=20),
            *coded(_("Stage")),
            *coded(_("Factory outcome")),
            Column(_("Defect"), 20),
            *coded(_("Pickup method"), width=24),
            *coded(_("Pickup outlet"), width=30),
            *coded(_("Batch status"), width=20),
        ],
        rows=_batch_card_rows(entries, phase),
        filters=[(_("Batch"), f"#{batch_id}")],
    )
    return export_response(request, table, fmt)

"""The predicates a batch's next steps are decided by, and the phase a batch is in.

Each ``*_refusal`` answers the error its service would raise for this batch now, or ``None``
when the service would accept: the service raises it under its row lock, and the batches pages
offer the step only when it answers ``None`` (one predicate, so they cannot drift). The phase
is derived from the batch's status and its cards, never stored: after the factory's result the
batch is "results in" while made cards wait, and "dispatched" once none does.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sscard.core.errors import ApplicationError
from sscard.core.models import BackgroundJob
from sscard.production.choices import BatchStatus
from sscard.production.errors import ProductionErrorCode
from sscard.production.models import Batch

STARTABLE = frozenset({BatchStatus.FORMED, BatchStatus.PERSONALISING})
EXPORTABLE = frozenset({BatchStatus.PERSONALISED, BatchStatus.EXPORTED})


class BatchPhase(models.TextChoices):
    """Where a batch stands, as its pages and the API say it."""

    FORMED = "formed", _("Formed")
    PERSONALISING = "personalising", _("Personalising")
    PERSONALISED = "personalised", _("Personalised")
    EXPORTED = "exported", _("Sent to the card factory")
    RESULTS_PARTIAL = "results_partial", _("Factory result partly received")
    RESULTS_IN = "results_in", _("Factory result received")
    DISPATCHED = "dispatched", _("Made cards dispatched")


def batch_phase(batch: Batch, *, reported: int, made: int, to_dispatch: int) -> BatchPhase:
    """The batch's phase from its status and its cards: ``reported`` cards the factory has
    answered for (made or defective), ``made`` of them made, ``to_dispatch`` made cards not
    yet sent on their way."""
    if batch.status == BatchStatus.EXPORTED:
        return BatchPhase.RESULTS_PARTIAL if reported else BatchPhase.EXPORTED
    if batch.status == BatchStatus.COMPLETED:
        return BatchPhase.DISPATCHED if made and not to_dispatch else BatchPhase.RESULTS_IN
    return BatchPhase(str(batch.status))


def batch_start_refusal(batch: Batch) -> ApplicationError | None:
    """Why ``batch_start`` would refuse: a batch personalised already (a stopped one resumes)."""
    if batch.status not in STARTABLE:
        return ProductionErrorCode.BATCH_NOT_STARTABLE.error(status=batch.status)
    return None


def batch_export_refusal(batch: Batch, *, reported: int) -> ApplicationError | None:
    """Why ``batch_export`` would refuse: the factory has answered for some card already
    (``reported``; a file may be written again only while it has not: a lost transfer), or
    the batch is not personalised yet."""
    if batch.status == BatchStatus.COMPLETED or reported:
        return ProductionErrorCode.BATCH_ALREADY_MADE.error(status=batch.status)
    if batch.status not in EXPORTABLE:
        return ProductionErrorCode.BATCH_NOT_PERSONALISED.error(status=batch.status)
    return None


def batch_result_refusal(batch: Batch) -> ApplicationError | None:
    """Why ``factory_result_import`` would refuse a new result file: a batch not sent to the
    factory, or one whose every card it has answered for (the same file again is answered
    as imported before, not refused)."""
    if batch.status == BatchStatus.COMPLETED:
        return ProductionErrorCode.BATCH_RESULTS_COMPLETE.error(status=batch.status)
    if batch.status != BatchStatus.EXPORTED:
        return ProductionErrorCode.BATCH_NOT_EXPORTED.error(status=batch.status)
    return None


def result_job_discard_refusal(job: BackgroundJob) -> ApplicationError | None:
    """Why a result file's job may not be discarded: it awaits no confirmation (imported,
    refused, discarded, replaced by a newer file, or still being checked)."""
    if job.status != BackgroundJob.Status.AWAITING:
        return ProductionErrorCode.RESULT_JOB_NOT_AWAITING.error(status=job.status)
    return None


def result_job_confirm_refusal(job: BackgroundJob, batch: Batch) -> ApplicationError | None:
    """Why the import of a result file awaiting confirmation may not be confirmed: the job
    awaits none, or the batch takes no result now (:func:`batch_result_refusal`)."""
    return result_job_discard_refusal(job) or batch_result_refusal(batch)


def batch_dispatch_offered(*, to_dispatch: int) -> bool:
    """Whether ``batch_dispatch`` would send anything: made cards not yet on their way (it
    sends nothing, and writes nothing, otherwise)."""
    return to_dispatch > 0

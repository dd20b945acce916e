"""Reads of production: batches with their progress, and a batch's defects."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from sscard.applications.choices import ApplicationStatus
from sscard.applications.models import Application
from sscard.cards.choices import CardStage
from sscard.cards.rules import made_in_the_visit_q
from sscard.core.actors import Actor, Role
from sscard.core.errors import NotFound, PermissionDenied
from sscard.core.models import BackgroundJob
from sscard.production.models import Batch, BatchCard, FactoryExport, FactoryResult
from sscard.production.rules import (
    BatchPhase,
    batch_dispatch_offered,
    batch_export_refusal,
    batch_phase,
    batch_result_refusal,
    batch_start_refusal,
)

# Who runs production (forms, starts, exports, imports, dispatches): the services check it.
OPERATORS = frozenset({Role.PRODUCTION_OPERATOR, Role.CITY_OFFICER, Role.SYSTEM})
READERS = OPERATORS


def _check(actor: Actor) -> None:
    if actor.role not in READERS:
        raise PermissionDenied("see production", "查看制卡")


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a batch has come: cards per stage of production."""

    total: int
    personalised: int
    produced: int
    defective: int

    @property
    def percent_personalised(self) -> int:
        return 100 * self.personalised // self.total if self.total else 100


def _progress_annotations() -> dict[str, Count]:
    past_ordered = ~Q(entries__card__stage=CardStage.ORDERED)
    return {
        "n_total": Count("entries"),
        "n_personalised": Count("entries", filter=past_ordered),
        "n_produced": Count("entries", filter=Q(entries__outcome="made")),
        "n_defective": Count("entries", filter=Q(entries__outcome="defective")),
    }


def batch_list(*, actor: Actor) -> QuerySet[Batch]:
    """Every batch, oldest collection first (the order they are made in, SH-10), with its
    progress counted in the same query."""
    _check(actor)
    return Batch.objects.annotate(**_progress_annotations()).order_by("collected_on", "pk")


def batch_get(*, actor: Actor, batch_id: int) -> Batch:
    found = batch_list(actor=actor).filter(pk=batch_id).first()
    if found is None:
        raise NotFound("batch", what_zh="该批次")
    return found


def batch_progress(batch: Batch) -> Progress:
    """The progress of a batch from :func:`batch_list` (annotated), or counted now."""
    if not hasattr(batch, "n_total"):
        batch = Batch.objects.annotate(**_progress_annotations()).get(pk=batch.pk)
    return Progress(
        total=batch.n_total,  # type: ignore[attr-defined]
        personalised=batch.n_personalised,  # type: ignore[attr-defined]
        produced=batch.n_produced,  # type: ignore[attr-defined]
        defective=batch.n_defective,  # type: ignore[attr-defined]
    )


def batch_defects(*, actor: Actor, batch_id: int) -> QuerySet[BatchCard]:
    """The batch's defective cards and what became of them (their remakes)."""
    _check(actor)
    return (
        BatchCard.objects.filter(batch_id=batch_id, outcome="defective")
        .select_related("card", "card__remade_as")
        .order_by("card_id")
    )


def _with_dispatch_count(batches: QuerySet[Batch]) -> QuerySet[Batch]:
    # Made cards not yet sent on their way (batch_dispatch moves them to "dispatched").
    return batches.annotate(
        n_to_dispatch=Count("entries", filter=Q(entries__card__stage=CardStage.PRODUCED))
    )


def batch_rows(*, actor: Actor) -> QuerySet[Batch]:
    """Every batch with its progress and its made cards left to dispatch, oldest first."""
    return _with_dispatch_count(batch_list(actor=actor))


def batch_page_get(*, actor: Actor, batch_id: int) -> Batch:
    """One batch as :func:`batch_rows` annotates it (``not_found`` otherwise)."""
    batch_get(actor=actor, batch_id=batch_id)  # the selector's scope and refusal
    return _with_dispatch_count(batch_list(actor=actor)).get(pk=batch_id)


def latest_exports(batch_ids: list[int]) -> dict[int, FactoryExport]:
    """The newest card-factory file of each of these batches, in one query."""
    found: dict[int, FactoryExport] = {}
    for export in FactoryExport.objects.filter(batch_id__in=batch_ids).order_by("batch_id", "-pk"):
        found.setdefault(export.batch_id, export)
    return found


def batch_exports(batch_id: int) -> QuerySet[FactoryExport]:
    return FactoryExport.objects.filter(batch_id=batch_id).order_by("-pk")


def batch_results(batch_id: int) -> QuerySet[FactoryResult]:
    return (
        FactoryResult.objects.filter(batch_id=batch_id)
        .select_related("remake_batch")
        .order_by("-pk")
    )


def applications_waiting() -> int:
    """Submitted applications that the next forming would put into a batch."""
    return (
        Application.objects.filter(status=ApplicationStatus.SUBMITTED)
        .exclude(made_in_the_visit_q())
        .count()
    )


def batch_cards(*, actor: Actor, batch_id: int) -> QuerySet[BatchCard]:
    """A batch's cards in card order, with their holders (masked forms only), their
    applications and the outlet each is to be collected at (its own, or its unit's)."""
    batch_get(actor=actor, batch_id=batch_id)  # the scope and the refusal of the batch
    return (
        BatchCard.objects.filter(batch_id=batch_id)
        .select_related(
            "card",
            "card__person",
            "card__application",
            "card__application__outlet",
            "card__application__collective__pickup_outlet",
        )
        .order_by("card__card_number", "card_id")
    )


# Stages a card reaches once production has handed it on (to an outlet, the post or a team).
SHIPPED_STAGES = (CardStage.DISPATCHED, CardStage.AT_OUTLET, CardStage.HANDED_OVER)


def batch_has_dispatched_cards(batch_id: int) -> bool:
    """Whether any card of the batch has left production: its hand-over sheet (交接单) exists
    then. The batch page's "Print" link and the sheet's page ask this same question."""
    return BatchCard.objects.filter(batch_id=batch_id, card__stage__in=SHIPPED_STAGES).exists()


@dataclass(frozen=True, slots=True)
class BatchSteps:
    """A batch's phase and the next steps its pages offer: each exactly when its service
    would accept it (``production.rules``)."""

    phase: BatchPhase
    start: bool
    export: bool
    upload: bool
    dispatch: bool


def batch_steps(batch: Batch) -> BatchSteps:
    """The phase and offered steps of a batch from :func:`batch_rows` (annotated), or counted
    now."""
    progress = batch_progress(batch)
    to_dispatch = getattr(batch, "n_to_dispatch", None)
    if to_dispatch is None:
        to_dispatch = BatchCard.objects.filter(
            batch_id=batch.pk, card__stage=CardStage.PRODUCED
        ).count()
    reported = progress.produced + progress.defective
    return BatchSteps(
        phase=batch_phase(
            batch, reported=reported, made=progress.produced, to_dispatch=to_dispatch
        ),
        start=batch_start_refusal(batch) is None,
        export=batch_export_refusal(batch, reported=reported) is None,
        upload=batch_result_refusal(batch) is None,
        dispatch=batch_dispatch_offered(to_dispatch=to_dispatch),
    )


def result_job_get(*, actor: Actor, job_id: int) -> BackgroundJob:
    """A result import queued on a batch the caller sees (``not_found`` otherwise)."""
    job = BackgroundJob.objects.filter(
        pk=job_id, kind="factory_result", object_type="production.batch"
    ).first()
    if job is None or not batch_list(actor=actor).filter(pk=int(job.object_id)).exists():
        raise NotFound("result import", what_zh="该结果导入任务")
    return job

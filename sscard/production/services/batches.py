"""Writes of production's batches: forming them (SH-10) and starting or resuming their
personalisation. The card-factory file and the factory's result are in ``factory.py``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from itertools import groupby

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sscard.applications.choices import ApplicationStatus
from sscard.applications.models import Application
from sscard.cards.rules import made_in_the_visit_q
from sscard.cards.services import cards_order
from sscard.core import background
from sscard.core.actors import Actor
from sscard.core.audit import AuditFact, audit_append
from sscard.core.bulk import BulkWriter, id_ranges
from sscard.core.errors import NotFound, PermissionDenied
from sscard.production.choices import BatchKind, BatchStatus
from sscard.production.models import Batch, BatchCard
from sscard.production.rules import batch_start_refusal
from sscard.production.selectors import OPERATORS

OBJECT = "production.batch"


def check_operator(actor: Actor) -> None:
    """Only production's operators (and the city, and the system) run production."""
    if actor.role not in OPERATORS:
        raise PermissionDenied("run card production", "管理制卡")


def batch_locked_in_transaction(batch_id: int) -> Batch:
    """The batch, locked for the rest of the caller's transaction (``not_found`` otherwise)."""
    batch = Batch.objects.select_for_update().filter(pk=batch_id).first()
    if batch is None:
        raise NotFound("batch", what_zh="该批次")
    return batch


def _chunks(values: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _batch_add_cards(*, batch: Batch, card_ids: Sequence[int]) -> None:
    """Put cards into a batch (set-based; in the caller's transaction)."""
    BulkWriter().insert(
        BatchCard._meta.db_table,
        ("card_id", "batch_id", "outcome", "defect_reason"),
        [(card_id, batch.pk, "", "") for card_id in card_ids],
    )


def batch_create(
    *, actor: Actor, kind: str, channel: str, collected_on: date, card_ids: Sequence[int]
) -> Batch:
    """Write a batch holding the ordered cards ``card_ids`` and audit it.

    Its own transaction, or a part of the caller's: forming a batch orders its cards first
    (:func:`batches_form`), a factory result remakes its defective cards first
    (``factory_result_import``), and either lands whole or not at all.
    """
    check_operator(actor)
    with transaction.atomic():
        batch = Batch.objects.create(
            kind=kind,
            channel=channel,
            collected_on=collected_on,
            card_count=len(card_ids),
            created_at=timezone.now(),
            created_by=actor.label,
        )
        _batch_add_cards(batch=batch, card_ids=card_ids)
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="batch_form",
                object_type=OBJECT,
                object_id=str(batch.pk),
                changes={
                    "kind": kind,
                    "channel": channel,
                    "collected_on": collected_on.isoformat(),
                    "cards": len(card_ids),
                    "card_ids": id_ranges(card_ids),
                },
            ),
        )
    return batch


def batches_form(*, actor: Actor, today: date, max_cards: int | None = None) -> list[Batch]:
    """Group the submitted applications into production batches by channel and collection date,
    oldest first (SH-10), and order their cards.

    Each batch is its own transaction: a failure leaves whole batches or none of a group. A
    group larger than ``max_cards`` is split. Applications made in the visit (instant
    issuance) are not batched.
    """
    check_operator(actor)
    size = max_cards or settings.SSCARD_BATCH_MAX_CARDS
    pending = (
        Application.objects.filter(status=ApplicationStatus.SUBMITTED, applied_on__lte=today)
        .exclude(made_in_the_visit_q())
        .order_by("applied_on", "channel", "pk")
        .values_list("applied_on", "channel", "pk")
    )
    formed: list[Batch] = []
    for (collected_on, channel), rows in groupby(pending.iterator(), key=lambda r: (r[0], r[1])):
        application_ids = [r[2] for r in rows]
        for part in _chunks(application_ids, size):
            with transaction.atomic():
                card_ids = cards_order(actor=actor, application_ids=part, today=today)
                formed.append(
                    batch_create(
                        actor=actor,
                        kind=BatchKind.REGULAR,
                        channel=channel,
                        collected_on=collected_on,
                        card_ids=card_ids,
                    )
                )
    return formed


def batch_start(*, actor: Actor, batch_id: int, queue: bool = True) -> Batch:
    """Start (or resume) the batch's personalisation: its tasks go to the workers when the
    transaction commits (unless ``queue`` is false: the caller personalises it itself, as the
    command line does with its progress bar); a batch stopped half-way by a killed worker
    picks up where it was."""
    check_operator(actor)
    with transaction.atomic():
        batch = batch_locked_in_transaction(batch_id)
        refused = batch_start_refusal(batch)  # the batches pages offer "start" by it too
        if refused is not None:
            raise refused
        before = batch.status
        batch.status = BatchStatus.PERSONALISING
        batch.save(update_fields=["status"])
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="batch_start" if before == BatchStatus.FORMED else "batch_resume",
                object_type=OBJECT,
                object_id=str(batch.pk),
                changes={"status": [before, BatchStatus.PERSONALISING]},
            ),
        )
        if queue:
            transaction.on_commit(lambda: _queue_personalisation(batch.pk))
    return batch


def _queue_personalisation(batch_id: int) -> None:
    """Queue the batch's tasks: to a broker's workers, or to the embedded server's own pool
    (``sscard.core.background``), so the operator's page answers at once."""
    from sscard.production.tasks import personalise

    for _ in range(settings.SSCARD_PERSONALISE_TASKS):
        background.submit(personalise, batch_id)


def batches_personalising_resume() -> list[int]:
    """Queue the tasks of every batch still being personalised (a starting server's hook:
    the server that ran them stopped); their chunks pick up where they were."""
    ids = list(Batch.objects.filter(status=BatchStatus.PERSONALISING).values_list("pk", flat=True))
    for batch_id in ids:
        _queue_personalisation(batch_id)
    return ids

"""Mass actions on cards (批量处理, issue 15 point 5): block, cancel, revoke the certificates of,
or enable the social-security function of a selection of cards, prepared by one officer and
approved by another (``sscard.core.approvals``, kind ``card_mass_action``).

* **Prepare** (:func:`mass_action_prepare`) resolves the selection — a production batch, a
  range of card numbers, a card-factory file, a list of card numbers, an employer's staff —
  and answers the count, how many are already in the target state, and the first rows
  (holder's name and ID number masked). Nothing is written. A selection with a card outside
  the officer's area is refused whole (``mass_action_out_of_scope``).
* **Propose** (:func:`mass_action_propose`) prepares again, records the action with one row
  per card, and proposes it for approval, in one transaction.
* **Approve**: the framework locks the approval and calls :func:`_apply` in its transaction,
  which queues the background job; two checkers at once apply it once (the approval's lock).
* **Apply** (:func:`mass_action_step`, run by the job): chunks of pending cards, each chunk
  one transaction — its rows locked (``SKIP LOCKED`` where the database has it) with their
  cards in primary-key order, each card changed and audited (one event per card), the rows
  marked done, skipped (already in the target state) or refused (with the code). A worker
  killed mid-chunk leaves the chunk whole for the next one: nothing is done twice; a starting
  server queues the job again (:func:`mass_action_jobs_resume`).

Holders are not texted: no message template of the packs says "your card was blocked,
cancelled or its certificate revoked by the bureau", and a mass action is the bureau's
correction of its own records (a compromised batch, a factory lot), announced by the bureau;
an enabled card's holder sees it on their card page.

Selections by production's records (batch, factory file) are registered by production
(:func:`mass_selection_register`, in its ``AppConfig.ready()``): cards may not import it.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sscard.cards.choices import (
    CardBlock,
    CardStage,
    MassActionKind,
    MassActionState,
    MassOutcome,
    MassSelection,
    RevocationReason,
    SocialSecurityFunction,
)
from sscard.cards.errors import CardsErrorCode
from sscard.cards.models import Card, MassAction, MassActionCard
from sscard.cards.rules import enableable_refusal, mass_action_refusal
from sscard.cards.selectors import card_visible
from sscard.cards.selectors_mass import mass_action_counts as mass_action_counts
from sscard.cards.services._shared import CARD_OBJECT
from sscard.cards.services.block import card_block_set_in_transaction
from sscard.cards.services.life import _enable_locked
from sscard.cards.services.revocation import (
    certificates_revoke_in_transaction,
    revocation_facts,
)
from sscard.cards.status import card_status
from sscard.core import background, clock
from sscard.core.actors import Actor, Role
from sscard.core.approvals import (
    ApprovalKind,
    approval_kind_register,
    approval_propose,
)
from sscard.core.audit import AuditFact, audit_append_many
from sscard.core.errors import ApplicationError, NotFound
from sscard.core.jobs import job_actor, job_progress, job_queue, job_run, jobs_recover
from sscard.core.models import Approval, BackgroundJob
from sscard.kernel import regions
from sscard.kernel.cardcodes import parse_card_number
from sscard.kernel.errors import KernelError
from sscard.kernel.masks import mask_name

APPROVAL_KIND = "card_mass_action"
JOB_KIND = "card_mass_action"
OBJECT = "cards.massaction"
# chosen: a mass action is a batch's or a lot's worth of cards (a batch is at most 100,000);
# larger selections are split by the officer.
LIMIT = 100_000
PREVIEW_ROWS = 20


def chunk_size() -> int:
    """Cards per chunk (one transaction each): the setting or environment variable
    ``SSCARD_MASS_CHUNK``, 200 by default."""
    configured = getattr(settings, "SSCARD_MASS_CHUNK", None) or os.environ.get(
        "SSCARD_MASS_CHUNK", "200"
    )
    return max(1, int(configured))


# --------------------------------------------------------------------------------------------
# Selections
# --------------------------------------------------------------------------------------------

Resolver = Callable[[str], "QuerySet[Card]"]
"""A selection's cards from the value the officer gave (raises ``mass_selection_invalid``)."""

_resolvers: dict[str, Resolver] = {}


def mass_selection_register(key: str, resolve: Resolver) -> None:
    """Let another app resolve a kind of selection (production: batches, factory files)."""
    _resolvers[key] = resolve


def selection_invalid(**details: Any) -> ApplicationError:
    return CardsErrorCode.MASS_SELECTION_INVALID.error(**details)


def _number(text: str, *, line: int | None = None) -> str:
    try:
        return parse_card_number(text)
    except KernelError:
        raise selection_invalid(line=line) if line else selection_invalid() from None


def _range(value: str) -> QuerySet[Card]:
    first, sep, last = value.replace("~", "-").partition("-")
    if not sep:
        raise selection_invalid(reason="range")
    low, high = _number(first), _number(last)
    if low > high:
        raise selection_invalid(reason="range")
    return Card.objects.filter(card_number__gte=low, card_number__lte=high)


def card_numbers(value: str) -> list[str]:
    """The card numbers of a list (one a line, or separated by commas or spaces; an uploaded
    file's text), each checked; a malformed one is refused with its line."""
    numbers: list[str] = []
    for line_no, line in enumerate(value.splitlines(), start=1):
        for part in line.replace(",", " ").replace("，", " ").split():
            numbers.append(_number(part, line=line_no))
    return list(dict.fromkeys(numbers))


def _list(value: str) -> QuerySet[Card]:
    numbers = card_numbers(value)
    if not numbers:
        raise selection_invalid(reason="list")
    found = Card.objects.filter(card_number__in=numbers)
    known = set(found.values_list("card_number", flat=True))
    unknown = [n for n in numbers if n not in known]
    if unknown:
        raise selection_invalid(reason="unknown_card_numbers", unknown=len(unknown))
    return found


def _employer(value: str) -> QuerySet[Card]:
    code = value.strip().upper()
    if not code:
        raise selection_invalid(reason="employer")
    return Card.objects.filter(person__employer__credit_code=code)


mass_selection_register(MassSelection.RANGE, _range)
mass_selection_register(MassSelection.LIST, _list)
mass_selection_register(MassSelection.EMPLOYER, _employer)


def _resolve(selection: str, value: str) -> QuerySet[Card]:
    resolve = _resolvers.get(selection)
    if resolve is None or not (value or "").strip():
        raise selection_invalid(selection=selection)
    return resolve(value.strip())


# --------------------------------------------------------------------------------------------
# What each action does to one card
# --------------------------------------------------------------------------------------------


def _target_reached(kind: str, card: Card, revoked: bool) -> bool:
    match kind:
        case MassActionKind.BLOCK:
            return card.block == CardBlock.FORMAL
        case MassActionKind.CANCEL:
            return card.ss_function == SocialSecurityFunction.CANCELLED
        case MassActionKind.REVOKE:
            return revoked
        case _:
            return card.ss_function == SocialSecurityFunction.ENABLED


def _candidates(kind: str, cards: QuerySet[Card]) -> QuerySet[Card]:
    """The enable action takes only the handed-over cards of the selection (a visited
    employer's staff's cards that were handed over on site); the others take every card."""
    if kind == MassActionKind.ENABLE:
        return cards.filter(Q(stage=CardStage.HANDED_OVER) | Q(ss_function="enabled"))
    return cards


# --------------------------------------------------------------------------------------------
# Prepare and propose
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PreviewRow:
    card_number: str
    holder: str  # masked
    id_number: str  # masked
    status: str


@dataclass(frozen=True, slots=True)
class MassPreview:
    """What a mass action would take: the count, those already in the target state, the first
    rows, and the district it belongs to (which officers may approve it)."""

    kind: str
    selection: str
    value: str
    count: int
    already: int
    rows: list[PreviewRow]
    city_code: str
    district_code: str
    card_ids: list[int] = field(default_factory=list, repr=False)


def _check_officer(actor: Actor) -> None:
    refused = mass_action_refusal(actor)
    if refused is not None:
        raise refused


def _check_kind(kind: str, revocation_reason: str) -> None:
    if kind not in MassActionKind.values:
        raise CardsErrorCode.MASS_ACTION_UNKNOWN.error(kind=kind)
    if kind == MassActionKind.REVOKE and revocation_reason not in RevocationReason.values:
        raise CardsErrorCode.MASS_REVOCATION_REASON.error()


def _area(actor: Actor, cards: QuerySet[Card]) -> tuple[str, str]:
    """(city, district) the action belongs to: a district officer's own district; for a city
    officer the one district all the holders are insured in, or only the city."""
    if actor.role == Role.DISTRICT_OFFICER and actor.district_code:
        return regions.city_of(actor.district_code), actor.district_code
    districts = set(
        cards.order_by().values_list("person__insured_region", flat=True).distinct()[:2]
    )
    if len(districts) == 1:
        (district,) = districts
        if district:
            return regions.city_of(district), district
    return actor.city_code or "", ""


def mass_action_prepare(
    *,
    actor: Actor,
    kind: str,
    selection: str,
    value: str,
    revocation_reason: str = "",
    today: date | None = None,
) -> MassPreview:
    """Resolve the selection and check it; nothing is written. Refusals:
    ``permission_denied``, ``mass_action_unknown``, ``mass_revocation_reason_invalid``,
    ``mass_selection_invalid``, ``mass_selection_empty``, ``mass_selection_too_large``,
    ``mass_action_out_of_scope`` (a card of the selection outside the officer's area)."""
    _check_officer(actor)
    _check_kind(kind, revocation_reason)
    day = today or clock.today()
    cards = _candidates(kind, _resolve(selection, value))
    ids = list(cards.order_by("pk").values_list("pk", flat=True)[: LIMIT + 1])
    if not ids:
        raise CardsErrorCode.MASS_SELECTION_EMPTY.error()
    if len(ids) > LIMIT:
        raise CardsErrorCode.MASS_SELECTION_TOO_LARGE.error_with({"limit": LIMIT}, limit=LIMIT)
    # Subqueries, not the ids: a selection may hold more cards than a statement may bind.
    outside = cards.exclude(pk__in=card_visible(actor=actor).values("pk")).count()
    if outside:
        raise CardsErrorCode.MASS_OUT_OF_SCOPE.error_with({"count": outside}, outside=outside)
    chosen = cards
    already = _already(kind, chosen)
    rows = [
        PreviewRow(
            card_number=c.card_number,
            holder=mask_name(c.person.name),
            id_number=c.person.id_number_masked,
            status=str(card_status(c, today=day).label),
        )
        for c in chosen.select_related("person").order_by("card_number")[:PREVIEW_ROWS]
    ]
    city, district = _area(actor, chosen)
    return MassPreview(
        kind=kind,
        selection=selection,
        value=value.strip(),
        count=len(ids),
        already=already,
        rows=rows,
        city_code=city,
        district_code=district,
        card_ids=ids,
    )


def _already(kind: str, cards: QuerySet[Card]) -> int:
    match kind:
        case MassActionKind.BLOCK:
            return cards.filter(block=CardBlock.FORMAL).count()
        case MassActionKind.CANCEL:
            return cards.filter(ss_function=SocialSecurityFunction.CANCELLED).count()
        case MassActionKind.REVOKE:
            return cards.filter(certificate__revoked_at__isnull=False).count()
        case _:
            return cards.filter(ss_function=SocialSecurityFunction.ENABLED).count()


def mass_action_propose(
    *,
    actor: Actor,
    kind: str,
    selection: str,
    value: str,
    reason: str,
    revocation_reason: str = "",
    evidence: str = "",
) -> MassAction:
    """Prepare, record the action and its cards, and propose it for a second officer's approval
    (the framework's refusals too: ``approval_reason_required``); one transaction."""
    preview = mass_action_prepare(
        actor=actor,
        kind=kind,
        selection=selection,
        value=value,
        revocation_reason=revocation_reason,
    )
    reason = (reason or "").strip()
    with transaction.atomic():
        action = MassAction.objects.create(
            kind=kind,
            selection=selection,
            selection_value=preview.value,
            revocation_reason=revocation_reason if kind == MassActionKind.REVOKE else "",
            reason=reason[:500],
            city_code=preview.city_code,
            district_code=preview.district_code,
            card_count=preview.count,
            created_by=actor.label[:150],
            created_at=timezone.now(),
        )
        MassActionCard.objects.bulk_create(
            [MassActionCard(mass_action=action, card_id=pk) for pk in preview.card_ids],
            batch_size=2000,
        )
        approval = approval_propose(
            actor=actor,
            kind=APPROVAL_KIND,
            subject_type=OBJECT,
            subject_id=str(action.pk),
            payload={
                "mass_action": action.pk,
                "action": kind,
                "selection": selection,
                "cards": preview.count,
                "already": preview.already,
                "revocation_reason": action.revocation_reason,
            },
            reason=reason,
            evidence=evidence,
            city_code=preview.city_code,
            district_code=preview.district_code,
        )
        action.approval_id = approval.pk
        action.save(update_fields=["approval_id"])
    return action


# --------------------------------------------------------------------------------------------
# Approval: the applier queues the job
# --------------------------------------------------------------------------------------------


def _apply(approval: Approval, checker: Actor) -> dict[str, Any]:
    """The framework's applier, in the approval's transaction: the action goes to applying and
    its job is queued (handed over when the approval commits)."""
    action = (
        MassAction.objects.select_for_update().filter(pk=int(approval.subject_id)).first()
        if approval.subject_id.isdigit()
        else None
    )
    if action is None:
        raise NotFound("mass action", what_zh="该批量处理")
    job = job_queue(kind=JOB_KIND, actor=checker, object_type=OBJECT, object_id=action.pk)
    action.state = MassActionState.APPLYING
    action.job_id = job.pk
    action.save(update_fields=["state", "job_id"])
    transaction.on_commit(lambda: _submit(job.pk), robust=True)
    return {"mass_action": action.pk, "cards": action.card_count, "job": job.pk}


def _submit(job_id: int) -> None:
    from sscard.cards.tasks import mass_action_task

    background.submit(mass_action_task, job_id)


def _describe(approval: Approval) -> str:
    payload = approval.payload
    kind = MassActionKind(payload.get("action", MassActionKind.BLOCK))
    selection = MassSelection(payload.get("selection", MassSelection.LIST))
    return _("%(action)s: %(cards)s cards (%(selection)s)") % {
        "action": kind.label,
        "cards": payload.get("cards", 0),
        "selection": selection.label,
    }


def mass_action_register() -> None:
    """Register the approval kind (cards' ``AppConfig.ready()``)."""
    from django.utils.translation import gettext_lazy

    approval_kind_register(
        ApprovalKind(
            key=APPROVAL_KIND,
            label=gettext_lazy("Mass action on cards"),
            apply=_apply,
            describe=_describe,
        )
    )


# --------------------------------------------------------------------------------------------
# Apply, in chunks
# --------------------------------------------------------------------------------------------


def _claim(action_id: int, size: int) -> list[MassActionCard]:
    rows = MassActionCard.objects.filter(
        mass_action_id=action_id, outcome=MassOutcome.PENDING
    ).order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)
    else:
        rows = rows.select_for_update()
    return list(rows[:size])


def mass_action_step(*, action: MassAction, actor: Actor, size: int, today: date) -> int:
    """Apply the action to one chunk of its pending cards, in one transaction; answer how many
    cards the chunk took (0: none left)."""
    with transaction.atomic():
        entries = _claim(action.pk, size)
        if not entries:
            return 0
        by_card = {e.card_id: e for e in entries}
        card_ids = sorted(by_card)
        locked = Card.objects.select_for_update(of=("self",)).order_by("pk")
        if action.kind == MassActionKind.ENABLE:
            # Enabling voids the holder's previous card: every card of the holders, in order.
            persons = Card.objects.filter(pk__in=card_ids).values("person_id")
            all_cards = list(locked.filter(person_id__in=persons))
        else:
            all_cards = list(locked.filter(pk__in=card_ids))
        cards = {c.pk: c for c in all_cards if c.pk in by_card}
        facts: list[AuditFact] = []
        outcomes: dict[int, tuple[str, str]] = {}
        tag = {"mass_action": action.pk, "approval": action.approval_id}
        if action.kind == MassActionKind.REVOKE:
            reason = RevocationReason(action.revocation_reason or RevocationReason.UNSPECIFIED)
            revoked = certificates_revoke_in_transaction(
                card_ids=card_ids, reason=reason, by=actor.label, at=timezone.now()
            )
            for fact in revocation_facts(revoked.revoked, reason):
                facts.append(dataclasses.replace(fact, changes={**fact.changes, **tag}))
            outcomes |= dict.fromkeys(revoked.revoked, (MassOutcome.DONE, ""))
            outcomes |= dict.fromkeys(revoked.already, (MassOutcome.SKIPPED, "already_revoked"))
            missing = (MassOutcome.REFUSED, "no_certificate")
            outcomes |= dict.fromkeys(revoked.without_certificate, missing)
        else:
            for pk in card_ids:
                card = cards.get(pk)
                if card is None:
                    outcomes[pk] = (MassOutcome.REFUSED, "not_found")
                    continue
                outcomes[pk] = _one(action, actor, card, all_cards, today, facts, tag)
            if action.kind == MassActionKind.CANCEL:
                done = [pk for pk, (outcome, _c) in outcomes.items() if outcome == MassOutcome.DONE]
                Card.objects.filter(pk__in=done).update(
                    ss_function=SocialSecurityFunction.CANCELLED
                )
        now = timezone.now()
        for entry in entries:
            entry.outcome, entry.code = outcomes[entry.card_id]
            entry.done_at = now
        MassActionCard.objects.bulk_update(entries, ["outcome", "code", "done_at"])
        audit_append_many(actor=actor, facts=facts)
    return len(entries)


def _one(
    action: MassAction,
    actor: Actor,
    card: Card,
    all_cards: Sequence[Card],
    today: date,
    facts: list[AuditFact],
    tag: dict[str, Any],
) -> tuple[str, str]:
    """Apply the action to one locked card; add its audit facts; answer (outcome, code)."""
    if _target_reached(action.kind, card, revoked=False):
        return MassOutcome.SKIPPED, "already"
    if action.kind == MassActionKind.BLOCK:
        before = card_block_set_in_transaction(card=card, block=CardBlock.FORMAL)
        changes: dict[str, Any] = {"block": [str(before), CardBlock.FORMAL.value]}
        facts.append(_fact("card_block", card, changes | tag))
    elif action.kind == MassActionKind.CANCEL:
        # Written for the whole chunk at once by ``mass_action_step``.
        before_ss = card.ss_function
        card.ss_function = SocialSecurityFunction.CANCELLED
        facts.append(_fact("card_cancel", card, {"ss_function": [before_ss, "cancelled"]} | tag))
    else:
        refused = enableable_refusal(card, today)
        if refused is not None:
            return MassOutcome.REFUSED, refused.code
        person_cards = [c for c in all_cards if c.person_id == card.person_id]
        for fact in _enable_locked(actor, card, person_cards, today):
            facts.append(dataclasses.replace(fact, changes={**fact.changes, **tag}))
    return MassOutcome.DONE, ""


def _fact(action: str, card: Card, changes: dict[str, Any]) -> AuditFact:
    return AuditFact(
        action=action,
        object_type=CARD_OBJECT,
        object_id=str(card.pk),
        changes=changes,
        pack_hash=card.pack_hash,
    )


def mass_action_apply(
    *,
    action_id: int,
    actor: Actor,
    stop: Callable[[], bool] | None = None,
    job: BackgroundJob | None = None,
) -> dict[str, int]:
    """Take chunks of the action until none is left (or ``stop`` says so, between chunks);
    finish it when none is left; answer the counts."""
    action = MassAction.objects.get(pk=action_id)
    size = chunk_size()
    today = clock.today()
    while not (stop and stop()):
        if mass_action_step(action=action, actor=actor, size=size, today=today) == 0:
            break
        if job is not None:
            job_progress(job, **mass_action_counts(action_id), total=action.card_count)
    counts = mass_action_counts(action_id)
    if counts["pending"] == 0:
        MassAction.objects.filter(pk=action_id, state=MassActionState.APPLYING).update(
            state=MassActionState.APPLIED, finished_at=timezone.now()
        )
    return counts


def _work(job: BackgroundJob, actor: Actor, _path: object) -> dict[str, Any]:
    counts = mass_action_apply(
        action_id=int(job.object_id), actor=actor, stop=background.stopping, job=job
    )
    return {**counts, "total": sum(counts.values())}


def mass_action_job_run(*, job_id: int) -> BackgroundJob:
    """Run a queued mass-action job (the task's body); how it ended is recorded on the job."""
    return job_run(job_id, _work)


def mass_action_jobs_resume() -> list[int]:
    """Queue again what a stopped or killed server left (a starting server's hook): its jobs
    still queued or running in a dead process, and a new job for each action still applying
    whose job ended (stopped between chunks). Committed chunks stay done; the rest is taken
    from where they stopped. Answer the job ids queued."""
    from sscard.cards.tasks import mass_action_task

    queued = jobs_recover(kind=JOB_KIND, queue=lambda pk: background.submit(mass_action_task, pk))
    live = (BackgroundJob.Status.QUEUED, BackgroundJob.Status.RUNNING)
    for action in MassAction.objects.filter(state=MassActionState.APPLYING):
        old = BackgroundJob.objects.filter(pk=action.job_id or 0).first()
        if old is None or old.status in live:
            continue
        job = job_queue(
            kind=JOB_KIND, actor=job_actor(old), object_type=OBJECT, object_id=action.pk
        )
        MassAction.objects.filter(pk=action.pk).update(job_id=job.pk)
        background.submit(mass_action_task, job.pk)
        queued.append(job.pk)
    return queued

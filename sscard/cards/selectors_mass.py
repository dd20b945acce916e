"""Reads of the mass actions on cards, scoped to the officer: those whose approval the officer
may see (a city officer's city, a district officer's district), with how far each has got."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils.functional import Promise

from sscard.cards.choices import MassActionState
from sscard.cards.models import MassAction, MassActionCard
from sscard.core.actors import Actor
from sscard.core.approvals import approvals_visible
from sscard.core.errors import NotFound
from sscard.core.models import Approval


def mass_actions_visible(*, actor: Actor) -> QuerySet[MassAction]:
    """The mass actions ``actor`` may see: those whose approval they may see."""
    ids = approvals_visible(actor).filter(kind="card_mass_action").values("pk")
    return MassAction.objects.filter(approval_id__in=ids).order_by("-pk")


def mass_action_get(*, actor: Actor, action_id: int) -> MassAction:
    found = mass_actions_visible(actor=actor).filter(pk=action_id).first()
    if found is None:
        raise NotFound("mass action", what_zh="该批量处理")
    return found


def mass_action_counts(action_id: int) -> dict[str, int]:
    """How many cards of the action are done, skipped, refused and still pending."""
    counts = {"done": 0, "skipped": 0, "refused": 0, "pending": 0}
    rows = (
        MassActionCard.objects.filter(mass_action_id=action_id)
        .values_list("outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for outcome, n in rows:
        counts[outcome or "pending"] = n
    return counts


@dataclass(frozen=True, slots=True)
class MassProgress:
    """Where a mass action stands: its own state (closed once its approval was rejected or
    withdrawn), its approval's, and its cards' outcomes."""

    state: str
    state_label: str | Promise
    approval_state: str | None
    counts: dict[str, int]


def mass_progress(action: MassAction) -> MassProgress:
    counts = mass_action_counts(action.pk)
    approval = Approval.objects.filter(pk=action.approval_id or 0).first()
    state = MassActionState(action.state)
    if approval is not None and approval.state in (
        Approval.State.REJECTED,
        Approval.State.WITHDRAWN,
    ):
        state = MassActionState.CLOSED
    return MassProgress(
        state=state.value,
        state_label=state.label,
        approval_state=approval.state if approval is not None else None,
        counts=counts,
    )

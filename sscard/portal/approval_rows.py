"""The changes awaiting a second officer, as pages and the API show them: in words (the kind's
name and one-line description, the district's name), with what the caller may do."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

from django.db.models import QuerySet

from sscard.core.actors import Actor
from sscard.core.approvals import (
    approval_decide_refusal,
    approval_describe,
    approval_kind_label,
    approval_withdraw_refusal,
    approvals_visible,
)
from sscard.core.audit_labels import object_label
from sscard.core.errors import NotFound
from sscard.core.models import Approval
from sscard.core.names import Kind, name_of

STATES = dict(Approval.State.choices)


def approval_list(*, actor: Actor, state: str = "") -> QuerySet[Approval]:
    """The approvals the caller may see, newest first; ``state`` narrows them."""
    rows = approvals_visible(actor).order_by("-made_at", "-pk")
    if state in STATES:
        rows = rows.filter(state=state)
    return rows


def approval_get(*, actor: Actor, approval_id: int) -> Approval:
    found = approvals_visible(actor).filter(pk=approval_id).first()
    if found is None:
        raise NotFound("approval", what_zh="该待复核变更")
    return found


def approval_row(actor: Actor, approval: Approval) -> dict[str, Any]:
    """One approval in words, with the caller's permitted actions (the services' predicates)."""
    return {
        "id": approval.pk,
        "kind": approval.kind,
        "kind_label": approval_kind_label(approval),
        "state": approval.state,
        "state_label": str(STATES.get(approval.state, approval.state)),
        "subject_type": approval.subject_type,
        "subject_label": object_label(approval.subject_type),
        "subject_id": approval.subject_id,
        "description": approval_describe(approval),
        "district_code": approval.district_code,
        "district_name": name_of(Kind.REGION, approval.district_code)
        if approval.district_code
        else "",
        "reason": approval.reason,
        "evidence": approval.evidence,
        "maker_label": approval.maker_label,
        "made_at": approval.made_at,
        "checker_label": approval.checker_label,
        "decided_at": approval.decided_at,
        "note": approval.note,
        "result": approval.result,
        "may_decide": approval_decide_refusal(actor, approval) is None,
        "may_withdraw": approval_withdraw_refusal(actor, approval) is None,
    }


class ApprovalRows(Sequence[dict[str, Any]]):
    """Approvals as a sequence a paginator slices: only the rows of the page asked for are read
    and put in words."""

    def __init__(self, actor: Actor, rows: QuerySet[Approval]) -> None:
        self._actor = actor
        self._rows = rows

    def __len__(self) -> int:
        return self._rows.count()

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [approval_row(self._actor, row) for row in self._rows[index]]
        return approval_row(self._actor, self._rows[index])

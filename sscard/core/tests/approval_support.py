"""A kind of change for the framework's own tests: rename an employer, with a second officer's
approval. Real rows, the real applier path; the kind is registered for the test only."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from sscard.core.actors import Actor
from sscard.core.approvals import ApprovalKind, _kinds, approval_kind_register
from sscard.core.errors import ApplicationError
from sscard.core.models import Approval
from sscard.registry.models import Employer

KIND = "test_employer_rename"


def _apply(approval: Approval, checker: Actor) -> Mapping[str, Any]:
    employer = Employer.objects.select_for_update().get(pk=int(approval.subject_id))
    new = approval.payload["name"]
    if new == "REFUSE":
        raise ApplicationError("test_refused", "拒绝。", "Refused.", status=409)
    old, employer.name = employer.name, new
    employer.save(update_fields=["name"])
    return {"old": old, "new": new, "checker": checker.label}


def _describe(approval: Approval) -> str:
    return f"rename to {approval.payload['name']}"


@pytest.fixture
def rename_kind() -> Iterator[str]:
    approval_kind_register(
        ApprovalKind(key=KIND, label="Rename an employer", apply=_apply, describe=_describe)
    )
    try:
        yield KIND
    finally:
        _kinds.pop(KIND, None)

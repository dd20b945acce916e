"""Two officers approve the same change at the same moment on PostgreSQL: it is applied once,
the second is told it is no longer pending, and the trail holds one approval."""

from __future__ import annotations

from functools import partial

import pytest

from sscard.core.actors import Actor, Role
from sscard.core.approvals import approval_decide, approval_propose
from sscard.core.models import Approval, AuditEvent
from sscard.registry.models import Employer
from sscard.testing.factories import XICHENG, EmployerFactory
from sscard.testing.races import race

pytestmark = [
    pytest.mark.postgres(
        reason="needs PostgreSQL: two connections deciding one row at once (SQLite serialises "
        "every writer, so there is no race to lose)"
    ),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("rename_kind"),
]

MAKER = Actor(role=Role.CITY_OFFICER, label="maker", user_id=1, city_code="110000")
CHECKERS = [
    Actor(role=Role.CITY_OFFICER, label=f"checker{n}", user_id=10 + n, city_code="110000")
    for n in range(2)
]
ROUNDS = 5


def _race(approval_id: int) -> list[str]:
    def run(checker: Actor) -> str:
        approval_decide(actor=checker, approval_id=approval_id, approve=True)
        return "applied"

    outcomes = race({checker.label: partial(run, checker) for checker in CHECKERS})
    return sorted(outcomes.values())


def test_two_checkers_at_once_apply_the_change_once() -> None:
    for n in range(ROUNDS):
        employer = EmployerFactory.create(name="旧名称")
        approval = approval_propose(
            actor=MAKER,
            kind="test_employer_rename",
            subject_type="registry.employer",
            subject_id=str(employer.pk),
            payload={"name": f"新名称{n}"},
            reason="营业执照变更",
            city_code="110000",
            district_code=XICHENG,
        )

        outcomes = _race(approval.pk)

        assert outcomes == ["applied", "approval_not_pending"]
        assert Employer.objects.get(pk=employer.pk).name == f"新名称{n}"
        assert Approval.objects.get(pk=approval.pk).state == Approval.State.APPLIED
        applied = AuditEvent.objects.filter(
            action="approval_apply", object_id=str(approval.pk)
        ).count()
        assert applied == 1

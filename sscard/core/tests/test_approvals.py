"""The maker-checker framework: a proposal applies nothing; another officer of the subject's
area approves (the kind's applier runs in the same transaction) or rejects with a note; the
maker can neither decide nor be bypassed; every step is audited; a refusal writes nothing."""

from __future__ import annotations

import pytest

from sscard.core.actors import Actor, Role
from sscard.core.approvals import (
    approval_decide,
    approval_propose,
    approval_secret,
    approval_withdraw,
    approvals_visible,
)
from sscard.core.errors import ApplicationError
from sscard.core.models import Approval, AuditEvent
from sscard.registry.models import Employer
from sscard.testing.factories import XICHENG, EmployerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rename_kind")]

MAKER = Actor(role=Role.CITY_OFFICER, label="maker", user_id=1, city_code="110000")
CHECKER = Actor(role=Role.CITY_OFFICER, label="checker", user_id=2, city_code="110000")
DISTRICT_CHECKER = Actor(
    role=Role.DISTRICT_OFFICER,
    label="district",
    user_id=3,
    city_code="110000",
    district_code=XICHENG,
)
OTHER_DISTRICT = Actor(
    role=Role.DISTRICT_OFFICER,
    label="chaoyang",
    user_id=4,
    city_code="110000",
    district_code="110105",
)
SHANGHAI = Actor(role=Role.CITY_OFFICER, label="sh", user_id=5, city_code="310000")


def _propose(employer: Employer, name: str = "新名称", **kwargs: object) -> Approval:
    values: dict[str, object] = {
        "actor": MAKER,
        "kind": "test_employer_rename",
        "subject_type": "registry.employer",
        "subject_id": str(employer.pk),
        "payload": {"name": name},
        "reason": "营业执照变更",
        "city_code": "110000",
        "district_code": XICHENG,
    }
    values.update(kwargs)
    return approval_propose(**values)  # type: ignore[arg-type]


def _code(call: object) -> str:
    with pytest.raises(ApplicationError) as caught:
        call()  # type: ignore[operator]
    return caught.value.code


def test_a_proposal_applies_nothing_until_another_officer_approves() -> None:
    employer = EmployerFactory.create(name="旧名称")

    approval = _propose(employer)
    employer.refresh_from_db()
    assert employer.name == "旧名称"
    assert approval.state == Approval.State.PENDING

    decided = approval_decide(actor=CHECKER, approval_id=approval.pk, approve=True)
    employer.refresh_from_db()
    assert employer.name == "新名称"
    assert decided.state == Approval.State.APPLIED
    assert decided.checker_label == "checker"
    assert decided.result == {"old": "旧名称", "new": "新名称", "checker": "checker"}
    actions = list(
        AuditEvent.objects.filter(object_type="core.approval", object_id=str(approval.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["approval_propose", "approval_apply"]


def test_the_maker_cannot_approve_their_own_change() -> None:
    employer = EmployerFactory.create(name="旧名称")
    approval = _propose(employer)
    # the same account under another label is still the maker
    same_user = Actor(role=Role.CITY_OFFICER, label="renamed", user_id=1, city_code="110000")

    for actor in (MAKER, same_user):
        assert (
            _code(lambda a=actor: approval_decide(actor=a, approval_id=approval.pk, approve=True))
            == "approval_own_change"
        )
    employer.refresh_from_db()
    assert employer.name == "旧名称"
    assert Approval.objects.get(pk=approval.pk).state == Approval.State.PENDING


def test_a_rejection_says_why_and_applies_nothing() -> None:
    employer = EmployerFactory.create(name="旧名称")
    approval = _propose(employer)

    assert (
        _code(lambda: approval_decide(actor=CHECKER, approval_id=approval.pk, approve=False))
        == "approval_note_required"
    )
    rejected = approval_decide(
        actor=CHECKER, approval_id=approval.pk, approve=False, note="证明材料不全"
    )

    assert rejected.state == Approval.State.REJECTED
    employer.refresh_from_db()
    assert employer.name == "旧名称"
    assert (
        _code(lambda: approval_decide(actor=CHECKER, approval_id=approval.pk, approve=True))
        == "approval_not_pending"
    )


def test_an_applier_that_refuses_leaves_the_proposal_pending_and_nothing_written() -> None:
    employer = EmployerFactory.create(name="旧名称")
    approval = _propose(employer, name="REFUSE")
    events = AuditEvent.objects.count()

    assert (
        _code(lambda: approval_decide(actor=CHECKER, approval_id=approval.pk, approve=True))
        == "test_refused"
    )
    row = Approval.objects.get(pk=approval.pk)
    assert row.state == Approval.State.PENDING
    assert row.checker_label == ""
    assert AuditEvent.objects.count() == events


def test_proposals_are_refused_without_reason_twice_or_outside_the_area() -> None:
    employer = EmployerFactory.create(name="旧名称")

    assert _code(lambda: _propose(employer, reason="  ")) == "approval_reason_required"
    assert _code(lambda: _propose(employer, kind="no_such_kind")) == "approval_kind_unknown"
    assert _code(lambda: _propose(employer, actor=OTHER_DISTRICT)) == "permission_denied"
    clerk = Actor(role=Role.BANK_CLERK, label="clerk", user_id=9)
    assert _code(lambda: _propose(employer, actor=clerk)) == "permission_denied"
    assert not Approval.objects.exists()

    _propose(employer)
    assert _code(lambda: _propose(employer, name="又一个")) == "approval_already_pending"
    assert Approval.objects.count() == 1


def test_checkers_see_and_decide_only_their_area() -> None:
    employer = EmployerFactory.create(name="旧名称")
    approval = _propose(employer)

    assert list(approvals_visible(DISTRICT_CHECKER)) == [approval]
    assert not approvals_visible(OTHER_DISTRICT).exists()
    assert not approvals_visible(SHANGHAI).exists()
    assert not approvals_visible(Actor(role=Role.EMPLOYER_HR, label="hr")).exists()
    assert (
        _code(lambda: approval_decide(actor=OTHER_DISTRICT, approval_id=approval.pk, approve=True))
        == "not_found"
    )
    assert (
        _code(lambda: approval_decide(actor=SHANGHAI, approval_id=approval.pk, approve=True))
        == "not_found"
    )

    approval_decide(actor=DISTRICT_CHECKER, approval_id=approval.pk, approve=True)
    employer.refresh_from_db()
    assert employer.name == "新名称"


def test_only_the_maker_withdraws_a_pending_change() -> None:
    employer = EmployerFactory.create(name="旧名称")
    approval = _propose(employer)

    assert (
        _code(lambda: approval_withdraw(actor=CHECKER, approval_id=approval.pk))
        == "approval_not_maker"
    )
    withdrawn = approval_withdraw(actor=MAKER, approval_id=approval.pk)

    assert withdrawn.state == Approval.State.WITHDRAWN
    assert (
        _code(lambda: approval_decide(actor=CHECKER, approval_id=approval.pk, approve=True))
        == "approval_not_pending"
    )
    # the subject is free for a new proposal
    assert _propose(employer, name="再次").state == Approval.State.PENDING


def test_a_secret_travels_wrapped_and_opens_for_the_applier() -> None:
    employer = EmployerFactory.create(name="旧名称")
    number = b"11010519491231002X"

    approval = _propose(employer, secret=number)

    wrapped = Approval.objects.get(pk=approval.pk).secret
    assert wrapped is not None
    stored = bytes(wrapped)
    assert number not in stored
    assert approval_secret(Approval.objects.get(pk=approval.pk)) == number
    assert (
        b"1101051949"
        not in str(
            AuditEvent.objects.filter(action="approval_propose").values_list("changes", flat=True)
        ).encode()
    )

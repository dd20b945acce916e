"""Changes that need two officers (maker-checker, 双人复核): one proposes, another approves.

An app that owns such a change registers its kind once (``approval_kind_register`` in its
``AppConfig.ready()``) with an applier and a one-line description. The maker's proposal is
recorded with its reason and evidence and audited; nothing of the change is applied. A second
officer who sees the subject's district approves — the kind's applier then runs in the same
transaction as the approval, on the locked row, so the change and its approval commit or roll
back together — or rejects with a note. The maker cannot decide their own proposal, and two
checkers deciding at once are ordered by the row lock: one applies, the other is told it is no
longer pending.

The payload is plain JSON and holds no clear personal identifier; a value that must stay secret
until applied (a corrected ID number) travels SM4-wrapped in ``secret`` under a label bound to
the proposal's kind and subject.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise

from sscard.core.actors import Actor, Role
from sscard.core.approval_errors import ApprovalErrorCode
from sscard.core.audit import AuditFact, audit_append
from sscard.core.crypto import secret_unwrap, secret_wrap
from sscard.core.errors import NotFound, PermissionDenied
from sscard.core.models import Approval
from sscard.core.scope import city_prefix

OBJECT = "core.approval"
OFFICERS = frozenset({Role.CITY_OFFICER, Role.DISTRICT_OFFICER})

Applier = Callable[[Approval, Actor], Mapping[str, Any]]
Describer = Callable[[Approval], str]


@dataclass(frozen=True, slots=True)
class ApprovalKind:
    """A kind of change that needs a second officer: its code, its name, how it is applied and
    how it reads on a page (names, not codes; identifiers masked)."""

    key: str
    label: str | Promise
    apply: Applier
    describe: Describer


_kinds: dict[str, ApprovalKind] = {}


def approval_kind_register(kind: ApprovalKind) -> None:
    """Register ``kind`` (from an ``AppConfig.ready()``); registering it again replaces it."""
    _kinds[kind.key] = kind


def approval_kind(key: str) -> ApprovalKind:
    found = _kinds.get(key)
    if found is None:
        raise ApprovalErrorCode.APPROVAL_KIND_UNKNOWN.error(kind=key)
    return found


def approval_kinds() -> Sequence[ApprovalKind]:
    return [_kinds[key] for key in sorted(_kinds)]


def _secret_label(approval: Approval) -> str:
    return f"approval:{approval.kind}:{approval.subject_type}:{approval.subject_id}"


def approval_secret_labels(rows: Sequence[Approval]) -> list[str]:
    """The labels the rows' secrets are wrapped under (for key rotation)."""
    return [_secret_label(row) for row in rows]


def approval_maker(approval: Approval) -> Actor:
    """Who proposed ``approval``, with their scope."""
    data = dict(approval.maker)
    return Actor(**{**data, "role": Role(data["role"])})


def approval_secret(approval: Approval) -> bytes:
    """The proposal's wrapped value, opened (empty when it carries none)."""
    if not approval.secret:
        return b""
    return secret_unwrap(bytes(approval.secret), label=_secret_label(approval))


# --------------------------------------------------------------------------------------------
# Who may see and decide
# --------------------------------------------------------------------------------------------


def _check_officer(actor: Actor, action_en: str, action_zh: str) -> None:
    if actor.role not in OFFICERS:
        raise PermissionDenied(action_en, action_zh)


def approvals_visible(actor: Actor) -> QuerySet[Approval]:
    """The approvals ``actor`` may see: a city officer's city (every city when bound to none),
    a district officer's district; nobody else's."""
    rows = Approval.objects.all()
    if actor.role not in OFFICERS:
        return rows.none()
    prefix = city_prefix(actor)
    if prefix is not None:
        rows = rows.filter(Q(city_code="") | Q(city_code__startswith=prefix))
    if actor.role == Role.DISTRICT_OFFICER:
        rows = rows.filter(district_code=actor.district_code or "-")
    return rows


def _sees_subject(actor: Actor, *, city_code: str, district_code: str) -> bool:
    if actor.role == Role.DISTRICT_OFFICER:
        return bool(district_code) and district_code == actor.district_code
    prefix = city_prefix(actor)
    return prefix is None or not city_code or city_code.startswith(prefix)


def _same_person(actor: Actor, maker: Mapping[str, Any]) -> bool:
    if actor.user_id is not None and maker.get("user_id") is not None:
        return bool(actor.user_id == maker.get("user_id"))
    return actor.label == maker.get("label")


def approval_decide_refusal(actor: Actor, approval: Approval) -> Exception | None:
    """Why ``actor`` may not decide ``approval`` now, or ``None``: the page offers the approve
    and reject buttons by this predicate, and the service refuses by it."""
    if actor.role not in OFFICERS:
        return PermissionDenied("decide a change awaiting approval", "复核待审批的变更")
    if approval.state != Approval.State.PENDING:
        return ApprovalErrorCode.APPROVAL_NOT_PENDING.error()
    if _same_person(actor, approval.maker):
        return ApprovalErrorCode.APPROVAL_OWN_CHANGE.error()
    return None


def approval_withdraw_refusal(actor: Actor, approval: Approval) -> Exception | None:
    """Why ``actor`` may not withdraw ``approval`` now, or ``None`` (the page's predicate)."""
    if actor.role not in OFFICERS:
        return PermissionDenied("withdraw a change awaiting approval", "撤回待审批的变更")
    if approval.state != Approval.State.PENDING:
        return ApprovalErrorCode.APPROVAL_NOT_PENDING.error()
    if not _same_person(actor, approval.maker):
        return ApprovalErrorCode.APPROVAL_NOT_MAKER.error()
    return None


# --------------------------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------------------------


def approval_pending_for(*, kind: str, subject_type: str, subject_id: str) -> Approval | None:
    """The proposal of ``kind`` awaiting approval for the subject, if any (one at most)."""
    return Approval.objects.filter(
        kind=kind,
        subject_type=subject_type,
        subject_id=str(subject_id),
        state=Approval.State.PENDING,
    ).first()


def approval_propose(
    *,
    actor: Actor,
    kind: str,
    subject_type: str,
    subject_id: str,
    payload: Mapping[str, Any],
    reason: str,
    evidence: str = "",
    city_code: str = "",
    district_code: str = "",
    secret: bytes = b"",
) -> Approval:
    """Record ``actor``'s proposal of a change of ``kind`` to the subject, for another officer
    to approve. Nothing of the change is applied. Refusals: ``permission_denied`` (not an
    officer, or a district officer outside the subject's district), ``approval_kind_unknown``,
    ``approval_reason_required``, ``approval_already_pending``."""
    _check_officer(actor, "propose a change for approval", "提交需复核的变更")
    approval_kind(kind)
    reason = (reason or "").strip()
    if not reason:
        raise ApprovalErrorCode.APPROVAL_REASON_REQUIRED.error()
    if not _sees_subject(actor, city_code=city_code, district_code=district_code):
        raise PermissionDenied("propose a change outside your area", "提交辖区以外的变更")
    row = Approval(
        kind=kind,
        subject_type=subject_type,
        subject_id=str(subject_id),
        city_code=city_code,
        district_code=district_code,
        payload=dict(payload),
        reason=reason,
        evidence=(evidence or "").strip(),
        maker={**asdict(actor), "role": actor.role.value},
        maker_label=actor.label,
        made_at=timezone.now(),
    )
    if secret:
        row.secret = secret_wrap(secret, label=_secret_label(row))
    try:
        with transaction.atomic():
            row.save()
            audit_append(actor=actor, fact=_fact("approval_propose", row))
    except IntegrityError as exc:
        # One pending proposal per kind and subject: a second (even racing) is refused.
        raise ApprovalErrorCode.APPROVAL_ALREADY_PENDING.error() from exc
    return row


def _visible_locked(actor: Actor, approval_id: int) -> Approval:
    row = approvals_visible(actor).select_for_update().filter(pk=approval_id).first()
    if row is None:
        raise NotFound("approval", what_zh="该待复核变更")
    return row


def approval_decide(*, actor: Actor, approval_id: int, approve: bool, note: str = "") -> Approval:
    """Approve (and apply) or reject the proposal ``approval_id``.

    Refusals: ``permission_denied``, ``not_found`` (not in the checker's area),
    ``approval_own_change``, ``approval_not_pending`` (decided meanwhile — two checkers at
    once: the row lock orders them, the second is told), ``approval_note_required`` (a
    rejection says why), and whatever the kind's applier refuses — then nothing is written
    and the proposal stays pending.
    """
    _check_officer(actor, "decide a change awaiting approval", "复核待审批的变更")
    note = (note or "").strip()
    if not approve and not note:
        raise ApprovalErrorCode.APPROVAL_NOTE_REQUIRED.error()
    with transaction.atomic():
        row = _visible_locked(actor, approval_id)
        refused = approval_decide_refusal(actor, row)
        if refused is not None:
            raise refused
        row.checker_label = actor.label
        row.decided_at = timezone.now()
        row.note = note
        if approve:
            kind = approval_kind(row.kind)
            row.result = dict(kind.apply(row, actor))
            row.state = Approval.State.APPLIED
        else:
            row.state = Approval.State.REJECTED
        row.save(update_fields=["state", "checker_label", "decided_at", "note", "result"])
        audit_append(
            actor=actor, fact=_fact("approval_apply" if approve else "approval_reject", row)
        )
    return row


def approval_withdraw(*, actor: Actor, approval_id: int) -> Approval:
    """The maker takes back their pending proposal. Refusals: ``permission_denied``,
    ``not_found``, ``approval_not_maker``, ``approval_not_pending``."""
    _check_officer(actor, "withdraw a change awaiting approval", "撤回待审批的变更")
    with transaction.atomic():
        row = _visible_locked(actor, approval_id)
        refused = approval_withdraw_refusal(actor, row)
        if refused is not None:
            raise refused
        row.state = Approval.State.WITHDRAWN
        row.decided_at = timezone.now()
        row.checker_label = actor.label
        row.save(update_fields=["state", "decided_at", "checker_label"])
        audit_append(actor=actor, fact=_fact("approval_withdraw", row))
    return row


def approval_describe(approval: Approval) -> str:
    """The proposal in one line for a page (the kind's own words)."""
    kind = _kinds.get(approval.kind)
    if kind is None:
        return approval.kind
    return kind.describe(approval)


def approval_kind_label(approval: Approval) -> str:
    kind = _kinds.get(approval.kind)
    return str(kind.label) if kind is not None else approval.kind


def _fact(action: str, row: Approval) -> AuditFact:
    changes: dict[str, Any] = {
        "kind": row.kind,
        "subject_type": row.subject_type,
        "subject_id": row.subject_id,
        "state": row.state,
    }
    if action == "approval_propose":
        changes |= {"payload": row.payload, "reason": row.reason, "district": row.district_code}
    elif row.note:
        changes["note"] = row.note
    if action == "approval_apply":
        changes["result"] = row.result
    return AuditFact(action=action, object_type=OBJECT, object_id=str(row.pk), changes=changes)

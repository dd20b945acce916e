"""The refusals of the approval (maker-checker) framework, each with both messages."""

from __future__ import annotations

from sscard.core.errors import ErrorCode


class ApprovalErrorCode(ErrorCode):
    """A stable code, its HTTP status and its messages in Chinese and English."""

    APPROVAL_KIND_UNKNOWN = (
        "approval_kind_unknown",
        422,
        "没有这种需复核的变更。",
        "There is no such kind of change to approve.",
    )
    APPROVAL_REASON_REQUIRED = (
        "approval_reason_required",
        422,
        "请填写变更原因。",
        "Give the reason for the change.",
    )
    APPROVAL_ALREADY_PENDING = (
        "approval_already_pending",
        409,
        "该对象已有一项同类变更等待复核，请先处理该项。",
        "A change of this kind to the same record is already awaiting approval; decide it first.",
    )
    APPROVAL_OWN_CHANGE = (
        "approval_own_change",
        403,
        "不能复核自己提交的变更，须由另一名经办人员复核。",
        "You cannot approve a change you proposed; another officer must approve it.",
    )
    APPROVAL_NOT_PENDING = (
        "approval_not_pending",
        409,
        "该变更已不在待复核状态（已通过、已驳回或已撤回）。",
        "This change is no longer awaiting approval (applied, rejected or withdrawn).",
    )
    APPROVAL_NOT_MAKER = (
        "approval_not_maker",
        403,
        "只有提交人可以撤回该变更。",
        "Only the officer who proposed the change may withdraw it.",
    )
    APPROVAL_NOTE_REQUIRED = (
        "approval_note_required",
        422,
        "驳回时请说明理由。",
        "Say why when you reject a change.",
    )

"""The refusals of the portal's own sign-in and token checks and of its services (accounts,
API tokens, demo accounts, uploads), each listed once with both messages."""

from __future__ import annotations

from sscard.core.errors import ErrorCode


class PortalErrorCode(ErrorCode):
    """A stable code, its HTTP status and its messages in Chinese and English."""

    TOKEN_ATTEMPTS_THROTTLED = (
        "token_attempts_throttled",
        429,
        "来自该地址的无效令牌过多，请稍后再试。",
        "Too many unknown API tokens from this address; try again later.",
    )
    CSRF_FAILED = (
        "csrf_failed",
        403,
        "请求缺少有效的CSRF令牌，请刷新页面后重试。",
        "The request lacks a valid CSRF token; reload the page and try again.",
    )
    ROLE_UNKNOWN = ("role_unknown", 422, "角色不存在。", "No such role.")
    SCOPE_MISSING = (
        "scope_missing",
        422,
        "该角色必须绑定其管辖范围。",
        "This role must be bound to its scope.",
    )
    SCOPE_NOT_ALLOWED = (
        "scope_not_allowed",
        422,
        "该角色不能绑定所给的范围。",
        "This role cannot be bound to the scope given.",
    )
    SCOPE_NOT_FOUND = (
        "scope_not_found",
        422,
        "所绑定的对象不存在。",
        "The object the role is bound to does not exist.",
    )
    OUTLET_KIND_MISMATCH = (
        "outlet_kind_mismatch",
        422,
        "银行柜员须绑定银行网点，社区经办人须绑定社区事务受理中心。",
        "A bank clerk belongs to a bank's outlet, a community clerk to a community centre.",
    )
    USERNAME_TAKEN = ("username_taken", 409, "该用户名已被使用。", "This username is taken.")
    PASSWORD_INVALID = (
        "password_invalid",
        422,
        "密码不符合要求。",
        "The password is not acceptable.",
    )
    DEMO_DATA_MISSING = (
        "demo_data_missing",
        409,
        "请先导入演示数据（单位及其职工、银行网点、社区事务受理中心）。",
        "Load the demo data first (employers with staff, bank branches, community centres).",
    )
    IMPORT_KIND_UNKNOWN = (
        "import_kind_unknown",
        422,
        "导入类型不存在。",
        "No such kind of import.",
    )
    RELYING_PARTIES_REFUSED = (
        "relying_parties_refused",
        422,
        "文件中有 {count} 行不能接受，未登记任何机构、未签发任何令牌；请按行改正后重新上传。",
        "{count} rows of the file cannot be accepted; no party was registered and no token "
        "issued. Correct the rows listed and upload the file again.",
    )
    RELYING_PARTIES_TOO_MANY = (
        "relying_parties_too_many",
        422,
        "一个文件最多 {limit} 行；请分成几个文件。",
        "A file may hold up to {limit} rows; split it into several files.",
    )
    RELYING_PARTIES_CONFLICT = (
        "relying_parties_conflict",
        409,
        "另一次导入同时登记了本文件中的机构；未写入任何内容，请重新上传。",
        "Another import registered parties of this file at the same time; nothing was "
        "written. Upload the file again.",
    )

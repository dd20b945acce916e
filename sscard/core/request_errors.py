"""Refusals of a request's form, before any view reads it; each listed once with both messages."""

from __future__ import annotations

from sscard.core.errors import ApplicationError, ErrorCode


class RequestErrorCode(ErrorCode):
    """A stable code, its HTTP status and its messages in Chinese and English."""

    PAYLOAD_TOO_LARGE = (
        "payload_too_large",
        413,
        "请求内容过大。",
        "The request is too large.",
    )
    FILE_TOO_LARGE = (  # a body past the limit here, an upload past it in sscard.core.uploads
        "file_too_large",
        413,
        "上传的内容超过{limit_mb}MB的上限。",
        "The upload is larger than the {limit_mb} MB limit.",
    )
    NUL_CHARACTER = (
        "nul_character",
        400,
        "请求中含有空字符（NUL），无法处理。",
        "The request contains a NUL character, which cannot be processed.",
    )
    TOO_MANY_FIELDS = (
        "too_many_fields",
        400,
        "请求中的字段或文件过多。",
        "The request has too many fields or files.",
    )
    MALFORMED_BODY = (
        "malformed_body",
        400,
        "请求内容的格式无法识别。",
        "The body of the request cannot be read in the format it declares.",
    )
    INVALID_INPUT = (  # what the API answers to input its schemas refuse, and a page to its form
        "invalid_input",
        422,
        "输入内容有误，请检查后重试。",
        "The input is not valid; check it and try again.",
    )
    AUTHENTICATION_REQUIRED = (
        "authentication_required",
        401,
        "请先登录或提供有效的接口令牌。",
        "Sign in or send a valid API token.",
    )
    NO_ROLE = (
        "no_role",
        403,
        "该用户尚未分配角色，请联系管理员。",
        "This user has no role yet; ask an administrator.",
    )

    @classmethod
    def file_too_large(cls, limit_bytes: int) -> ApplicationError:
        """``file_too_large`` for a limit of ``limit_bytes``, told in megabytes."""
        return cls.FILE_TOO_LARGE.error_with(
            {"limit_mb": limit_bytes // (1024 * 1024)}, limit_bytes=limit_bytes
        )

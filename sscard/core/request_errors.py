"""Refusals of a request's form, before any view reads it; each listed once with both messages."""

from __future__ import annotations

from sscard.core.errors import ErrorCode


class RequestErrorCode(ErrorCode):
    """A stable code, its HTTP status and its messages in Chinese and English."""

    PAYLOAD_TOO_LARGE = (
        "payload_too_large",
        413,
        "请求内容过大。",
        "The request is too large.",
    )
    FILE_TOO_LARGE = (  # the same code as a file over the limit in sscard.core.uploads
        "file_too_large",
        413,
        "上传的内容超过上限。",
        "The upload is larger than the limit.",
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

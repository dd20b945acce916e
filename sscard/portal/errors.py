"""The refusals of the portal's own sign-in and token checks, each listed once with both
messages."""

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

"""The refusals of the portal's own sign-in and token checks, each listed once with both
messages."""

from __future__ import annotations

from enum import Enum
from typing import Any

from sscard.core.errors import ApplicationError


class PortalErrorCode(Enum):
    """A stable code, its HTTP status and its messages in Chinese and English."""

    TOKEN_ATTEMPTS_THROTTLED = (
        "token_attempts_throttled",
        429,
        "来自该地址的无效令牌过多，请稍后再试。",
        "Too many unknown API tokens from this address; try again later.",
    )

    def __init__(self, code: str, status: int, message_zh: str, message_en: str) -> None:
        self.code = code
        self.status = status
        self.message_zh = message_zh
        self.message_en = message_en

    def error(self, **details: Any) -> ApplicationError:
        return ApplicationError(
            self.code, self.message_zh, self.message_en, details, status=self.status
        )

"""The one error type of sscard, mapped once to HTTP answers and to page messages."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, Protocol

from sscard.core.prepare import RowError


class _CodedError(Protocol):
    code: str
    message_zh: str
    message_en: str


class ApplicationError(Exception):
    """A refusal with a stable code and a message in Chinese and English.

    ``code`` is what tests and API clients match on; it never changes once published.
    """

    def __init__(
        self,
        code: str,
        message_zh: str,
        message_en: str,
        details: dict[str, Any] | None = None,
        *,
        status: int = 400,
    ) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.details = details or {}
        self.status = status

    @classmethod
    def from_coded(
        cls, error: _CodedError, *, details: dict[str, Any] | None = None, status: int = 400
    ) -> ApplicationError:
        """Wrap a kernel error (which carries the same three fields) without losing its code."""
        merged = dict(getattr(error, "details", None) or {})
        merged.update(details or {})
        return cls(error.code, error.message_zh, error.message_en, merged, status=status)

    def message(self, language: str) -> str:
        """The message in the caller's language (Chinese unless English was asked for)."""
        return self.message_en if language.startswith("en") else self.message_zh

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "details": self.details,
        }


class NotFound(ApplicationError):
    """Raised for an object that does not exist or that the caller may not see (same answer)."""

    def __init__(self, what: str, *, what_zh: str) -> None:
        super().__init__(
            "not_found",
            f"未找到{what_zh}，或您无权查看。",
            f"No such {what}, or you may not see it.",
            status=404,
        )


class PermissionDenied(ApplicationError):
    def __init__(self, action_en: str, action_zh: str) -> None:
        super().__init__(
            "permission_denied",
            f"您的角色无权{action_zh}。",
            f"Your role may not {action_en}.",
            status=403,
        )


class ErrorCode(Enum):
    """Base of each app's list of refusals (``errors.py``): every member is
    ``(code, HTTP status, message_zh, message_en)``, and ``.error(**details)`` raises it.

    A message may be a template with ``{name}`` placeholders (the catalogue lists it so); such
    a member is raised with :meth:`error_with` or, for a row of an import, :meth:`at`. A list
    value is written ``甲、乙`` in Chinese and ``a, b`` in English.
    """

    def __init__(self, code: str, status: int, message_zh: str, message_en: str) -> None:
        self.code = code
        self.status = status
        self.message_zh = message_zh
        self.message_en = message_en

    def error(self, **details: Any) -> ApplicationError:
        return ApplicationError(
            self.code, self.message_zh, self.message_en, details, status=self.status
        )

    def text(self, **values: object) -> tuple[str, str]:
        """Both messages, their ``{name}`` placeholders filled in from ``values``."""
        return (
            self.message_zh.format(**_written(values, "、")),
            self.message_en.format(**_written(values, ", ")),
        )

    def error_with(self, values: Mapping[str, object], /, **details: Any) -> ApplicationError:
        """The refusal of a member whose messages are templates: the reader is told ``values``,
        a client matches on ``details`` (as for :meth:`error`)."""
        zh, en = self.text(**values)
        return ApplicationError(self.code, zh, en, details, status=self.status)

    def at(self, row: int, column: str, **values: object) -> RowError:
        """This refusal of one row of an import, in ``column`` (named, never its value)."""
        zh, en = self.text(**values)
        return RowError(row, column, self.code, zh, en)


def _written(values: Mapping[str, object], separator: str) -> dict[str, object]:
    return {
        name: separator.join(map(str, value)) if isinstance(value, list | tuple) else value
        for name, value in values.items()
    }

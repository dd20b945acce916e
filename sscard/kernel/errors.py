"""The one error shape of the kernel.

Every failure the kernel reports is a :class:`KernelError` (or a subclass defined next to the
code that raises it). The ``code`` is a stable snake_case string that callers and tests match
on; the two messages are ready to show to a citizen or a clerk; ``details`` carries
machine-readable context and never a full personal identifier.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["KernelError"]


class KernelError(Exception):
    """Base class of every error raised by ``sscard.kernel``."""

    code: str
    message_zh: str
    message_en: str
    details: dict[str, Any]

    def __init__(
        self,
        code: str,
        message_zh: str,
        message_en: str,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(code, message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.details = dict(details) if details else {}

    def __str__(self) -> str:
        return f"{self.code}: {self.message_en}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message_en={self.message_en!r})"

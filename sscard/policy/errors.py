"""The one error of the policy layer: a pack (or a question about one) that cannot be used."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sscard.kernel.errors import KernelError

__all__ = ["PackError"]


class PackError(KernelError):
    """A policy pack refused at load, or a question naming something the pack does not hold.

    ``code`` is stable (``pack_unknown_key``, ``pack_window_reversed``, ...); ``details["path"]``
    names the offending key in the pack (``phases[0].rules[2].banks[1]``) when there is one.
    """

    def __init__(
        self,
        code: str,
        message_zh: str,
        message_en: str,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(code, message_zh, message_en, details)

    @property
    def path(self) -> str | None:
        """The path of the offending key, if the error is about one."""
        value = self.details.get("path")
        return value if isinstance(value, str) else None

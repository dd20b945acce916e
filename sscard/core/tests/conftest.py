"""Fixtures of the core's tests."""

from sscard.core.tests.approval_support import rename_kind

__all__ = ["rename_kind"]

"""The table of every refusal code: code, HTTP status, Chinese, English, and the app that owns it.

Regenerate the committed table after adding or changing a code::

    uv run python -m sscard.core.errorcatalogue > docs/errors.md

``sscard/core/tests/test_error_catalogue.py`` fails while the file differs from what this prints.

What is read, without naming any app (the apps are found, as Django finds admin modules):

* every installed ``sscard`` app's ``errors`` module and its ``*_errors`` modules (core keeps
  ``audit_errors``, ``import_errors``, ``request_errors``), and each :class:`ErrorCode` subclass
  defined there; the policy layer's ``errors`` module likewise;
* core's own two refusals, :class:`NotFound` and :class:`PermissionDenied`, their messages as
  templates;
* the kernel's message tables: a kernel module that defines a :class:`KernelError` subclass
  keeps its codes in ``_MESSAGES`` (``code -> (zh, en)``). Kernel codes have no HTTP status of
  their own: the service that meets one answers with its own (400 unless it says otherwise).

Codes raised with a message built on the spot (the policy loader's ``pack_*``, the kernel's
``schedule_*`` and the SMS checker's verdicts) have no fixed message and are not listed.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import ModuleType

from sscard.core.errors import ErrorCode, NotFound, PermissionDenied
from sscard.kernel.errors import KernelError

__all__ = [
    "REGENERATE",
    "Entry",
    "catalogue",
    "conflicts",
    "error_code_classes",
    "error_modules",
    "render",
]

REGENERATE = "uv run python -m sscard.core.errorcatalogue > docs/errors.md"

#: Packages that are not Django apps but hold codes: the policy layer's and the replay's errors,
#: the kernel's tables.
_LAYERS = ("sscard.kernel", "sscard.policy", "sscard.replay")


@dataclass(frozen=True, slots=True, order=True)
class Entry:
    """One row of the table. ``status`` is ``None`` for a kernel code (the caller decides)."""

    app: str
    code: str
    status: int | None
    zh: str
    en: str


def _packages() -> list[str]:
    from django.apps import apps

    names = [c.name for c in apps.get_app_configs() if c.name.startswith("sscard.")]
    return sorted({*names, *_LAYERS})


def _is_errors_module(name: str) -> bool:
    return name == "errors" or name.endswith("_errors")


def error_modules() -> list[ModuleType]:
    """Every ``errors`` and ``*_errors`` module directly in an sscard app or layer."""
    modules = []
    for package_name in _packages():
        package = importlib.import_module(package_name)
        for info in pkgutil.iter_modules(package.__path__):
            if not info.ispkg and _is_errors_module(info.name):
                modules.append(importlib.import_module(f"{package_name}.{info.name}"))
    return sorted(modules, key=lambda m: m.__name__)


def _app_of(module_name: str) -> str:
    return module_name.split(".")[1]


def error_code_classes(module: ModuleType) -> list[type[ErrorCode]]:
    """The :class:`ErrorCode` subclasses defined in ``module`` (not those it imports)."""
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, ErrorCode)
        and value is not ErrorCode
        and value.__module__ == module.__name__
    ]


def _enum_entries(modules: Iterable[ModuleType]) -> Iterator[Entry]:
    for module in modules:
        for enum in error_code_classes(module):
            for member in enum:
                yield Entry(
                    _app_of(module.__name__),
                    member.code,
                    member.status,
                    member.message_zh,
                    member.message_en,
                )


def _core_entries() -> Iterator[Entry]:
    for error in (
        NotFound("{what}", what_zh="{what_zh}"),
        PermissionDenied("{action_en}", "{action_zh}"),
    ):
        yield Entry("core", error.code, error.status, error.message_zh, error.message_en)


def _kernel_entries() -> Iterator[Entry]:
    kernel = importlib.import_module("sscard.kernel")
    for info in pkgutil.iter_modules(kernel.__path__):
        if info.ispkg:
            continue
        module = importlib.import_module(f"sscard.kernel.{info.name}")
        raises = any(
            isinstance(v, type) and issubclass(v, KernelError) and v.__module__ == module.__name__
            for v in vars(module).values()
        )
        table = getattr(module, "_MESSAGES", None)
        if not raises or not isinstance(table, dict):
            continue
        for code, (zh, en) in table.items():
            yield Entry("kernel", code, None, zh, en)


def catalogue() -> list[Entry]:
    """Every listed code, sorted by app then code (one row per app and code)."""
    rows = {*_enum_entries(error_modules()), *_core_entries(), *_kernel_entries()}
    return sorted(rows)


def conflicts(entries: Iterable[Entry]) -> dict[str, list[Entry]]:
    """Codes listed with more than one pair of messages, and where each pair is."""
    by_code: defaultdict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_code[entry.code].append(entry)
    return {
        code: rows
        for code, rows in sorted(by_code.items())
        if len({(row.zh, row.en) for row in rows}) > 1
    }


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render(entries: Iterable[Entry]) -> str:
    """The Markdown document ``docs/errors.md``."""
    rows = list(entries)
    lines = [
        "# Error codes / 错误代码",
        "",
        "<!-- Generated: do not edit by hand. Regenerate with",
        f"     {REGENERATE}",
        "     (sscard/core/tests/test_error_catalogue.py fails while this file is stale). -->",
        "",
        "Every refusal code sscard answers with, as API clients and tests match on it: its HTTP",
        "status, its message in Chinese and in English (`{name}` is filled in when raised), and",
        "the app that lists it, in the app's `errors.py`. Kernel codes (ID numbers, credit codes,",
        "card codes, SM2/SM3/SM4, certificates) have no status of their own (—): the service that",
        "meets one answers with its own, 400 unless it says otherwise.",
        "",
        f"{len(rows)} codes.",
        "",
        "| code | HTTP | 中文 | English | app |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        status = "—" if row.status is None else str(row.status)
        lines.append(f"| `{row.code}` | {status} | {_cell(row.zh)} | {_cell(row.en)} | {row.app} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    sys.stdout.write(render(catalogue()))


if __name__ == "__main__":
    main()

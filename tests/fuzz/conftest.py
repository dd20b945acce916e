"""The fuzz run is its own CI step (``pytest -m fuzz tests/fuzz``), not part of the suite.

It takes minutes, so the README's test command leaves it out: it is deselected unless the
marker expression names ``fuzz``.
"""

from __future__ import annotations

from collections import Counter

import pytest
from _pytest.terminal import TerminalReporter

_whole: Counter[str] = Counter()  # parts, requests, server errors
_statuses: Counter[int] = Counter()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fuzz: schemathesis against the OpenAPI document (run with -m fuzz)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "fuzz" in (config.option.markexpr or ""):
        return
    fuzz = [item for item in items if item.get_closest_marker("fuzz") is not None]
    if fuzz:
        config.hook.pytest_deselected(items=fuzz)
        items[:] = [item for item in items if item.get_closest_marker("fuzz") is None]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Add up what each part of the fuzz run recorded (with ``-n 2`` the parts run in workers
    and their reports, with these properties, reach this process)."""
    if report.when != "call":
        return
    found = dict(report.user_properties)
    if "fuzz_requests" not in found:
        return
    _whole["parts"] += 1
    _whole["requests"] += int(str(found["fuzz_requests"]))
    _whole["server_errors"] += int(str(found["fuzz_server_errors"]))
    statuses = found["fuzz_statuses"]
    assert isinstance(statuses, dict)
    _statuses.update({int(k): int(v) for k, v in statuses.items()})


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    if not _whole["parts"]:
        return
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(_statuses.items()))
    terminalreporter.write_line(
        f"fuzz: {_whole['requests']} requests in {_whole['parts']} parts, "
        f"{_whole['server_errors']} server errors; statuses {statuses}"
    )

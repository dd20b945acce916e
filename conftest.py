"""The suite's one conftest: the shared fixtures, and the single place PostgreSQL-only tests skip.

A test that needs PostgreSQL (row locks raced by two connections, ``SKIP LOCKED``, ``COPY``, the
lean verification route) says so with ``@pytest.mark.postgres(reason="...")`` (or a module's
``pytestmark``) and does nothing else: on any other database the hook below skips it with that
reason, before its fixtures set anything up.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["sscard.testing.fixtures", "sscard.testing.browser"]

POSTGRES_REASON = "needs PostgreSQL"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    for item in items:
        marker = item.get_closest_marker("postgres")
        if marker is not None:
            reason = marker.kwargs.get("reason", POSTGRES_REASON)
            item.add_marker(pytest.mark.skip(reason=reason))

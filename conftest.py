"""The suite's one conftest: the shared fixtures, and the single place PostgreSQL-only tests skip.

A test that needs PostgreSQL (row locks raced by two connections, ``SKIP LOCKED``, ``COPY``, the
lean verification route) says so with ``@pytest.mark.postgres(reason="...")`` (or a module's
``pytestmark``) and does nothing else: on any other database the hook below skips it with that
reason, before its fixtures set anything up. The same hook marks the tests that touch the run's
database, which is all CI's PostgreSQL step runs.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["sscard.testing.fixtures", "sscard.testing.browser"]

POSTGRES_REASON = "needs PostgreSQL"

# A test touches the run's database when it asks pytest-django for it (the marker or one of
# these fixtures) or says so with ``@pytest.mark.database`` (a subprocess given the run's URL).
DATABASE_FIXTURES = frozenset({"db", "transactional_db", "django_db_setup", "live_server"})


def _uses_the_database(item: pytest.Item) -> bool:
    if item.get_closest_marker("django_db") or item.get_closest_marker("postgres"):
        return True
    return bool(DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ())))


def _long(item: pytest.Item) -> bool:
    return any(item.get_closest_marker(name) for name in ("slow", "browser"))


@pytest.hookimpl(tryfirst=True)  # before ``-m`` selects on the marks added here
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that touches the run's database ``database`` (CI's PostgreSQL step runs
    only those: the others, pure functions and subprocesses on a SQLite file of their own, would
    do the same work twice), and skip the PostgreSQL-only tests elsewhere."""
    from django.db import connection

    for item in items:
        if _uses_the_database(item):
            item.add_marker(pytest.mark.database)
    if connection.vendor == "postgresql":
        return
    for item in items:
        marker = item.get_closest_marker("postgres")
        if marker is not None:
            reason = marker.kwargs.get("reason", POSTGRES_REASON)
            item.add_marker(pytest.mark.skip(reason=reason))


class _LongFirst:
    """The long tests (``slow``, and the browser journeys) first, in a stable sort (modules stay
    whole, in their order), so that they start at once on both workers and the short ones fill
    in around them, instead of long tests collected last running alone at
    the end. Last of the hooks, after pytest-django has ordered the tests by kind (its order is
    kept within each part). ``--maxschedchunk 2`` (the project's addopts) makes xdist hand the
    tests out two at a time: its default would give the first worker the first eighth of the
    suite, every long test with it."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        items.sort(key=lambda item: not _long(item))


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_LongFirst(), "sscard-long-first")

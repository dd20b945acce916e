"""Migration operations of the project's own, for migrations that must not stop a live city.

:class:`AddIndexConcurrently` builds an index with PostgreSQL's ``CREATE INDEX CONCURRENTLY``,
so that a table of millions of rows (the cards, the persons) keeps taking writes while the
index is built, and with a plain ``CREATE INDEX`` on any other database (SQLite, where
``django.contrib.postgres``' operation of the same name would fail). Its migration must be
non-atomic (``atomic = False``): PostgreSQL builds an index concurrently outside a transaction
only. A build that fails (a deadlock, a cancelled statement) leaves an ``INVALID`` index behind
on PostgreSQL; drop it (``DROP INDEX CONCURRENTLY``) before running the migration again.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres import operations as postgres
from django.db.migrations.operations import AddIndex


class AddIndexConcurrently(postgres.AddIndexConcurrently):
    """``AddIndex`` built concurrently on PostgreSQL, plainly elsewhere."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)

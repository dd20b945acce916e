"""One writer at a time for a rare, whole-set operation, held until its transaction ends.

Row locks cannot guard rows that do not exist yet: two bulk operations inserting overlapping
keys both find them absent, and the second fails on the unique index after doing its work (or,
worse, reads half of the other's result and refuses rows for the wrong reason). For operations
that are rare and set-wide (onboarding a file of relying parties), queueing them is simpler and
truer: the second runs after the first has committed and sees all of it.

On PostgreSQL this is a transaction-scoped advisory lock; SQLite's ``IMMEDIATE`` transactions
already run one writer at a time.
"""

from __future__ import annotations

import hashlib

from django.db import transaction


def _key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (the advisory lock's argument)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def serialise(name: str) -> None:
    """Wait for, then hold until the current transaction ends, the lock named ``name``."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("serialise() holds its lock until the transaction ends: open one")
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_key(name)])

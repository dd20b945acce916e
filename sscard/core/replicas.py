"""Where card verification reads: a streaming replica that keeps up, else the primary (issue 16).

Verification and challenges are the traffic that grows with the nation, not the city, so their
reads may go to PostgreSQL streaming replicas (``SSCARD_DATABASE_REPLICAS``: the database
aliases ``replica_1``, ``replica_2``, …, usually through PgBouncer in transaction mode). Every
write goes to the primary (``default``).

A replica is used only while it keeps up: its lag, measured on the replica itself by
:data:`LAG_SQL` (zero while it has replayed all the WAL it received, else the age of the last
transaction it replayed: a replica whose replay is paused or slow while WAL arrives grows
older), must be at most ``SSCARD_REPLICA_MAX_LAG_SECONDS`` less the :func:`check_seconds` for
which a measure is trusted. A replica read at most that long after a measure within that
margin is therefore never more than the bound behind: a card reported lost on the primary is
never answered ``valid`` from a replica for longer than ``SSCARD_REPLICA_MAX_LAG_SECONDS``.
(The formula cannot see WAL the primary has not yet sent; on a live streaming link that is
milliseconds.) A replica that cannot be reached, or lags, is skipped until its next measure;
the read goes to another replica, or to the primary.

Without replicas, or inside a transaction (whose reads must see its own snapshot), the read is
the primary's, exactly as before.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Final, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, connections

from sscard.core.database_errors import DatabaseErrorCode
from sscard.core.errors import ApplicationError

logger = logging.getLogger("sscard.replicas")
T = TypeVar("T")

#: The aliases settings give the replicas: ``replica_1``, ``replica_2``, …
REPLICA_PREFIX: Final = "replica_"
#: The replica's lag in seconds, on the replica itself (NULL on a server that is not one).
LAG_SQL: Final = (
    "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
)
#: The longest a measure of a replica's lag is trusted for.
CHECK_SECONDS: Final = 1.0
#: SQLSTATEs of a server that is going away or not taking connections (besides class 08).
_GONE_STATES: Final = frozenset({"57P01", "57P02", "57P03"})

_measures: dict[str, tuple[float, bool]] = {}  # alias -> (trusted until, usable)
_lock = threading.Lock()


def replica_aliases() -> list[str]:
    """The configured replicas' database aliases (none without ``SSCARD_DATABASE_REPLICAS``)."""
    return [alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX)]


def max_lag_seconds() -> float:
    """``SSCARD_REPLICA_MAX_LAG_SECONDS``: the longest a replica's answer may be behind."""
    return float(getattr(settings, "SSCARD_REPLICA_MAX_LAG_SECONDS", 5))


def check_seconds() -> float:
    """How long a measure is trusted: :data:`CHECK_SECONDS`, or half a bound shorter than 2 s."""
    return min(CHECK_SECONDS, max_lag_seconds() / 2)


def lag_allowed(lag: float | None) -> bool:
    """Whether a replica that measured ``lag`` may answer until its next measure."""
    return lag is not None and lag <= max_lag_seconds() - check_seconds()


def is_unavailable(exc: BaseException) -> bool:
    """Whether a database error says the server cannot be reached or is going away (not that
    a statement failed: a deadlock or a constraint is no outage)."""
    if isinstance(exc, InterfaceError):  # the connection was already closed
        return True
    cause = exc.__cause__ if isinstance(exc, DatabaseError) else exc
    try:
        import psycopg
        import psycopg_pool
    except ImportError:  # pragma: no cover - both are dependencies
        return False
    if isinstance(cause, psycopg_pool.PoolTimeout):
        return True
    if isinstance(cause, psycopg.InterfaceError):
        return True
    if isinstance(cause, psycopg.OperationalError):
        state = cause.sqlstate
        return state is None or state.startswith("08") or state in _GONE_STATES
    return False


def unavailable_error() -> ApplicationError:
    """The refusal of a write (or a read with nowhere to go) while the primary is down."""
    return DatabaseErrorCode.DATABASE_UNAVAILABLE.error()


def _measure(alias: str) -> bool:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(LAG_SQL)
            row = cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("replica %s cannot be reached: %s", alias, exc)
        connections[alias].close()
        return False
    lag = None if row is None or row[0] is None else float(row[0])
    usable = lag_allowed(lag)
    if not usable:
        logger.warning("replica %s skipped: lag %s s (bound %s s)", alias, lag, max_lag_seconds())
    return usable


def usable_replicas() -> list[str]:
    """The replicas that may answer now, in a random order (load spread among them)."""
    now = time.monotonic()
    usable = []
    for alias in replica_aliases():
        with _lock:
            measure = _measures.get(alias)
        if measure is None or measure[0] <= now:
            # Trusted from before the measure was taken: the margin covers the query's time.
            measure = (now + check_seconds(), _measure(alias))
            with _lock:
                _measures[alias] = measure
        if measure[1]:
            usable.append(alias)
    random.shuffle(usable)
    return usable


def skip_replica(alias: str) -> None:
    """Leave a replica out until its next measure (a read on it has just failed)."""
    with _lock:
        _measures[alias] = (time.monotonic() + check_seconds(), False)
    connections[alias].close()


def forget_measures() -> None:
    """Measure every replica afresh on the next read (tests)."""
    with _lock:
        _measures.clear()


def read_verification(read: Callable[[str], T]) -> T:
    """``read(alias)`` on a replica that keeps up, else on the primary.

    A replica that fails while being read is skipped and the next one (or the primary) asked.
    Inside a transaction, or without replicas, the primary's is the only read.
    """
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return read(DEFAULT_DB_ALIAS)
    for alias in usable_replicas():
        try:
            return read(alias)
        except DatabaseError as exc:
            if not is_unavailable(exc):
                raise
            logger.warning("replica %s failed during a read: %s", alias, exc)
            skip_replica(alias)
    return read(DEFAULT_DB_ALIAS)


def read_replica_only(read: Callable[[str], T]) -> T:
    """``read(alias)`` on a replica that keeps up, for when the primary is down; refuses with
    503 ``database_unavailable`` when none can."""
    for alias in usable_replicas():
        try:
            return read(alias)
        except DatabaseError as exc:
            if not is_unavailable(exc):
                raise
            skip_replica(alias)
    raise unavailable_error()

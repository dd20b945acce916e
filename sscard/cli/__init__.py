"""The ``sscard`` command: demo, serve, import, generate, audit, and Django's own commands.

Exit codes: 0 done; 1 done but some rows were refused (the report's path is printed);
2 the input was refused as a whole or the command was misused.

One module per app registers its commands on the group ``cli`` (``common.py``, with the helpers
they share): ``portal`` (demo, setup, serve, manage), ``registry`` (import, keys), ``synthetic``
(generate), ``policy``, ``audit``, ``calendar``, ``production``, ``schools``, ``cards`` (card),
``replay``.
"""

from __future__ import annotations

# Importing a command module registers its commands on ``cli``.
from sscard.cli import (  # noqa: F401
    audit,
    calendar,
    campaigns,
    cards,
    network,
    policy,
    portal,
    production,
    registry,
    replay,
    schools,
    synthetic,
)
from sscard.cli.common import NOT_MIGRATED, NOT_SET_UP, _database_unreachable, cli

__all__ = ["NOT_MIGRATED", "NOT_SET_UP", "cli", "main"]


def main() -> None:
    try:
        cli()
    except Exception as exc:
        # A database that went away mid-command, or one whose tables another process dropped:
        # one line, as for a database never set up. Anything else is a bug and keeps its trace.
        from django.db import OperationalError

        if not isinstance(exc, OperationalError):
            raise
        _database_unreachable(exc)

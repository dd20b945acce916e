"""Refusals that come from the database's state rather than the request; each listed once."""

from __future__ import annotations

from sscard.core.errors import ErrorCode


class DatabaseErrorCode(ErrorCode):
    """A stable code, its HTTP status and its messages in Chinese and English."""

    DATABASE_UNAVAILABLE = (  # the primary is down: writes fail, verification reads replicas
        "database_unavailable",
        503,
        "主数据库暂时无法访问，未做任何更改，请稍后再试。",
        "The primary database cannot be reached and nothing was changed; try again later.",
    )

"""The replay's refusals (``sscard replay``): said on the command line with exit code 2, listed
in the error catalogue like every other code."""

from __future__ import annotations

from sscard.core.errors import ErrorCode

__all__ = ["ReplayErrorCode"]


class ReplayErrorCode(ErrorCode):
    DATABASE_NOT_EMPTY = (
        "replay_database_not_empty",
        409,
        "重放需要一个空数据库：当前数据库已有人员或申请。请使用新的数据目录或数据库。",
        "The replay needs an empty database: this one already holds persons or applications. "
        "Use a fresh data directory or database.",
    )
    IMPORT_REFUSED = (
        "replay_import_refused",
        422,
        "重放生成的人口导入时有行被拒绝：{refused}",
        "Importing the replay's generated population refused rows: {refused}",
    )
    PROCESSES_NEED_POSTGRESQL = (
        "replay_processes_need_postgresql",
        400,
        "多于 1 个进程需要 PostgreSQL 数据库（SQLite 一次只接受一个写入者）。",
        "More than 1 process needs a PostgreSQL database (SQLite takes one writer at a time).",
    )

"""What every ``sscard`` command shares: the click group, Django's set-up, the console, the
system actor and the one-line refusal."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from sscard.core.actors import Actor


def _django(settings: str | None = None, *, ready: bool = True) -> None:
    """Set Django up; with ``ready`` (most commands) stop with one line if the database is not.

    ``demo``, ``setup``, ``serve`` and ``manage`` pass ``ready=False``: they set it up themselves.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings or "config.settings.base")
    import django
    from django.conf import settings as conf

    django.setup()
    # The embedded database lives in the data directory: make sure it exists.
    Path(conf.DATA_DIR).mkdir(parents=True, exist_ok=True)
    if ready:
        _require_set_up()


NOT_SET_UP = (
    "尚无数据：请先运行 `sscard setup --city beijing`（或 shanghai） / "
    "no data yet: run `sscard setup --city beijing` (or shanghai) first"
)
NOT_MIGRATED = (
    "数据库需要升级：请运行 `sscard manage migrate` / "
    "the database is behind this version: run `sscard manage migrate`"
)


def _require_set_up() -> None:
    """Exit 2 with one line, never a traceback, when the database has no tables or is behind."""
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        _database_unreachable(exc)
    if pending:
        # click.echo, not rich: the line must stay one line however narrow the terminal.
        click.echo(NOT_MIGRATED if executor.loader.applied_migrations else NOT_SET_UP)
        sys.exit(2)


def _database_unreachable(exc: BaseException) -> NoReturn:
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    click.echo(f"数据库无法访问 / the database cannot be reached: {first}")
    sys.exit(2)


def _console() -> Any:
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:
        # Piped or logged output: wide enough that no password is ever cut short.
        console = Console(highlight=False, width=max(console.width, 120))
    return console


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sscard")
def cli() -> None:
    """sscard — 社会保障卡服务平台 / the social security card platform."""


def _system_actor() -> Actor:
    from sscard.core.actors import Actor

    return Actor.system("sscard-cli")


def _migrate(verbosity: int = 0) -> None:
    from django.conf import settings
    from django.core.management import call_command

    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=verbosity)


def _refused(exc: Any) -> None:
    _console().print(f"[red]{exc.code}[/red] {exc.message_zh}\n{exc.message_en}")
    sys.exit(2)

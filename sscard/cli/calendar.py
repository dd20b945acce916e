"""``sscard calendar``: the official working-day calendar, its coverage and the next year's load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from sscard.cli.common import _console, _django, _refused, _system_actor, cli


@cli.group()
def calendar() -> None:
    """The official working-day calendar: which years are covered, and loading the next one."""


@calendar.command("status")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Default: today.")
def calendar_status_command(today: Any) -> None:
    """Covered years (package and loaded, with their source) and the warning from 60 days
    before the covered calendar ends."""
    _django()
    from sscard.core import clock
    from sscard.core.calendar import calendar_status

    day = today.date() if today is not None else clock.today()
    status = calendar_status(actor=_system_actor(), today=day)
    console = _console()
    console.print(
        f"{status.package_first}–{status.package_last}  软件包 / package  ({status.package_source})"
    )
    for year in status.loaded:
        mark = "  示例 / EXAMPLE" if year.example else ""
        replaces = "  取代软件包 / replaces the package" if year.replaces_package else ""
        console.print(
            f"{year.year}  已导入 / loaded  {year.source}  SM3 {year.file_digest[:16]}…  "
            f"{year.loaded_by} {year.loaded_at:%Y-%m-%d %H:%M}{replaces}{mark}"
        )
    if status.covered_until is None:
        console.print(
            f"[red]{day.year}年没有官方放假安排 / no official schedule for {day.year}[/red]: "
            f"sscard calendar load FILE"
        )
    elif status.warn:
        console.print(
            f"[yellow]工作日历只到{status.covered_until.isoformat()}（还有{status.days_left}天），"
            f"请导入{status.next_year}年放假安排 / the calendar ends on "
            f"{status.covered_until.isoformat()} ({status.days_left} days left): load the "
            f"{status.next_year} schedule[/yellow]: sscard calendar load FILE"
        )
    else:
        console.print(
            f"工作日历覆盖至 / covered until {status.covered_until.isoformat()} "
            f"({status.days_left} days)"
        )


@calendar.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--allow-example",
    is_flag=True,
    help="Load a file marked example: true (demos and tests only, never in production).",
)
def calendar_load_command(file: Path, allow_example: bool) -> None:
    """Load a year's official holiday schedule (YAML or JSON, see docs/calendar/), and give
    pending applications their due dates."""
    _django()
    from sscard.applications.services import calendar_year_load
    from sscard.core.errors import ApplicationError

    try:
        result = calendar_year_load(
            actor=_system_actor(),
            content=file.read_bytes(),
            file_name=file.name,
            allow_example=allow_example,
        )
    except ApplicationError as exc:
        field = exc.details.get("field")
        if field:
            _console().print(f"field: {field}")
        _refused(exc)
        return
    console = _console()
    if not result.changed:
        console.print(
            f"{result.year}年放假安排未变 / the {result.year} schedule is unchanged "
            f"(SM3 {result.file_digest[:16]}…)"
        )
        return
    console.print(
        f"已导入{result.year}年放假安排 / loaded the {result.year} schedule: {result.source}"
    )
    console.print(
        f"制卡期限已确定 / due dates set: {result.applications_due_set} applications, "
        f"{result.collectives_due_set} collective applications; still pending: "
        f"{result.still_pending}"
    )

"""``sscard replay``: a past campaign lived again through the services (issue 13)."""

from __future__ import annotations

import sys
from datetime import date
from typing import TYPE_CHECKING, Any

import click

from sscard.cli.common import _console, _django, _migrate, cli

if TYPE_CHECKING:
    from sscard.replay.shanghai import ReplayCounts

SCENARIOS = ("shanghai-2018-pilot",)


def _bar() -> Any:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True, highlight=False)
    if not console.is_terminal:
        # A log file: wide enough for the day's figures on one line.
        console = Console(stderr=True, highlight=False, width=max(console.width, 160))
    return Progress(
        TextColumn("[bold]{task.description}[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )


@cli.command("replay")
@click.argument("scenario", type=click.Choice(SCENARIOS))
@click.option(
    "--scale",
    type=click.FloatRange(0, 1, min_open=True),
    default=0.01,
    show_default=True,
    help="1 is the notice's size (2.85 million applications).",
)
@click.option("--seed", type=int, default=2018, show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option(
    "--processes",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes making the day's counter, online and post calls (PostgreSQL for more than 1).",
)
def replay_command(scenario: str, scale: float, seed: int, lang: str, processes: int) -> None:
    """Replay Shanghai's 2018 pilot (SH-02) on an empty database through the services, day by
    day, and print the report of 2018-12-20."""
    _django(ready=False)
    from django.db import connection

    from sscard.replay.errors import ReplayErrorCode

    if processes > 1 and connection.vendor != "postgresql":
        zh, en = ReplayErrorCode.PROCESSES_NEED_POSTGRESQL.text()
        click.echo(f"{ReplayErrorCode.PROCESSES_NEED_POSTGRESQL.code}: {zh} / {en}")
        sys.exit(2)
    _migrate()
    from sscard.replay.report import sh02_lines
    from sscard.replay.shanghai import (
        CITY_CODE,
        NOTICE_APPLICATIONS,
        NOTICE_AT_OUTLETS,
        NOTICE_MADE_ISSUED,
        NOTICE_ONLINE,
        REPORT_DAY,
        ReplayRefused,
        replay_shanghai_pilot,
    )

    with _bar() as bar:
        tasks: dict[str, Any] = {}

        def say(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total, note="")
            bar.update(tasks[what], completed=done, total=max(total, done))

        def on_day(day: date, done: int, total: int, counts: ReplayCounts) -> None:
            if "days" not in tasks:
                tasks["days"] = bar.add_task("days", total=total, note="")
            note = (
                f"{day.isoformat()}  applied {sum(counts.applied.values()):,}  "
                f"made {counts.cards_made:,}  delivered {counts.delivered:,}"
            )
            bar.update(tasks["days"], completed=done, note=note)
            if not bar.console.is_terminal:
                # A log (nohup …): a bar is drawn only at the end there, so a line a day.
                bar.console.print(f"day {done}/{total} {note}")

        try:
            result = replay_shanghai_pilot(
                scale=scale, seed=seed, processes=processes, say=say, on_day=on_day
            )
        except ReplayRefused as exc:
            click.echo(f"{exc.code}: {exc.message_zh} / {exc.message_en}")
            sys.exit(2)
    notice = {
        "applications": NOTICE_APPLICATIONS,
        "at_outlets": NOTICE_AT_OUTLETS,
        "online": NOTICE_ONLINE,
        "made": NOTICE_MADE_ISSUED,
        "issued": NOTICE_MADE_ISSUED,
    }
    for line in sh02_lines(
        city_code=CITY_CODE, day=REPORT_DAY, scale=scale, notice=notice, english=lang == "en"
    ):
        click.echo(line)
    counts = result.counts
    _console().print(
        f"[dim]{scenario} scale {scale:g} seed {seed} processes {processes}: "
        f"{result.seconds:,.0f} s; "
        f"imported {result.imported}; eligible {counts.eligible:,}; "
        f"growth {result.plan.growth:.3f}/month; "
        f"collectives {counts.collectives:,}, rostered {counts.rostered:,}, "
        f"confirmed {counts.confirmed:,}; batches {counts.batches:,}, made {counts.cards_made:,}, "
        f"defective {counts.cards_defective:,}; delivered {counts.delivered:,}, "
        f"undelivered {counts.undelivered:,}, collected {counts.collected:,}; "
        f"refused {dict(counts.refused)}, kept off rosters {dict(counts.roster_refused)}[/dim]",
        soft_wrap=True,
    )

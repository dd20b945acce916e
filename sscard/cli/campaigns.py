"""``sscard campaign``: record who a campaign reaches (its ``eligible`` milestones, issue 13)."""

from __future__ import annotations

from typing import Any

import click

from sscard.cli.common import _console, _django, _refused, _system_actor, cli


@cli.group()
def campaign() -> None:
    """The campaign in force: record who it reaches on a day."""


@campaign.command("eligible")
@click.option("--city", "city_code", required=True, help="The city's 6-digit code (110000).")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day the pack in force is asked about, YYYY-MM-DD (default today).",
)
@click.option(
    "--chunk",
    "chunk_size",
    type=click.IntRange(min=1000),
    default=100_000,
    show_default=True,
    help="Persons per transaction.",
)
def campaign_eligible(city_code: str, day: Any, chunk_size: int) -> None:
    """Record every person the pack in force reaches on the day as eligible, once per person
    and campaign: run it on the campaign's first day and on each day a wave opens; a second
    run of the same day records nothing more, a killed run is simply run again."""
    _django()
    from sscard.campaigns.milestones import eligible_record
    from sscard.core.errors import ApplicationError

    try:
        result = eligible_record(
            actor=_system_actor(),
            city_code=city_code,
            day=day.date() if day is not None else None,
            chunk_size=chunk_size,
        )
    except ApplicationError as exc:
        _refused(exc)
    _console().print(
        f"{result.day.isoformat()}: 新登记符合条件人员 {result.recorded:,} 人"
        f"（此前已登记 {result.already:,} 人）/ {result.recorded:,} person(s) recorded eligible"
        f" ({result.already:,} recorded before) in campaign #{result.campaign_id}"
    )

"""``sscard schools``: record a school's notice, or a whole district's (campaigns, SH-09)."""

from __future__ import annotations

from typing import Any

import click

from sscard.cli.common import _console, _django, _refused, _system_actor, cli


@cli.group()
def schools() -> None:
    """Schools: record a school's notice, or a whole district's (SH-09)."""


@schools.command("notify")
@click.option("--school", "school_code", help="One school, by its 10-digit code.")
@click.option("--district", "district_code", help="Every school of a district not yet notified.")
@click.option(
    "--date",
    "notified_on",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day of the notice, YYYY-MM-DD (not later than today).",
)
def schools_notify(school_code: str | None, district_code: str | None, notified_on: Any) -> None:
    """Record a notice; the pupils' parents are texted the pack's school notice."""
    _django()
    from sscard.campaigns.services import school_notify
    from sscard.core.errors import ApplicationError

    try:
        notice = school_notify(
            actor=_system_actor(),
            notified_on=notified_on.date(),
            school_code=school_code,
            district_code=district_code,
        )
    except ApplicationError as exc:
        _refused(exc)
    _console().print(
        f"已通知 {len(notice.school_codes):,} 所学校 / {len(notice.school_codes):,} school(s)"
        f" notified on {notice.notified_on.isoformat()}; "
        f"{notice.messages:,} 条短信 / text(s) to parents queued"
    )

"""`sscard replay shanghai-2018-pilot` (issue 13 point 4): Shanghai's 2018 pilot lived again
through the services, at a small scale, on an empty database.

Given the replay at scale 0.0001 (the notice's 2.85 million applications become 285), when it
has run, then the SH-02 report it prints holds the counts an independent query over the
applications and cards finds, near the notice's figures at that scale; and what the services
wrote is the pilot's: three districts, their groups and channels, dated July to December 2018.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, time

import pytest
from click.testing import CliRunner
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from sscard.applications.models import Application
from sscard.cards.models import Card
from sscard.cli import cli
from sscard.registry.models import Person
from sscard.replay.shanghai import DISTRICTS, FIRST_DAY, REPORT_DAY
from sscard.testing.factories import PersonFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SCALE = 0.0001
# At this scale a figure is a few hundred applications drawn at random and whole employers'
# staff: the notice's figures hold within a quarter (at scale 0.01 and up, within a few %).
TOLERANCE = 0.25
NOTICE = {
    "Applications for the new card": 2_850_000,
    "at outlets": 2_780_000,
    "Cards made, in all": 1_740_000,
    "Cards issued, in all (handed over or delivered)": 1_740_000,
}
LINE = re.compile(r"^(?P<indent> *)(?P<label>[^:]+): (?P<count>[\d,]+)")


def _printed(stdout: str) -> dict[str, int]:
    figures: dict[str, int] = {}
    for line in stdout.splitlines():
        found = LINE.match(line)
        if found:
            figures[found["label"]] = int(found["count"].replace(",", ""))
    return figures


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max), timezone.get_default_timezone())


def test_the_pilot_replayed_prints_the_tables_counts_near_the_notices_figures() -> None:
    if connection.vendor == "postgresql":
        pytest.skip("half a minute of services: run once, on SQLite, to keep CI in its time")
    # chosen for speed: without workers one personalisation task per batch does the work of four
    # given an empty database, when the pilot is replayed
    with override_settings(SSCARD_PERSONALISE_TASKS=1):
        result = CliRunner().invoke(
            cli,
            ["replay", "shanghai-2018-pilot", "--scale", str(SCALE), "--lang", "en"],
            catch_exceptions=False,
        )
    assert result.exit_code == 0, result.output
    printed = _printed(result.stdout)
    assert "figures as they stood on 2018-12-20" in result.stdout

    # then the report holds the tables' own counts
    applied = Application.objects.filter(applied_on__lte=REPORT_DAY)
    channels = Counter(applied.values_list("channel", flat=True))
    end = _end_of(REPORT_DAY)
    assert printed["Applications for the new card"] == applied.count()
    assert printed["at outlets"] == (
        channels["bank_outlet"] + channels["community_centre"] + channels["collective_offline"]
    )
    assert printed["online"] == channels["parent_online"]
    assert printed["Partner bank outlet"] == channels["bank_outlet"]
    assert printed["Community acceptance centre"] == channels["community_centre"]
    assert printed["Employer batch"] == channels["collective_offline"]
    assert printed["Parent's online application for a child"] == channels["parent_online"]
    assert printed["Cards made, in all"] == Card.objects.filter(produced_at__lte=end).count()
    assert printed["Cards issued, in all (handed over or delivered)"] == (
        Card.objects.filter(handed_over_at__lte=end).count()
    )

    # and those counts are near the notice's figures at this scale
    for label, figure in NOTICE.items():
        assert printed[label] == pytest.approx(figure * SCALE, rel=TOLERANCE), label
    assert 0 < printed["online"] <= 4 * 70_000 * SCALE

    # and what the services wrote is the pilot's: its districts, its phase, its days
    assert set(channels) == {
        "bank_outlet",
        "community_centre",
        "collective_offline",
        "parent_online",
    }
    assert not Application.objects.exclude(phase_id="pilot").exists()
    assert not Application.objects.exclude(applied_on__range=(FIRST_DAY, REPORT_DAY)).exists()
    persons = Person.objects.filter(applications__isnull=False)
    outside = persons.exclude(insured_region__in=DISTRICTS).exclude(hukou_region__in=DISTRICTS)
    assert not outside.exists()
    # and every card made was posted, and all but those waiting at a backup centre reached
    # their holders
    made = Card.objects.filter(produced_at__lte=end)
    assert made.filter(stage__in=("handed_over", "at_outlet")).count() == made.count()


def test_a_database_with_persons_is_refused() -> None:
    # given a database that already holds someone
    PersonFactory.create()
    # when the replay is asked for, then it refuses and writes nothing
    result = CliRunner().invoke(cli, ["replay", "shanghai-2018-pilot", "--scale", "0.0001"])
    assert result.exit_code == 2
    assert "replay_database_not_empty" in result.output
    assert not Application.objects.exists()


def test_several_processes_need_postgresql() -> None:
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL allows several processes: the refusal checked is SQLite's")
    result = CliRunner().invoke(
        cli, ["replay", "shanghai-2018-pilot", "--scale", "0.0001", "--processes", "2"]
    )
    assert result.exit_code == 2
    assert "replay_processes_need_postgresql" in result.output
    assert "needs a PostgreSQL database" in result.output
    assert not Person.objects.exists()

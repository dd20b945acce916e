"""`sscard campaign eligible`: record who the pack in force reaches, once per person and
campaign; run in-process with click's runner."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from sscard.applications.tests.support import in_force
from sscard.cli import cli
from sscard.core.models import Milestone
from sscard.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_eligible_records_each_person_once_and_refuses_a_city_without_a_campaign() -> None:
    PersonFactory.create_batch(2)
    code, out = run("campaign", "eligible", "--city", "110000", "--date", "2024-03-04")
    assert (code, "no_campaign_in_force" in out) == (2, True)
    in_force("beijing-2024")
    code, out = run("campaign", "eligible", "--city", "110000", "--date", "2024-03-04")
    assert code == 0
    assert "2 person(s) recorded eligible (0 recorded before)" in out
    code, out = run("campaign", "eligible", "--city", "110000", "--date", "2024-03-05")
    assert "0 person(s) recorded eligible (2 recorded before)" in out
    assert Milestone.objects.filter(kind="eligible").count() == 2

"""SH-07: retirees, 2019-01 to 2019-06, at service-bank outlets and community centres; the
account bank defaults to the pension bank; if that is not one of the 11, the applicant picks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

import sscard.network
from sscard.policy import Decision, DecisionRequest, builtin_pack, decide
from sscard.policy.tests.packs import shanghai_person

PACK = builtin_pack("shanghai-2019")
DAY = date(2019, 3, 4)


def migrate(day: date = DAY, channel: str = "bank_outlet", **kw: object) -> Decision:
    bank = kw.pop("bank", None)
    facts = shanghai_person(**kw)
    return decide(PACK, DecisionRequest("migrate", channel, day, bank=bank), facts)  # type: ignore[arg-type]


def test_sh_07_the_eleven_banks_are_those_of_the_network() -> None:
    path = Path(sscard.network.__file__).parent / "data" / "banks.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    assert list(PACK.bank_codes) == [b["code"] for b in data["cities"]["shanghai"]["partner_banks"]]
    assert len(PACK.banks) == 11


@pytest.mark.parametrize("day", [date(2019, 1, 1), date(2019, 6, 30)])
@pytest.mark.parametrize("channel", ["bank_outlet", "community_centre"])
def test_sh_07_retirees_are_served_from_january_to_june_2019(day: date, channel: str) -> None:
    decision = migrate(day, channel)
    assert decision.allowed
    assert (decision.phase_id, decision.clause) == ("retirees", "SH-07")


def test_sh_07_the_window_closes_after_june() -> None:
    decision = migrate(date(2019, 7, 1))
    assert not decision.allowed
    assert decision.reason_code == "no_rule"


def test_sh_07_the_pension_bank_is_the_default_when_it_is_one_of_the_eleven() -> None:
    decision = migrate(pension_bank="SRCB")
    assert decision.bank_default == "SRCB"
    assert decision.banks == PACK.bank_codes


@pytest.mark.parametrize("pension_bank", ["CIB", "CITIC", ""])
def test_sh_07_otherwise_the_applicant_picks_one_of_the_eleven(pension_bank: str) -> None:
    decision = migrate(pension_bank=pension_bank)
    assert decision.allowed
    assert decision.bank_default is None
    assert decision.banks == PACK.bank_codes
    assert migrate(pension_bank=pension_bank, bank="CCB").allowed


def test_sh_07_the_pick_must_be_one_of_the_eleven() -> None:
    decision = migrate(pension_bank="CIB", bank="CIB")
    assert (decision.allowed, decision.reason_code) == (False, "bank_not_partner")

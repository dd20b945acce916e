"""SH-08: staff, 2019-07 to 2020-12, through the employer in batch; the payroll bank is the
account bank; with several the employer picks one; if none is among the 11, it picks one."""

from __future__ import annotations

from datetime import date

import pytest

from sscard.policy import Decision, DecisionRequest, EmployerFacts, builtin_pack, decide
from sscard.policy.tests.packs import shanghai_person

PACK = builtin_pack("shanghai-2019")
DAY = date(2019, 9, 2)


def unit(*payroll: str, day: date = DAY, bank: str | None = None) -> Decision:
    return decide(
        PACK,
        DecisionRequest("collective", "collective_online", day, bank=bank),
        EmployerFacts(insured_district="310101", payroll_banks=payroll),
    )


def test_sh_08_one_payroll_bank_among_the_eleven_is_the_account_bank() -> None:
    decision = unit("BOSC", "CIB")
    assert decision.allowed
    assert (decision.banks, decision.bank_default) == (("BOSC",), "BOSC")
    assert decision.clause == "SH-08"


def test_sh_08_with_several_the_employer_picks_among_them() -> None:
    decision = unit("ICBC", "CCB", "CIB")
    assert (decision.banks, decision.bank_default) == (("ICBC", "CCB"), None)
    assert unit("ICBC", "CCB", bank="CCB").allowed
    refused = unit("ICBC", "CCB", bank="BOC")
    assert refused.reason_code == "bank_not_partner"


def test_sh_08_with_none_among_the_eleven_the_employer_picks_any_of_them() -> None:
    decision = unit("CIB", "PAB")
    assert (decision.banks, decision.bank_default) == (PACK.bank_codes, None)
    assert unit("CIB", bank="SPDB").allowed


def test_sh_08_the_same_rule_answers_for_a_staff_member() -> None:
    staff = shanghai_person(
        category="in_service_staff", employer_district="310101", payroll_banks=("CCB",)
    )
    decision = decide(PACK, DecisionRequest("migrate", "collective_offline", DAY), staff)
    assert (decision.allowed, decision.bank_default) == (True, "CCB")


@pytest.mark.parametrize(
    ("day", "open_"),
    [
        (date(2019, 6, 30), False),
        (date(2019, 7, 1), True),
        (date(2020, 12, 31), True),
        (date(2021, 1, 1), False),
    ],
)
def test_sh_08_the_staff_window(day: date, open_: bool) -> None:
    assert unit("ICBC", day=day).allowed is open_


def test_sh_08_staff_do_not_apply_alone_at_a_bank() -> None:
    staff = shanghai_person(category="in_service_staff", employer_district="310101")
    decision = decide(PACK, DecisionRequest("migrate", "bank_outlet", DAY), staff)
    assert not decision.allowed

"""BJ-09: the 14 partner banks; a non-partner bank is refused."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import pytest
import yaml

import sscard.network
from sscard.policy import DecisionRequest, EmployerFacts, PackError, builtin_pack, decide, load_pack
from sscard.policy.tests.packs import dump, pack_data, rule_index

PACK = builtin_pack("beijing-2024")
DAY = date(2024, 3, 5)
NOTICE_BANKS = [
    "工商银行", "农业银行", "中国银行", "建设银行", "交通银行", "北京银行", "华夏银行",
    "北京农", "中信银行", "光大银行", "民生银行", "招商银行", "浦东发展银行", "邮政储蓄银行",
]  # fmt: skip


def _network_codes(city: str) -> list[str]:
    path = Path(sscard.network.__file__).parent / "data" / "banks.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    return [b["code"] for b in data["cities"][city]["partner_banks"]]


def test_bj_09_the_pack_lists_exactly_the_fourteen_banks() -> None:
    assert len(PACK.banks) == 14
    # the same codes as the bank network holds
    assert list(PACK.bank_codes) == _network_codes("beijing")
    # every bank the notice names, and only those
    for name in NOTICE_BANKS:
        assert sum(name in bank.name_zh for bank in PACK.banks) == 1, name
    assert all(bank.clause == "BJ-09" for bank in PACK.banks)


def test_bj_09_a_partner_bank_is_accepted() -> None:
    decision = decide(
        PACK,
        DecisionRequest("collective", "collective_online", DAY, bank="BOB"),
        EmployerFacts("110102"),
    )
    assert decision.allowed
    assert decision.banks == PACK.bank_codes
    assert decision.bank_default is None  # the employer picks (BJ-04)


@pytest.mark.parametrize("bank", ["CIB", "PAB", "BOSC", "icbc", ""])
def test_bj_09_a_non_partner_bank_is_refused(bank: str) -> None:
    decision = decide(
        PACK,
        DecisionRequest("collective", "collective_online", DAY, bank=bank),
        EmployerFacts("110102"),
    )
    assert (decision.allowed, decision.reason_code) == (False, "bank_not_partner")
    assert bank in decision.message_zh or bank == ""
    assert decision.message_en


def test_bj_09_a_pack_offering_a_non_partner_bank_is_refused_at_load() -> None:
    data = copy.deepcopy(pack_data("beijing-2024"))
    pi, ri = rule_index(data, "pilot-collective")
    data["phases"][pi]["rules"][ri]["banks"] = ["ICBC", "CIB"]
    with pytest.raises(PackError) as info:
        load_pack(dump(data))
    assert info.value.code == "pack_bank_unknown"
    assert info.value.path == f"phases[{pi}].rules[{ri}].banks[1]"

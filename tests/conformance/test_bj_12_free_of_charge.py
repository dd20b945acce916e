"""BJ-12: application and replacement are free of production fee and postage."""

from __future__ import annotations

import copy

import pytest

from sscard.policy import PackError, builtin_pack, load_pack
from sscard.policy.tests.packs import dump, pack_data

PACK = builtin_pack("beijing-2024")


def test_bj_12_every_fee_is_zero() -> None:
    assert PACK.fees.notice_says_free
    assert PACK.fees.clause == "BJ-12"
    assert {item.id for item in PACK.fees.items} == {"production", "postage"}
    assert all(item.amount_fen == 0 for item in PACK.fees.items)


@pytest.mark.parametrize("index", [0, 1])
def test_bj_12_a_pack_that_sets_a_fee_is_refused(index: int) -> None:
    data = copy.deepcopy(pack_data("beijing-2024"))
    data["fees"]["items"][index]["amount_fen"] = 1000
    with pytest.raises(PackError) as info:
        load_pack(dump(data))
    assert info.value.code == "pack_fee_not_free"
    assert info.value.path == f"fees.items[{index}].amount_fen"
    assert info.value.message_zh
    assert info.value.message_en

"""SH-15: the new card is free; no bank management, annual or account-opening fee."""

from __future__ import annotations

import copy

import pytest

from sscard.policy import PackError, builtin_pack, load_pack
from sscard.policy.tests.packs import dump, pack_data

PACK = builtin_pack("shanghai-2019")


def test_sh_15_every_fee_is_zero() -> None:
    assert PACK.fees.notice_says_free
    assert PACK.fees.clause == "SH-15"
    ids = {item.id for item in PACK.fees.items}
    assert {"replacement", "bank_management", "annual", "account_opening"} <= ids
    assert all(item.amount_fen == 0 for item in PACK.fees.items)


@pytest.mark.parametrize("fee", ["bank_management", "annual", "account_opening"])
def test_sh_15_a_pack_that_charges_a_bank_fee_is_refused(fee: str) -> None:
    data = copy.deepcopy(pack_data("shanghai-2019"))
    index = next(i for i, item in enumerate(data["fees"]["items"]) if item["id"] == fee)
    data["fees"]["items"][index]["amount_fen"] = 1000
    with pytest.raises(PackError) as info:
        load_pack(dump(data))
    assert info.value.code == "pack_fee_not_free"
    assert info.value.path == f"fees.items[{index}].amount_fen"

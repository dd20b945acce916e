"""SH-17: hotlines 962222, 12333, 962218 and each bank's; the sites and apps."""

from __future__ import annotations

from sscard.policy import builtin_pack

PACK = builtin_pack("shanghai-2019")


def test_sh_17_the_three_hotlines_and_what_each_is_for() -> None:
    hotlines = {c.phone: c for c in PACK.contacts if c.kind == "hotline"}
    assert set(hotlines) == {"962222", "12333", "962218"}
    assert "补换" in hotlines["962222"].what_zh
    assert "社会保障" in hotlines["12333"].what_zh
    assert "医疗保障" in hotlines["962218"].what_zh
    assert all(c.what_en and c.name_en for c in hotlines.values())


def test_sh_17_each_banks_own_hotline_for_the_financial_function() -> None:
    [banks] = [c for c in PACK.contacts if c.kind == "bank_hotlines"]
    assert banks.what_zh == "金融功能"
    assert all(bank.hotline for bank in PACK.banks)


def test_sh_17_the_sites_and_apps() -> None:
    sites = {c.url for c in PACK.contacts if c.kind == "website"}
    assert sites == {"www.962222.net", "www.12333sh.gov.cn", "www.shyb.gov.cn"}
    kinds = {c.kind for c in PACK.contacts}
    assert {"app", "wechat"} <= kinds


def test_sh_17_every_entry_cites_the_clause() -> None:
    assert all(c.clause == "SH-17" for c in PACK.contacts)

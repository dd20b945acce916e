"""The reference data files, checked against python-stdnum's GB/T 2260 database."""

from __future__ import annotations

import csv
import re

import pytest
import yaml
from stdnum import numdb

from sscard.synthetic.cities import BANKS_FILE, DIVISIONS_FILE, city_profile, divisions

BEIJING = {
    "110101": "东城区", "110102": "西城区", "110105": "朝阳区", "110106": "丰台区",
    "110107": "石景山区", "110108": "海淀区", "110109": "门头沟区", "110111": "房山区",
    "110112": "通州区", "110113": "顺义区", "110114": "昌平区", "110115": "大兴区",
    "110116": "怀柔区", "110117": "平谷区", "110118": "密云区", "110119": "延庆区",
}  # fmt: skip
SHANGHAI = {
    "310101": "黄浦区", "310104": "徐汇区", "310105": "长宁区", "310106": "静安区",
    "310107": "普陀区", "310109": "虹口区", "310110": "杨浦区", "310112": "闵行区",
    "310113": "宝山区", "310114": "嘉定区", "310115": "浦东新区", "310116": "金山区",
    "310117": "松江区", "310118": "青浦区", "310120": "奉贤区", "310151": "崇明区",
}  # fmt: skip
ABOLISHED = {
    "110103": "崇文区", "110104": "宣武区", "310103": "卢湾区", "310108": "闸北区",
    "310230": "崇明县",
}  # fmt: skip


def _stdnum_spans(code: str) -> list[tuple[str, int | None, int | None]]:
    """(name, first year, last year) of every name python-stdnum has for ``code``."""
    info = dict(numdb.get("cn/loc").info(code)[1][1])
    spans: list[tuple[str, int | None, int | None]] = []
    for part in info["county"].split(","):
        if part.startswith("["):
            span, name = part[1:].split("]", 1)
            first, last = span.split("-")
            spans.append((name, int(first) if first else None, int(last) if last else None))
        else:
            spans.append((part, None, None))
    return spans


def test_divisions_file_shape() -> None:
    with DIVISIONS_FILE.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == [
            "code",
            "name_zh",
            "name_en",
            "level",
            "parent_code",
            "abolished",
            "source",
        ]
        rows = list(reader)
    codes = [r["code"] for r in rows]
    assert len(set(codes)) == len(codes)
    for row in rows:
        assert re.fullmatch(r"\d{6}", row["code"])
        assert row["level"] in ("province", "district")
        assert row["abolished"] in ("0", "1")
        assert row["name_en"]
        assert row["source"]
        if row["level"] == "province":
            assert row["code"].endswith("0000")
            assert row["parent_code"] == ""
        else:
            assert row["parent_code"] == row["code"][:2] + "0000"


def test_divisions_current_and_abolished() -> None:
    known = divisions()
    current = {c: d.name_zh for c, d in known.items() if d.level == "district" and not d.abolished}
    assert current == BEIJING | SHANGHAI
    assert known["110000"].name_zh == "北京市"
    assert known["310000"].name_zh == "上海市"
    for code, name in ABOLISHED.items():
        assert known[code].abolished
        assert known[code].name_zh == name


@pytest.mark.parametrize("code", sorted(divisions()))
def test_division_matches_stdnum(code: str) -> None:
    division = divisions()[code]
    spans = _stdnum_spans(code)
    if division.level == "province":
        assert division.name_zh in [name for name, _, _ in spans]
        return
    matching = [(first, last) for name, first, last in spans if name == division.name_zh]
    assert matching, (code, division.name_zh, spans)
    if division.abolished:
        assert all(last is not None for _, last in matching)
    else:
        assert any(last is None for _, last in matching)


@pytest.mark.parametrize("city", ["beijing", "shanghai"])
def test_code_lineage_matches_stdnum(city: str) -> None:
    profile = city_profile(city)
    known = divisions()
    for district in profile.districts:
        assert abs(sum(b.share for b in district.branches) - 1.0) < 1e-9
        for branch in district.branches:
            assert branch.spans[-1][0] == district.code
            for code, first, last in branch.spans:
                name = known[code].name_zh
                # The span lies within a period in which stdnum has that code and name.
                assert any(
                    n == name
                    and (lo is None or (first is not None and lo <= first))
                    and (hi is None or (last is not None and last <= hi))
                    for n, lo, hi in _stdnum_spans(code)
                ), (district.code, code, first, last)
            for year in range(1900, profile.as_of.year):
                branch.code_for(year, year + 1)  # every birth-date window has a code


def test_banks_yaml() -> None:
    with BANKS_FILE.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    beijing = doc["cities"]["beijing"]["partner_banks"]
    shanghai = doc["cities"]["shanghai"]["partner_banks"]
    assert [b["code"] for b in beijing] == [
        "ICBC", "ABC", "BOC", "CCB", "BOCOM", "BOB", "HXB", "BRCB", "CITIC", "CEB", "CMBC",
        "CMB", "SPDB", "PSBC",
    ]  # fmt: skip
    assert [b["code"] for b in shanghai] == [
        "BOSC", "SPDB", "SRCB", "ICBC", "ABC", "CCB", "PSBC", "BOCOM", "BOC", "CMB", "CEB",
    ]  # fmt: skip
    assert {b["clause"] for b in beijing} == {"BJ-09"}
    assert {b["clause"] for b in shanghai} == {"SH-03"}
    partner_codes = {b["code"] for b in beijing + shanghai}
    others = doc["other_banks"]
    assert len(others) >= 4
    assert not {b["code"] for b in others} & partner_codes
    by_code: dict[str, dict[str, str]] = {}
    for bank in beijing + shanghai + others:
        assert re.fullmatch(r"[A-Z][A-Z0-9]{1,15}", bank["code"])
        assert re.fullmatch(r"9\d{4,5}", bank["hotline"]), bank
        assert bank["name_zh"]
        assert bank["name_en"]
        if bank["code"] in by_code:  # one bank, one name and hotline across cities
            first = by_code[bank["code"]]
            assert (first["name_zh"], first["hotline"]) == (bank["name_zh"], bank["hotline"])
        by_code[bank["code"]] = bank
    assert by_code["ICBC"]["hotline"] == "95588"
    for bank in shanghai:
        if "branch_zh" in bank:
            assert bank["branch_zh"].startswith(bank["name_zh"])
            assert "上海" in bank["branch_zh"]


@pytest.mark.parametrize("city", ["beijing", "shanghai"])
def test_profile(city: str) -> None:
    profile = city_profile(city)
    assert len(profile.districts) == 16
    assert len(profile.partner_banks) == {"beijing": 14, "shanghai": 11}[city]
    assert profile.other_banks
    for bank in (*profile.partner_banks, *profile.other_banks):
        assert profile.bank_weights[bank.code] > 0
    for district in profile.districts:
        assert district.population > 0
        assert district.employment > 0
        assert len(district.areas) >= 5
        assert len(district.roads) >= 4
    assert profile.province_prefix not in profile.migrant_origins


def test_unknown_city() -> None:
    with pytest.raises(ValueError, match="unknown city"):
        city_profile("guangzhou")

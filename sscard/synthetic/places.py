"""Schools and outlets, and the street addresses everything is given.

School codes are 10 digits shaped like the 教育部学校标识码: ``kind(1) + district(6) + seq(3)``
with kind 1 kindergarten, 2 primary, 3 junior secondary, 4 senior secondary (synthetic: the
real code's inner structure is not public), so codes are unique by construction and a district
has room for 999 schools of each kind.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sscard.synthetic.cities import Bank, CityProfile
from sscard.synthetic.employers import Employers
from sscard.synthetic.tables import expand

SCHOOL_KINDS = ("kindergarten", "primary", "junior_secondary", "senior_secondary")
SCHOOL_WORDS = ("幼儿园", "小学", "初级中学", "高级中学")
#: Children per school in synthetic data (kindergartens are small, primary schools large).
SCHOOL_SIZES = (250, 900, 700, 800)
FULL_SCALE = 25_000_000

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 -> 一, 12 -> 十二, 25 -> 二十五, 105 -> 一百零五 (1 <= n <= 9999)."""
    if not 1 <= n <= 9999:
        raise ValueError(n)
    units = ((1000, "千"), (100, "百"), (10, "十"))
    out = ""
    zero = False
    for value, word in units:
        digit, n = divmod(n, value)
        if digit:
            if zero:
                out += "零"
                zero = False
            out += ("" if (value == 10 and digit == 1 and not out) else _DIGITS[digit]) + word
        elif out:
            zero = True
    if n:
        out += ("零" if zero else "") + _DIGITS[n]
    return out


def ordinal_name(names: Sequence[str], k: int) -> str:
    """The ``k``-th name of a district's series: its area names first, then 第二…, 第三…"""
    if k < len(names):
        return names[k]
    return f"{names[k % len(names)]}第{chinese_number(k // len(names) + 1)}"


class AddressBook:
    """Plausible street addresses, per district, drawn from precomputed pools."""

    def __init__(self, profile: CityProfile, rng: random.Random, pool: int = 1 << 10) -> None:
        self.buildings: list[list[str]] = []
        self.streets: list[list[str]] = []
        for district in profile.districts:
            prefix = f"{profile.name_zh}{district.name_zh}"
            roads = district.roads
            self.buildings.append(
                [
                    prefix
                    + profile.address_building.format(
                        road=roads[int(rng.random() * len(roads))],
                        no=1 + int(rng.random() ** 2 * 300),
                    )
                    for _ in range(pool)
                ]
            )
            self.streets.append(
                [
                    f"{prefix}{road}{number}号"
                    for road, number in (
                        (roads[int(rng.random() * len(roads))], 1 + int(rng.random() * 200))
                        for _ in range(pool // 4)
                    )
                ]
            )
        self.dwellings = [
            profile.address_dwelling.format(
                bldg=1 + int(rng.random() * 30),
                unit=1 + int(rng.random() * 6),
                room=(1 + int(rng.random() * 24)) * 100 + 1 + int(rng.random() * 4),
            )
            for _ in range(pool)
        ]

    def street(self, d: int, rng: random.Random) -> str:
        """An address on a street (an outlet's)."""
        streets = self.streets[d]
        return streets[int(rng.random() * len(streets))]


@dataclass
class Schools:
    #: ``codes[d][kind]``: the school codes of district ``d`` and that kind.
    codes: list[list[list[str]]]
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)


def build_schools(
    profile: CityProfile, expected_children: Sequence[float], weights: Sequence[float]
) -> Schools:
    """Schools for the expected number of children of each kind, spread by district weight."""
    total_weight = sum(weights)
    codes: list[list[list[str]]] = []
    rows: list[tuple[str, str, str, str]] = []
    for d, district in enumerate(profile.districts):
        per_kind: list[list[str]] = []
        for kind, (name, word, size) in enumerate(
            zip(SCHOOL_KINDS, SCHOOL_WORDS, SCHOOL_SIZES, strict=True)
        ):
            children = expected_children[kind] * weights[d] / total_weight
            count = min(999, max(1, round(children / size)))
            areas = district.areas[kind:] + district.areas[:kind]
            these = []
            for k in range(count):
                code = f"{kind + 1}{district.code}{k + 1:03d}"
                title = f"{profile.name_zh}{district.name_zh}{ordinal_name(areas, k)}{word}"
                these.append(code)
                rows.append((code, title, district.code, name))
            per_kind.append(these)
        codes.append(per_kind)
    return Schools(codes=codes, rows=rows)


def write_schools(path: Path, schools: Schools) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(("school_code", "name", "district", "kind"))
        writer.writerows(schools.rows)


OUTLET_PREFIX = {
    "bank_branch": "BR",
    "community_centre": "CC",
    "enterprise_point": "EP",
    "community_stall": "ST",
    "home_visit_team": "HV",
}


def _branch_prefix(profile: CityProfile, bank: Bank) -> str:
    """中国工商银行北京 / 中国工商银行上海市分行 / 北京银行: what precedes ``{area}支行``."""
    if bank.branch_zh or bank.name_zh.startswith(profile.short_zh):
        return bank.outlet_prefix
    return bank.name_zh + profile.short_zh


def build_outlets(
    profile: CityProfile,
    persons: int,
    weights: Sequence[float],
    employers: Employers,
    addresses: AddressBook,
    rng: random.Random,
) -> list[tuple[str, str, str, str, str, str, str]]:
    """Outlets scaled to the population: every partner bank has a branch in every district
    (some with instant issuance, at least one per bank), every district has a community
    acceptance centre; a few enterprise points, community stalls and home-visit teams."""
    scale = persons / FULL_SCALE
    total_weight = sum(weights)
    share = [w / total_weight for w in weights]
    banks = profile.partner_banks
    bank_weight = [profile.bank_weights[b.code] for b in banks]
    bank_share = [w / sum(bank_weight) for w in bank_weight]
    bank_table = expand(bank_weight, 1000)
    district_table = expand(weights, 1000)
    rows: list[tuple[str, str, str, str, str, str, str]] = []
    serial: dict[tuple[str, str], int] = {}

    def add(
        kind: str, name: str, bank: str, d: int, instant: bool, address: str | None = None
    ) -> None:
        district = profile.districts[d]
        key = (kind, district.code)
        serial[key] = serial.get(key, 0) + 1
        code = f"{OUTLET_PREFIX[kind]}{district.code}{serial[key]:04d}"
        where = address or addresses.street(d, rng)
        rows.append((code, name, kind, bank, district.code, "1" if instant else "0", where))

    def pick_bank() -> Bank:
        return banks[bank_table[int(rng.random() * len(bank_table))]]

    def pick_district() -> int:
        return district_table[int(rng.random() * len(district_table))]

    busiest = max(range(len(share)), key=lambda d: share[d])
    branches = profile.full_scale_branches * scale
    for b, bank in enumerate(banks):
        prefix = _branch_prefix(profile, bank)
        for d, district in enumerate(profile.districts):
            count = max(1, round(branches * bank_share[b] * share[d]))
            areas = (
                district.areas[b % len(district.areas) :]
                + district.areas[: b % len(district.areas)]
            )
            for k in range(count):
                instant = (d == busiest and k == 0) or rng.random() < 0.2
                add("bank_branch", f"{prefix}{ordinal_name(areas, k)}支行", bank.code, d, instant)

    centres = profile.full_scale_centres * scale
    for d, district in enumerate(profile.districts):
        for k in range(max(1, round(centres * share[d]))):
            name = profile.community_centre_name.format(
                district=district.name_zh, area=ordinal_name(district.areas, k)
            )
            add("community_centre", name, "", d, False)

    # Enterprise points at the largest employers (BJ: "对于大企业、特大企业…在企业开设受理网点").
    biggest = sorted(employers.notable, key=lambda i: (-employers.sizes[i], i))
    partner_codes = {b.code for b in banks}
    for i in biggest[: max(3, sum(1 for i in biggest if employers.sizes[i] >= 2_000))]:
        employer_name, payroll = employers.notable[i]
        own = [c for c in payroll if c in partner_codes]
        bank = profile.bank(own[0]) if own else pick_bank()
        name = f"{bank.name_zh}{employer_name}社保卡服务点"
        add("enterprise_point", name, bank.code, employers.districts[i], False)

    for _ in range(max(4, round(200 * scale))):
        bank, d = pick_bank(), pick_district()
        district = profile.districts[d]
        area = district.areas[int(rng.random() * len(district.areas))]
        add(
            "community_stall",
            f"{bank.name_zh}{district.name_zh}{area}社区流动服务点",
            bank.code,
            d,
            False,
        )

    teams = max(len(banks), round(150 * scale))
    for k in range(teams):
        bank = banks[k] if k < len(banks) else pick_bank()
        d = pick_district()
        add(
            "home_visit_team",
            f"{bank.name_zh}{profile.districts[d].name_zh}上门服务队",
            bank.code,
            d,
            False,
        )
    return rows


def write_outlets(path: Path, rows: Sequence[tuple[str, ...]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(
            ("outlet_code", "name", "kind", "bank_code", "district", "instant_issuance", "address")
        )
        writer.writerows(rows)

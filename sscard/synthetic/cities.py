"""City profiles for the synthetic population: everything that differs between cities.

The generator asks a :class:`CityProfile` and never tests the city's name. Division names come
from ``sscard/registry/data/divisions.csv`` and banks from ``sscard/network/data/banks.yaml``
(the same files the registry and network apps load); what only synthetic data needs is in
``data/cities.yaml``: population and employment weights, area and road names for addresses,
where migrants come from, bank market shares, and each district's code lineage.

Code lineage: an ID number keeps the region code that was in force when it was first issued,
so a person born in 1970 in today's 通州区 carries 110223 (通县) and one born in 2005 in old
崇文区 carries 110103. Each district lists *branches* (the areas merged into it, with their share
of its people) and each branch lists codes with the years they were in force (GB/T 2260, as
compiled in python-stdnum's ``cn/loc.dat``; a test checks every interval against it). The
generator gives a person the code of their branch in force in their year of birth.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

SSCARD_DIR = Path(__file__).resolve().parent.parent
PROFILES_FILE = Path(__file__).resolve().parent / "data" / "cities.yaml"
DIVISIONS_FILE = SSCARD_DIR / "registry" / "data" / "divisions.csv"
BANKS_FILE = SSCARD_DIR / "network" / "data" / "banks.yaml"

CITIES = ("beijing", "shanghai")
#: Each city's 6-digit code, and the built-in policy pack its demo puts in force.
CITY_CODES = {"beijing": "110000", "shanghai": "310000"}
DEMO_PACKS = {"beijing": "beijing-2024", "shanghai": "shanghai-2019"}

#: (code, first year in force or None, last year in force or None) — years inclusive.
CodeSpan = tuple[str, int | None, int | None]


@dataclass(frozen=True)
class Division:
    code: str
    name_zh: str
    name_en: str
    level: str
    parent_code: str
    abolished: bool


@dataclass(frozen=True)
class Branch:
    """An area that is part of a district today, and the codes it had over time."""

    share: float
    spans: tuple[CodeSpan, ...]

    def code_for(self, first_year: int, last_year: int) -> str:
        """The code in force in both years (a birth-date window spans two calendar years)."""
        for code, start, end in self.spans:
            if (start is None or start <= first_year) and (end is None or end >= last_year):
                return code
        raise LookupError(f"no code of {self.spans} covers {first_year}-{last_year}")


@dataclass(frozen=True)
class District:
    code: str
    name_zh: str
    name_en: str
    population: float
    employment: float
    areas: tuple[str, ...]
    roads: tuple[str, ...]
    branches: tuple[Branch, ...]


@dataclass(frozen=True)
class Bank:
    code: str
    name_zh: str
    name_en: str
    hotline: str
    clause: str | None
    branch_zh: str | None = None

    @property
    def outlet_prefix(self) -> str:
        """How the bank's outlets in this city are named (``…支行`` is appended)."""
        return self.branch_zh or self.name_zh


@dataclass(frozen=True)
class CityProfile:
    key: str
    code: str
    name_zh: str
    short_zh: str
    #: The date the data describes (ages are exact ages on this day): the campaign start.
    as_of: dt.date
    clause: str
    districts: tuple[District, ...]
    partner_banks: tuple[Bank, ...]
    other_banks: tuple[Bank, ...]
    #: Relative market share (pension, payroll, outlets) by bank code.
    bank_weights: Mapping[str, float]
    #: Province code (2 digits) -> share of the non-local population whose hukou is there.
    migrant_origins: Mapping[str, float]
    #: Multipliers on the national surname frequencies.
    surname_boost: Mapping[str, float]
    #: Address formats: ``{road}{no}`` building part and ``{bldg}{unit}{room}`` dwelling part.
    address_building: str
    address_dwelling: str
    #: Name of a community acceptance centre, from ``{district}`` and ``{area}``.
    community_centre_name: str
    #: Outlet counts at full scale (25 million persons).
    full_scale_branches: int
    full_scale_centres: int

    @property
    def province_prefix(self) -> str:
        return self.code[:2]

    def bank(self, code: str) -> Bank:
        for bank in (*self.partner_banks, *self.other_banks):
            if bank.code == code:
                return bank
        raise KeyError(code)


@cache
def divisions() -> dict[str, Division]:
    """The divisions of ``divisions.csv`` by code."""
    with DIVISIONS_FILE.open(encoding="utf-8", newline="") as fh:
        return {
            row["code"]: Division(
                code=row["code"],
                name_zh=row["name_zh"],
                name_en=row["name_en"],
                level=row["level"],
                parent_code=row["parent_code"],
                abolished=row["abolished"] == "1",
            )
            for row in csv.DictReader(fh)
        }


@cache
def _banks_document() -> dict[str, Any]:
    with BANKS_FILE.open(encoding="utf-8") as fh:
        document: dict[str, Any] = yaml.safe_load(fh)
    return document


def _bank(entry: Mapping[str, Any]) -> Bank:
    return Bank(
        code=str(entry["code"]),
        name_zh=str(entry["name_zh"]),
        name_en=str(entry["name_en"]),
        hotline=str(entry.get("hotline") or ""),
        clause=entry.get("clause"),
        branch_zh=entry.get("branch_zh"),
    )


@cache
def _profiles_document() -> dict[str, Any]:
    with PROFILES_FILE.open(encoding="utf-8") as fh:
        document: dict[str, Any] = yaml.safe_load(fh)
    return document


def _span(item: list[Any]) -> CodeSpan:
    code, first, last = item
    return (str(code), None if first is None else int(first), None if last is None else int(last))


def city_profile(city: str) -> CityProfile:
    """The profile of ``city`` (``beijing`` or ``shanghai``)."""
    if city not in CITIES:
        raise ValueError(f"unknown city {city!r}: expected one of {', '.join(CITIES)}")
    return _load_profile(city)


@cache
def _load_profile(city: str) -> CityProfile:
    spec = _profiles_document()[city]
    known = divisions()
    districts = []
    for code, data in spec["districts"].items():
        division = known[code]
        districts.append(
            District(
                code=code,
                name_zh=division.name_zh,
                name_en=division.name_en,
                population=float(data["population"]),
                employment=float(data["employment"]),
                areas=tuple(data["areas"].split()),
                roads=tuple(data["roads"].split()),
                branches=tuple(
                    Branch(float(b["share"]), tuple(_span(c) for c in b["codes"]))
                    for b in data["branches"]
                ),
            )
        )
    document = _banks_document()
    city_doc = document["cities"][city]
    partners = tuple(_bank(e) for e in city_doc["partner_banks"])
    partner_codes = {b.code for b in partners}
    weights: dict[str, float] = spec["bank_weights"]
    # Non-partners here: the listed other banks, and partners of other cities.
    elsewhere = [
        e for key, doc in document["cities"].items() if key != city for e in doc["partner_banks"]
    ]
    others_by_code: dict[str, Bank] = {}
    for entry in [*document["other_banks"], *elsewhere]:
        code = str(entry["code"])
        if code not in partner_codes and code in weights and code not in others_by_code:
            others_by_code[code] = _bank({**entry, "clause": None, "branch_zh": None})
    others = tuple(others_by_code.values())
    return CityProfile(
        key=city,
        code=str(spec["code"]),
        name_zh=spec["name_zh"],
        short_zh=spec["short_zh"],
        as_of=_date(spec["as_of"]),
        clause=str(city_doc["clause"]),
        districts=tuple(districts),
        partner_banks=partners,
        other_banks=others,
        bank_weights={str(k): float(v) for k, v in weights.items()},
        migrant_origins={str(k): float(v) for k, v in spec["migrant_origins"].items()},
        surname_boost={str(k): float(v) for k, v in spec["surname_boost"].items()},
        address_building=spec["address_building"],
        address_dwelling=spec["address_dwelling"],
        community_centre_name=spec["community_centre_name"],
        full_scale_branches=spec["full_scale_branches"],
        full_scale_centres=spec["full_scale_centres"],
    )


def _date(value: object) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))

"""A synthetic population of a city's social security card programme.

:func:`generate_population` writes ``employers.csv``, ``schools.csv``, ``outlets.csv`` and,
streaming, ``persons.csv`` — the four files the registry and network imports read.

The mix of persons (exact per block of 100 rows, in random order within the block):

============== ===== ===============================================================
category       share rationale
============== ===== ===============================================================
staff           45%  a megacity's insured employees are about half its residents
flexible         8%  flexible workers (灵活就业) insured on their own account
retirees        20%  pensioners of the basic scheme, a fifth of residents in both cities
pupils          13%  primary and secondary pupils (中小学生), ages 6-17
preschool        5%  children under six (幼儿园 from age 3)
other            9%  other residents on the register: insured as residents, or local
                     hukou holders not insured here (empty insured region)
============== ===== ===============================================================

About 35% of persons hold a hukou outside the city (the 2020 census counts 38% of Beijing's
and 42% of Shanghai's residents as migrants; fewer are insured): 45% of staff and flexible
workers, 10% of retirees, 25% of "other"; children share their guardian's. Their hukou
region is a current county code of their province of origin (python-stdnum's ``cn/loc``),
weighted by where each city's migrants come from, and in force since before their birth (so
that it is also their ID number's region). About 0.2% of persons (0.32% of working-age
staff, flexible workers and "other") hold a Hong Kong/Macao/Taiwan residence permit
(810000/820000/830000) or a 2023-format foreign permanent residence card (9 + province +
nationality) instead of a resident identity card; they have no hukou region.

Local people's ID numbers carry the code their district's area had when they were born,
abolished codes included (崇文区 110103 before 2011, 通县 110223 in 1982-1997, …; see
:mod:`sscard.synthetic.cities`). Retirees draw a pension bank: 70% a partner bank, 30% not.
About 15% of "other" adults are linked to an employer (e.g. re-employed retirees, interns),
and half of the local-hukou "other" are not insured in the city (empty insured region).

Ages are exact ages on the profile's ``as_of`` day (the campaign start): staff 18-64,
flexible 18-59, retirees 55-94, pupils 6-17, preschool 0-5, other 18-79, each weighted by
the size of its birth cohort, survival and a participation factor. Identity numbers are
made unique by construction (see :mod:`sscard.synthetic.idspace`).

Pupils and preschool children come after an adult of a plausible parent's age (20-45 years
older) who is their guardian: they share the guardian's surname, address and district, and a
non-local guardian's hukou region. Staff take their employer's insured district as insured
region; others are insured where they live.

Memory does not grow with persons: rows are written in chunks of 10,000, and what is kept is
per employer (code, district, slot end), per ID bucket (one counter each) and small lookup
tables — about 125 MB peak for 25 million persons (750,000 employers).
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sscard.synthetic.checks import ID_CHECK
from sscard.synthetic.cities import CITIES, CityProfile, city_profile
from sscard.synthetic.employers import Employers, build_employers
from sscard.synthetic.idspace import (
    DAY_STRIDE,
    HMT_REGIONS,
    MAX_AGE,
    SEQ_STRIDE,
    AgeWindows,
    IdSpace,
    current_codes,
    valid_since,
)
from sscard.synthetic.names import (
    era_of_birth_year,
    foreign_name_table,
    given_name_pool,
    surname_table,
)
from sscard.synthetic.places import (
    SCHOOL_KINDS,
    AddressBook,
    build_outlets,
    build_schools,
    write_outlets,
    write_schools,
)
from sscard.synthetic.tables import births, expand, in_band, survival

MIN_PERSONS = 1_000
MAX_PERSONS = 25_000_000
CHUNK = 10_000

CATEGORIES = ("in_service_staff", "flexible_worker", "retiree", "pupil", "preschool_child", "other")
STAFF, FLEX, RETIREE, PUPIL, PRESCHOOL, OTHER = range(6)
#: Persons of each category in a block of 100 rows.
BLOCK = (45, 8, 20, 13, 5, 9)
#: Exact ages [from, to) on the profile's as_of day.
AGE_RANGES = ((18, 65), (18, 60), (55, 95), (6, 18), (0, 6), (18, 80))
#: Participation by age band: (lowest age, factor).
AGE_FACTORS: tuple[tuple[tuple[int, float], ...], ...] = (
    ((18, 0.15), (22, 0.6), (25, 1.0), (50, 0.75), (55, 0.45), (60, 0.12)),
    ((18, 0.3), (22, 0.8), (30, 1.0), (50, 0.8)),
    ((55, 0.5), (60, 1.0)),
    ((0, 1.0),),
    ((0, 1.0),),
    ((18, 0.8), (25, 0.6), (45, 0.8), (60, 1.0), (70, 0.7)),
)
NON_LOCAL = (0.45, 0.45, 0.10, 0.0, 0.0, 0.25)
MALE = (0.52, 0.5, 0.45, 0.515, 0.515, 0.45)
PHONE = (0.99, 0.98, 0.88, 0.0, 0.0, 0.95)
#: Adults of working age holding a permit instead of a resident identity card.
PERMIT_SHARE = 0.0032
HMT_SHARE = 0.6  # of permit holders; the rest are foreign permanent residents
HMT_WEIGHTS = (45, 10, 45)  # Hong Kong, Macao, Taiwan
PENSION_PARTNER_SHARE = 0.7
OTHER_WITH_EMPLOYER = 0.15
OTHER_UNINSURED_LOCAL = 0.5
PUPIL_PHONE_FROM_AGE = 12
PARENT_AGES = (20, 56)
PARENT_BUFFER = 64  # power of two (sampled with getrandbits(6))

# Mobile number prefixes of the three operators (China Mobile weighs most).
# fmt: off
PHONE_PREFIXES = {
    "134": 3, "135": 4, "136": 4, "137": 4, "138": 5, "139": 5, "147": 1, "150": 3, "151": 3,
    "152": 3, "157": 2, "158": 3, "159": 3, "178": 2, "182": 3, "183": 2, "184": 1, "187": 3,
    "188": 3, "195": 1, "198": 2, "130": 3, "131": 3, "132": 3, "155": 2, "156": 3, "166": 2,
    "175": 1, "176": 2, "185": 3, "186": 4, "133": 3, "153": 2, "173": 2, "177": 2, "180": 2,
    "181": 2, "189": 3, "191": 1, "199": 2,
}
# fmt: on


@dataclass
class GenerationSummary:
    """What was written: counts per file and category, and the files' paths."""

    city: str
    persons: int
    employers: int
    schools: int
    outlets: int
    as_of: str
    categories: dict[str, int] = field(default_factory=dict)
    non_local_hukou: int = 0
    permit_holders: int = 0
    largest_employer: int = 0
    files: dict[str, Path] = field(default_factory=dict)


def _validate(city: str, persons: int) -> None:
    if city not in CITIES:
        raise ValueError(f"city must be one of {', '.join(CITIES)}; got {city!r}")
    if isinstance(persons, bool) or not isinstance(persons, int):
        raise ValueError(f"persons must be an integer; got {persons!r}")
    if not MIN_PERSONS <= persons <= MAX_PERSONS:
        raise ValueError(
            f"persons must be between {MIN_PERSONS:,} and {MAX_PERSONS:,}; got {persons:,}"
        )


def _age_table(windows: AgeWindows, category: int, size: int = 1 << 12) -> list[int]:
    lo, hi = AGE_RANGES[category]
    weights = [0.0] * MAX_AGE
    for w in range(lo, hi):
        weights[w] = births(windows.birth_year(w)) * survival(w) * in_band(w, AGE_FACTORS[category])
    return expand(weights, size)


def _category_blocks(persons: int, seed: str) -> tuple[int, list[int]]:
    """Full blocks, and the categories of the last partial block (from its own generator,
    so that the number of staff is known before any row is written)."""
    full, rest = divmod(persons, 100)
    tail = [c for c, n in enumerate(BLOCK) for _ in range(n)]
    random.Random(f"{seed}:tail").shuffle(tail)
    return full, tail[:rest]


def generate_population(
    *,
    city: str,
    persons: int,
    out_dir: Path,
    seed: int = 20240131,
    progress: Callable[[int], None] | None = None,
) -> GenerationSummary:
    """Write ``persons.csv``, ``employers.csv``, ``schools.csv`` and ``outlets.csv`` for
    ``persons`` synthetic persons of ``city`` into ``out_dir``; the same arguments always give
    byte-identical files. ``progress`` is called with the number of persons written so far
    after every 10,000 rows and at the end."""
    _validate(city, persons)
    profile = city_profile(city)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    key = f"sscard-synthetic:{city}:{seed}:{persons}"
    setup = random.Random(f"{key}:setup")

    full_blocks, tail = _category_blocks(persons, key)
    staff = BLOCK[STAFF] * full_blocks + tail.count(STAFF)

    population = [d.population for d in profile.districts]
    employment_table = expand([d.employment for d in profile.districts], 1 << 12)
    files = {
        name: out_dir / f"{name}.csv" for name in ("persons", "employers", "schools", "outlets")
    }
    with files["employers"].open("w", encoding="utf-8", newline="", buffering=1 << 20) as fh:
        employers = build_employers(profile, staff, setup, employment_table, fh)
    addresses = AddressBook(profile, setup)

    windows = AgeWindows(profile.as_of)
    age_tables = [_age_table(windows, c) for c in range(len(CATEGORIES))]
    expected = _expected_children(persons, windows)
    schools = build_schools(profile, expected, population)
    outlets = build_outlets(profile, persons, population, employers, addresses, setup)

    write_schools(files["schools"], schools)
    write_outlets(files["outlets"], outlets)

    summary = GenerationSummary(
        city=city,
        persons=persons,
        employers=len(employers.codes),
        schools=len(schools.rows),
        outlets=len(outlets),
        as_of=profile.as_of.isoformat(),
        largest_employer=max(employers.sizes),
        files=files,
    )
    writer = _PersonWriter(profile, windows, age_tables, employers, schools.codes, addresses, key)
    with files["persons"].open("w", encoding="utf-8", newline="", buffering=1 << 20) as fh:
        fh.write(",".join(_PERSON_COLUMNS) + "\n")
        rng_blocks = random.Random(f"{key}:blocks")
        template = [c for c, n in enumerate(BLOCK) for _ in range(n)]
        written = 0
        chunk: list[int] = []
        for b in range(full_blocks + (1 if tail else 0)):
            if b < full_blocks:
                block = template[:]
                rng_blocks.shuffle(block)
                if b == 0:  # adults first, so the first child has a guardian before it
                    block.sort(key=lambda c: c in (PUPIL, PRESCHOOL))
            else:
                block = tail
            chunk.extend(block)
            if len(chunk) >= CHUNK or b == full_blocks - (0 if tail else 1):
                fh.write(writer.rows(chunk))
                written += len(chunk)
                chunk = []
                if progress is not None:
                    progress(written)
    summary.categories = {CATEGORIES[c]: n for c, n in enumerate(writer.counts)}
    summary.non_local_hukou = writer.non_local
    summary.permit_holders = writer.permits
    return summary


_PERSON_COLUMNS = (
    "id_number",
    "name",
    "phone",
    "hukou_region",
    "insured_region",
    "category",
    "employer_credit_code",
    "school_code",
    "guardian_id_number",
    "pension_bank",
    "address",
)


def _expected_children(persons: int, windows: AgeWindows) -> list[float]:
    """Expected children per school kind (kindergarten 3-5, primary 6-11, junior 12-14,
    senior 15-17)."""
    out = [0.0] * len(SCHOOL_KINDS)
    for category in (PUPIL, PRESCHOOL):
        table = _age_table(windows, category)
        count = persons * BLOCK[category] / 100
        for w in table:
            kind = _school_kind(w)
            if kind >= 0:
                out[kind] += count / len(table)
    return out


def _school_kind(age: int) -> int:
    if 3 <= age < 6:
        return 0
    if 6 <= age < 12:
        return 1
    if 12 <= age < 15:
        return 2
    if 15 <= age < 18:
        return 3
    return -1


#: A possible guardian: (id number, surname, district, address, hukou region index or -1).
_Parent = tuple[str, str, int, str, int]


class _PersonWriter:
    """Turns categories into CSV rows; all state that lives across chunks is here.

    Every lookup table sampled per person has a power-of-two size so that an index is one
    ``getrandbits`` call; the identity number is allocated inline (same arithmetic as
    :meth:`IdSpace.number`, which the tests exercise directly)."""

    def __init__(
        self,
        profile: CityProfile,
        windows: AgeWindows,
        age_tables: list[list[int]],
        employers: Employers,
        school_codes: list[list[list[str]]],
        addresses: AddressBook,
        key: str,
    ) -> None:
        self.rng = random.Random(f"{key}:persons")
        pools = random.Random(f"{key}:names")
        self.profile = profile
        self.windows = windows
        self.age_tables = age_tables
        self.employers = employers
        self.school_codes = school_codes
        self.addresses = addresses
        self.ids = IdSpace(windows)
        self.counts = [0] * len(CATEGORIES)
        self.non_local = 0
        self.permits = 0
        self.staff_written = 0
        self.district_codes = [d.code for d in profile.districts]
        self.district_table = expand([d.population for d in profile.districts], 1 << 12)
        for table in (self.district_table, *age_tables):
            _check_power_of_two(table, 12)
        for pool in (*addresses.buildings, addresses.dwellings):
            _check_power_of_two(pool, 10)

        # Local hukou: per district and age, a table of ID region indices (code lineage).
        self.lineage: list[list[list[int]]] = []
        for district in profile.districts:
            branch_table = expand([b.share for b in district.branches], 1 << 5)
            per_age = []
            for w in range(MAX_AGE):
                first, last = windows.first_year[w], windows.last_year[w]
                per_age.append(
                    [
                        self.ids.region(district.branches[i].code_for(first, last))
                        for i in branch_table
                    ]
                )
            self.lineage.append(per_age)

        # Non-local hukou: province by origin share, then a county code in force at birth.
        origins = {p: s for p, s in profile.migrant_origins.items() if p != profile.province_prefix}
        provinces = sorted(origins)
        codes = current_codes(provinces)
        self.nl_codes: list[list[int]] = [
            [self.ids.region(code) for _, code in codes[p]] for p in provinces
        ]
        self.nl_counts: list[list[int]] = [
            [valid_since(codes[p], windows.first_year[w]) for w in range(MAX_AGE)]
            for p in provinces
        ]
        self.nl_provinces: list[list[int]] = []
        for w in range(MAX_AGE):
            weights = [
                origins[p] if self.nl_counts[i][w] > 0 else 0.0 for i, p in enumerate(provinces)
            ]
            self.nl_provinces.append(expand(weights, 1 << 10))

        # Permits.
        hmt = [self.ids.region(r) for r in HMT_REGIONS]
        self.hmt_table = [hmt[i] for i in expand(HMT_WEIGHTS, 1 << 7)]
        nationalities, self.foreign_names = foreign_name_table(1 << 10)
        self.foreign_regions = [
            self.ids.region(f"9{profile.province_prefix}{n}") for n in nationalities
        ]

        # Names: surnames, and given names by generation and sex for every age.
        self.surnames = surname_table(profile.surname_boost, 1 << 14)
        pool_cache = {
            (era, sex): given_name_pool(pools, era, sex, 1 << 12)
            for era in ("old", "mid", "young")
            for sex in ("F", "M")
        }
        self.given: list[list[str]] = []
        for w in range(MAX_AGE):
            era = era_of_birth_year(windows.birth_year(w))
            self.given.extend([pool_cache[(era, "F")], pool_cache[(era, "M")]])

        prefixes = list(PHONE_PREFIXES)
        self.phone_prefixes = [
            int(prefixes[i]) * 100_000_000 for i in expand(list(PHONE_PREFIXES.values()), 1 << 10)
        ]
        partner_codes = [b.code for b in profile.partner_banks]
        other_codes = [b.code for b in profile.other_banks]
        self.pension_partner = [
            partner_codes[i]
            for i in expand([profile.bank_weights[c] for c in partner_codes], 1 << 10)
        ]
        self.pension_other = [
            other_codes[i] for i in expand([profile.bank_weights[c] for c in other_codes], 1 << 10)
        ]
        gaps = list(range(20, 46))
        self.parent_gaps = [
            gaps[i] for i in expand([math.exp(-(((g - 29) / 5) ** 2) / 2) for g in gaps], 1 << 10)
        ]
        self.parents: list[list[_Parent]] = [[] for _ in range(MAX_AGE)]
        self.any_adults: list[_Parent] = []

    def _guardian(self, child_age: int) -> _Parent:
        """An adult written earlier, preferably 20-45 years older than the child."""
        rng = self.rng
        want = child_age + self.parent_gaps[rng.getrandbits(10)]
        for delta in (0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6, 8, -8, 10, -10):
            age = want + delta
            if 0 <= age < MAX_AGE and self.parents[age]:
                candidates = self.parents[age]
                return candidates[int(rng.random() * len(candidates))]
        return self.any_adults[int(rng.random() * len(self.any_adults))]

    def rows(self, categories: Sequence[int]) -> str:
        """The CSV text of one chunk of persons of the given categories."""
        rng = self.rng
        random_ = rng.random
        bits = rng.getrandbits
        guardian_of = self._guardian
        # Identity numbers (see IdSpace.number).
        id_counts = self.ids.counts
        regions = self.ids.regions
        region_sums = self.ids.region_sums
        region_ints = self.ids.region_ints
        seq_strs = self.ids.seqs
        seq_sums = self.ids.seq_sums
        all_dates = self.windows.dates
        all_date_sums = self.windows.sums
        check = ID_CHECK
        # Everything else.
        age_tables = self.age_tables
        lineage = self.lineage
        district_table = self.district_table
        district_codes = self.district_codes
        nl_provinces = self.nl_provinces
        nl_codes = self.nl_codes
        nl_counts = self.nl_counts
        hmt_table = self.hmt_table
        foreign_regions = self.foreign_regions
        foreign_names = self.foreign_names
        surnames = self.surnames
        given = self.given
        buildings = self.addresses.buildings
        dwellings = self.addresses.dwellings
        phone_prefixes = self.phone_prefixes
        ends = self.employers.ends
        emp_codes = self.employers.codes
        emp_districts = self.employers.districts
        staff_total = ends[-1]
        stride = self.employers.stride
        offset = self.employers.offset
        staff_written = self.staff_written
        school_codes = self.school_codes
        parents = self.parents
        any_adults = self.any_adults
        pension_partner = self.pension_partner
        pension_other = self.pension_other
        counts = self.counts
        non_local = permits = 0
        names = CATEGORIES
        out: list[str] = []
        append = out.append
        for c in categories:
            counts[c] += 1
            w = age_tables[c][bits(12)]
            male = random_() < MALE[c]
            employer = school = guardian = bank = phone = ""
            permit = False
            if c in (PUPIL, PRESCHOOL):
                guardian, surname, d, address, g_region = guardian_of(w)
                insured = district_codes[d]
                if g_region < 0:
                    region = lineage[d][w][bits(5)]
                    hukou = insured
                else:
                    region = g_region
                    hukou = regions[region]
                    non_local += 1
                name = surname + given[w * 2 + male][bits(12)]
                kind = _school_kind(w)
                if kind >= 0:
                    options = school_codes[d][kind]
                    school = options[int(random_() * len(options))]
                if w >= PUPIL_PHONE_FROM_AGE and random_() < 0.5:
                    phone = str(phone_prefixes[bits(10)] + int(random_() * 1e8))
            else:
                d = district_table[bits(12)]
                g_region = -1
                surname = surnames[bits(14)]
                name = surname + given[w * 2 + male][bits(12)]
                if c != RETIREE and random_() < PERMIT_SHARE:
                    permit = True
                    permits += 1
                    hukou = ""
                    if random_() < HMT_SHARE:
                        region = hmt_table[bits(7)]
                    else:
                        k = bits(10)
                        region = foreign_regions[k]
                        name = foreign_names[k]
                elif random_() < NON_LOCAL[c]:
                    non_local += 1
                    p = nl_provinces[w][bits(10)]
                    region = g_region = nl_codes[p][int(random_() * nl_counts[p][w])]
                    hukou = regions[region]
                else:
                    region = lineage[d][w][bits(5)]
                    hukou = district_codes[d]
                if random_() < PHONE[c]:
                    phone = str(phone_prefixes[bits(10)] + int(random_() * 1e8))
                address = buildings[d][bits(10)] + dwellings[bits(10)]
                insured = district_codes[d]
                if c == STAFF:
                    e = bisect_right(ends, (staff_written * stride + offset) % staff_total)
                    staff_written += 1
                    employer = emp_codes[e]
                    insured = district_codes[emp_districts[e]]
                elif c == RETIREE:
                    if random_() < PENSION_PARTNER_SHARE:
                        bank = pension_partner[bits(10)]
                    else:
                        bank = pension_other[bits(10)]
                elif c == OTHER:
                    if random_() < OTHER_WITH_EMPLOYER:
                        e = bisect_right(ends, int(random_() * staff_total))
                        employer = emp_codes[e]
                        insured = district_codes[emp_districts[e]]
                    elif g_region < 0 and not permit and random_() < OTHER_UNINSURED_LOCAL:
                        insured = ""
            # The identity number: bucket (region, age, sex), see IdSpace.number.
            key = (region * MAX_AGE + w) * 2 + male
            salt = (region_ints[region] * MAX_AGE + w) * 2 + male
            n = id_counts[key]
            id_counts[key] = n + 1
            dates = all_dates[w]
            size = len(dates)
            k, m = divmod(n, size)
            day = (m * DAY_STRIDE + salt) % size
            if male:
                if k >= 500:
                    raise RuntimeError(f"identity bucket full: {regions[region]} age {w}")
                s = 2 * ((k * SEQ_STRIDE + day * 31 + salt) % 500) + 1
            else:
                if k >= 499:
                    raise RuntimeError(f"identity bucket full: {regions[region]} age {w}")
                s = 2 * ((k * SEQ_STRIDE + day * 31 + salt) % 499) + 2
            total = region_sums[region] + all_date_sums[w][day] + seq_sums[s]
            idn = regions[region] + dates[day] + seq_strs[s] + check[total % 11]
            if c in (STAFF, FLEX, OTHER) and not permit:
                entry: _Parent = (idn, surname, d, address, g_region)
                if PARENT_AGES[0] <= w < PARENT_AGES[1]:
                    bucket = parents[w]
                    if len(bucket) < PARENT_BUFFER:
                        bucket.append(entry)
                    else:
                        bucket[bits(6)] = entry
                if len(any_adults) < PARENT_BUFFER:
                    any_adults.append(entry)
            append(
                f"{idn},{name},{phone},{hukou},{insured},{names[c]},{employer},{school},"
                f"{guardian},{bank},{address}\n"
            )
        self.staff_written = staff_written
        self.non_local += non_local
        self.permits += permits
        return "".join(out)


def _check_power_of_two(table: Sequence[object], bits: int) -> None:
    if len(table) != 1 << bits:
        raise AssertionError(f"a sampling table must have {1 << bits} entries, not {len(table)}")

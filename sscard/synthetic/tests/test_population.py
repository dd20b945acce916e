"""The generated files: formats, validity, consistency, determinism, scale behaviour."""

from __future__ import annotations

import collections
import datetime as dt
import filecmp
import re
import statistics
from pathlib import Path

import pytest
from stdnum.cn import ric, uscc

from sscard.synthetic import generate_population
from sscard.synthetic.cities import city_profile, divisions
from sscard.synthetic.idspace import AgeWindows, IdSpace, age_on
from sscard.synthetic.population import AGE_RANGES, CATEGORIES
from sscard.synthetic.tests.conftest import Generated

PERSON_COLUMNS = [
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
]
MOBILE = re.compile(r"1[3-9]\d{9}")
ADULT = {"in_service_staff", "flexible_worker", "retiree", "other"}
CHILD = {"pupil", "preschool_child"}
PERMIT_PREFIXES = ("810000", "820000", "830000")


def _birth(id_number: str) -> dt.date:
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def _is_permit(id_number: str) -> bool:
    return id_number.startswith(PERMIT_PREFIXES) or id_number.startswith("9")


def _current_districts(city: str) -> set[str]:
    return {d.code for d in city_profile(city).districts}


def test_headers(generated: Generated) -> None:
    heads = {}
    for name in ("persons", "employers", "schools", "outlets"):
        with (generated.out / f"{name}.csv").open(encoding="utf-8") as fh:
            heads[name] = fh.readline().rstrip("\n").split(",")
    assert heads["persons"] == PERSON_COLUMNS
    assert heads["employers"] == ["credit_code", "name", "insured_district", "payroll_banks"]
    assert heads["schools"] == ["school_code", "name", "district", "kind"]
    assert heads["outlets"] == [
        "outlet_code",
        "name",
        "kind",
        "bank_code",
        "district",
        "instant_issuance",
        "address",
    ]
    persons = generated.rows("persons")
    assert len(persons) == generated.summary.persons == 20_000
    assert all(None not in row and len(row) == len(PERSON_COLUMNS) for row in persons)


def test_identity_numbers_valid_and_unique(generated: Generated) -> None:
    ids = [row["id_number"] for row in generated.rows("persons")]
    assert len(set(ids)) == len(ids)
    permits = 0
    for number in ids:
        assert len(number) == 18, number
        assert number[:17].isdigit(), number
        assert number[-1] == ric.calc_check_digit(number), number
        _birth(number)  # a real date
        if _is_permit(number):
            permits += 1
            if number.startswith("9"):
                # 2023 foreign permanent residence card: 9 + province + nationality.
                assert number[1:3] == city_profile(generated.city).code[:2]
                assert number[3:6] != "156"
        else:
            # python-stdnum checks the checksum, the date and that the region code was in
            # force in the year of birth.
            assert ric.is_valid(number), number
    assert 0.0005 < permits / len(ids) < 0.005


def test_sex_digit_and_birth_dates_spread(generated: Generated) -> None:
    ids = [row["id_number"] for row in generated.rows("persons")]
    male = sum(int(n[16]) % 2 for n in ids) / len(ids)
    assert 0.45 < male < 0.55
    days = collections.Counter(n[10:14] for n in ids)
    assert len(days) >= 360  # birthdays all over the year


def test_identity_numbers_follow_the_documented_scheme(generated: Generated) -> None:
    """Feeding IdSpace.number the same (region, age, sex) sequence reproduces the file."""
    space = IdSpace(AgeWindows(city_profile(generated.city).as_of))
    as_of = city_profile(generated.city).as_of
    for row in generated.rows("persons")[:5000]:
        number = row["id_number"]
        region = space.region(number[:6])
        assert space.number(region, age_on(_birth(number), as_of), int(number[16]) % 2 == 1) == (
            number
        )


def test_categories_and_ages(generated: Generated) -> None:
    persons = generated.rows("persons")
    as_of = city_profile(generated.city).as_of
    counts = collections.Counter(row["category"] for row in persons)
    assert set(counts) == set(CATEGORIES)
    expected = {
        "in_service_staff": 0.45,
        "flexible_worker": 0.08,
        "retiree": 0.20,
        "pupil": 0.13,
        "preschool_child": 0.05,
        "other": 0.09,
    }
    for category, share in expected.items():
        assert counts[category] == round(share * len(persons))
    assert generated.summary.categories == dict(counts)
    ranges = dict(zip(CATEGORIES, AGE_RANGES, strict=True))
    for row in persons:
        age = age_on(_birth(row["id_number"]), as_of)
        low, high = ranges[row["category"]]
        assert low <= age < high, row


def test_regions(generated: Generated) -> None:
    persons = generated.rows("persons")
    districts = _current_districts(generated.city)
    prefix = city_profile(generated.city).code[:2]
    non_local = 0
    for row in persons:
        hukou, insured, number = row["hukou_region"], row["insured_region"], row["id_number"]
        if _is_permit(number):
            assert hukou == ""
            assert insured in districts
            continue
        assert re.fullmatch(r"\d{6}", hukou), row
        if hukou.startswith(prefix):
            assert hukou in districts, row
            assert divisions()[number[:6]].parent_code == prefix + "0000", row
        else:
            non_local += 1
            assert number[:6] == hukou, row  # in force since before birth: ric.is_valid above
            assert ric.get_birth_place(number)["county"], row
        if insured == "":
            assert row["category"] == "other", row
            assert hukou in districts, row
        else:
            assert insured in districts, row
    assert 0.30 < non_local / len(persons) < 0.40
    assert non_local == generated.summary.non_local_hukou


def test_older_people_carry_abolished_codes(beijing: Generated) -> None:
    codes = collections.Counter(row["id_number"][:6] for row in beijing.rows("persons"))
    abolished = {code for code, d in divisions().items() if d.abolished}
    assert sum(n for code, n in codes.items() if code in abolished) > 500
    assert codes["110103"] > 0
    assert codes["110104"] > 0


def test_names_phones_addresses(generated: Generated) -> None:
    profile = city_profile(generated.city)
    for row in generated.rows("persons"):
        name = row["name"]
        assert 2 <= len(name) <= 8, row
        assert not any(c.isdigit() or c == "," for c in name), row
        phone = row["phone"]
        if row["category"] == "preschool_child":
            assert phone == ""
        elif phone:
            assert MOBILE.fullmatch(phone), row
        assert row["address"].startswith(profile.name_zh), row
        assert any(d.name_zh in row["address"] for d in profile.districts), row
    phones = [row["phone"] for row in generated.rows("persons") if row["category"] in ADULT]
    assert sum(1 for p in phones if p) / len(phones) > 0.9


def test_surnames_are_frequency_weighted(generated: Generated) -> None:
    first = collections.Counter(row["name"][0] for row in generated.rows("persons"))
    top = {s for s, _ in first.most_common(5)}
    assert len(top & {"王", "李", "张", "刘", "陈"}) >= 4


def test_guardians_are_earlier_adults(generated: Generated) -> None:
    as_of = city_profile(generated.city).as_of
    seen: dict[str, dict[str, str]] = {}
    children = 0
    for row in generated.rows("persons"):
        guardian = row["guardian_id_number"]
        if row["category"] in CHILD:
            children += 1
            assert guardian in seen, row
            parent = seen[guardian]
            assert parent["category"] in ADULT
            assert age_on(_birth(guardian), as_of) >= 18
            assert row["address"] == parent["address"]
            assert row["name"][0] == parent["name"][0]
            if parent["hukou_region"][:2] != row["id_number"][:2]:
                assert row["hukou_region"] == parent["hukou_region"]
        else:
            assert guardian == ""
        seen[row["id_number"]] = row
    assert children == 0.18 * len(seen)


def test_employers(generated: Generated) -> None:
    employers = generated.rows("employers")
    profile = city_profile(generated.city)
    districts = _current_districts(generated.city)
    known_banks = {b.code for b in (*profile.partner_banks, *profile.other_banks)}
    partners = {b.code for b in profile.partner_banks}
    codes = [e["credit_code"] for e in employers]
    assert len(set(codes)) == len(codes)
    assert len({e["name"] for e in employers}) == len(employers)
    without_partner = 0
    for e in employers:
        assert uscc.is_valid(e["credit_code"]), e
        assert e["credit_code"][2:8] == e["insured_district"]
        assert e["insured_district"] in districts
        banks = e["payroll_banks"].split(";")
        assert 1 <= len(banks) <= 3
        assert len(set(banks)) == len(banks)
        assert set(banks) <= known_banks
        without_partner += not set(banks) & partners
    assert without_partner > 0  # some employers pay wages only through non-partner banks

    by_code = {e["credit_code"]: e for e in employers}
    staff: collections.Counter[str] = collections.Counter()
    for row in generated.rows("persons"):
        code = row["employer_credit_code"]
        if row["category"] == "in_service_staff":
            assert code in by_code
            assert row["insured_region"] == by_code[code]["insured_district"]
            staff[code] += 1
        elif code:
            assert row["category"] == "other"
            assert code in by_code
    # Every employer has staff; ~15 on average.
    assert set(staff) == set(by_code)
    assert 13 < sum(staff.values()) / len(by_code) < 17


def test_schools(generated: Generated) -> None:
    schools = {s["school_code"]: s for s in generated.rows("schools")}
    assert len(schools) == len(generated.rows("schools"))
    districts = _current_districts(generated.city)
    for code, school in schools.items():
        assert re.fullmatch(r"[1-4]\d{9}", code)
        assert code[1:7] == school["district"] in districts
    as_of = city_profile(generated.city).as_of
    kinds_by_age = [
        (3, 6, "kindergarten"),
        (6, 12, "primary"),
        (12, 15, "junior_secondary"),
        (15, 18, "senior_secondary"),
    ]
    for row in generated.rows("persons"):
        code = row["school_code"]
        if row["category"] not in CHILD:
            assert code == ""
            continue
        age = age_on(_birth(row["id_number"]), as_of)
        wanted = next((k for lo, hi, k in kinds_by_age if lo <= age < hi), None)
        if wanted is None:
            assert code == ""
        else:
            assert schools[code]["kind"] == wanted
            assert schools[code]["district"] == row["insured_region"]


def test_pension_banks(generated: Generated) -> None:
    profile = city_profile(generated.city)
    partners = {b.code for b in profile.partner_banks}
    others = {b.code for b in profile.other_banks}
    retirees = 0
    partner = 0
    for row in generated.rows("persons"):
        if row["category"] == "retiree":
            retirees += 1
            assert row["pension_bank"] in partners | others
            partner += row["pension_bank"] in partners
        else:
            assert row["pension_bank"] == ""
    assert 0.65 < partner / retirees < 0.75


def test_outlets(generated: Generated) -> None:
    outlets = generated.rows("outlets")
    profile = city_profile(generated.city)
    districts = _current_districts(generated.city)
    partners = {b.code for b in profile.partner_banks}
    codes = [o["outlet_code"] for o in outlets]
    assert len(set(codes)) == len(codes)
    branches = set()
    instant = set()
    centres = set()
    kinds: collections.Counter[str] = collections.Counter()
    for o in outlets:
        kinds[o["kind"]] += 1
        assert o["district"] in districts
        assert o["instant_issuance"] in ("0", "1")
        assert o["address"].startswith(profile.name_zh)
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,32}", o["outlet_code"])
        if o["kind"] == "community_centre":
            assert o["bank_code"] == ""
            centres.add(o["district"])
        else:
            assert o["bank_code"] in partners
        if o["kind"] == "bank_branch":
            branches.add((o["bank_code"], o["district"]))
            if o["instant_issuance"] == "1":
                instant.add(o["bank_code"])
    assert branches == {(b, d) for b in partners for d in districts}
    assert instant == partners
    assert centres == districts
    assert set(kinds) == {
        "bank_branch",
        "community_centre",
        "enterprise_point",
        "community_stall",
        "home_visit_team",
    }


def test_deterministic(tmp_path: Path, beijing: Generated) -> None:
    again = tmp_path / "again"
    generate_population(city="beijing", persons=20_000, out_dir=again)
    for name in ("persons", "employers", "schools", "outlets"):
        assert filecmp.cmp(beijing.out / f"{name}.csv", again / f"{name}.csv", shallow=False)
    other = tmp_path / "other"
    generate_population(city="beijing", persons=20_000, out_dir=other, seed=7)
    assert not filecmp.cmp(beijing.out / "persons.csv", other / "persons.csv", shallow=False)


def test_progress_and_partial_blocks(tmp_path: Path) -> None:
    seen: list[int] = []
    summary = generate_population(
        city="shanghai", persons=12_345, out_dir=tmp_path, progress=seen.append
    )
    assert seen == [10_000, 12_345]
    assert sum(summary.categories.values()) == 12_345
    with (tmp_path / "persons.csv").open(encoding="utf-8") as fh:
        assert sum(1 for _ in fh) == 12_346


@pytest.mark.parametrize(
    ("city", "persons", "message"),
    [
        ("beijing", 999, "between 1,000 and 25,000,000"),
        ("beijing", 25_000_001, "between 1,000 and 25,000,000"),
        ("beijing", 0, "between"),
        ("guangzhou", 10_000, "city must be one of beijing, shanghai"),
        ("Beijing", 10_000, "city must be one of"),
        ("beijing", True, "must be an integer"),
        ("beijing", 10_000.0, "must be an integer"),
    ],
)
def test_arguments_validated(tmp_path: Path, city: str, persons: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate_population(city=city, persons=persons, out_dir=tmp_path)  # type: ignore[arg-type]
    assert not any(tmp_path.iterdir())


def test_employer_sizes_heavy_tailed(tmp_path: Path) -> None:
    summary = generate_population(city="beijing", persons=200_000, out_dir=tmp_path)
    staff: collections.Counter[str] = collections.Counter()
    with (tmp_path / "persons.csv").open(encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            cells = line.split(",")
            if cells[5] == "in_service_staff":
                staff[cells[6]] += 1
    sizes = sorted(staff.values())
    assert sum(sizes) == 90_000
    assert len(sizes) == summary.employers == 6_000
    median = statistics.median(sizes)
    assert sizes[-1] >= 100 * median
    assert sum(1 for s in sizes if s < 20) / len(sizes) > 0.8

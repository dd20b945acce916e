"""Masks that hide (issue 10, point 1): no answer determines a person's ID number.

Every role opens every page, export and API GET operation it can reach (the URL table and
``/api/v1/openapi.json`` are walked, ids filled in with the world's objects). For each masked
ID number found in an answer, and each person whose number it could be, we count the
GB 11643 numbers consistent with everything that answer shows about that person: the visible
characters, the region (its code or district name, else the region table), the birth date
(full, year-month or year, else every day from 1900 to today), the sex (the parity of the
sequence) and the check character. Factors are multiplied; the check character divides by 11.
Fewer than 10,000 candidates fails.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from sscard.applications.services import (
    collective_arrange,
    collective_notify,
    collective_open,
    collective_submit,
    roster_add_staff,
)
from sscard.applications.tests.support import branch, confirm_all, hr, in_force
from sscard.core.actors import BIRTH_DATE_ROLES, Role, needs_birth_date
from sscard.kernel import regions
from sscard.kernel.masks import mask_id_number
from sscard.production.services import batches_form
from sscard.registry.models import Person
from sscard.testing.card_life import OPERATOR, id_number_of, personalise
from sscard.testing.exports import read_export
from sscard.testing.factories import (
    XICHENG,
    AccountFactory,
    DivisionFactory,
    EmployerFactory,
    ImportJobFactory,
    OutletFactory,
    PersonFactory,
    make_id_number,
)

THRESHOLD = 10_000
EARLIEST = date(1900, 1, 1)
DAY = date(2024, 3, 4)  # the Beijing pilot is in force
ROLES = [r for r in Role if r is not Role.SYSTEM]
# 18 characters of digits, X and stars with at least one star: a masked number (old or new rule).
MASKED = re.compile(r"(?<![0-9Xx*])(?=[0-9Xx*]{0,17}\*)[0-9Xx*]{18}(?![0-9Xx*])")
SEX_LABELS = {"M": ("男", "Male", '"sex": "M"', '"sex":"M"'), "F": ("女", "Female", '"sex": "F"')}


# -- counting ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """What one answer shows about one person, besides the masked number."""

    region_code: str | None = None  # the division code or its name appeared
    region_prefix: str | None = None  # only the city (4 digits) appeared
    birth_date: date | None = None
    birth_month: tuple[int, int] | None = None
    birth_year: int | None = None
    sex: str | None = None


def _fits(text: str, masked: str) -> bool:
    return all(m == "*" or m == c for m, c in zip(masked, text, strict=True))


def candidates(masked: str, shown: Shown, *, today: date) -> float:
    """How many GB 11643 numbers agree with the masked number and what is shown beside it."""
    masked = masked.upper()
    region_part, birth_part, sequence_part = masked[:6], masked[6:14], masked[14:17]
    if shown.region_code is not None:
        codes = [shown.region_code]
    else:
        codes = [
            c
            for c in regions.known_codes()
            if shown.region_prefix is None or c.startswith(shown.region_prefix)
        ]
    region_count = sum(1 for c in codes if _fits(c, region_part))
    first, last = EARLIEST, today
    if shown.birth_date is not None:
        first = last = shown.birth_date
    elif shown.birth_month is not None:
        year, month = shown.birth_month
        first = date(year, month, 1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    elif shown.birth_year is not None:
        first, last = date(shown.birth_year, 1, 1), date(shown.birth_year, 12, 31)
    days = 0
    day = first
    while day <= last:  # at most ~45,000 days: cheap, and exact about the visible digits
        days += _fits(f"{day:%Y%m%d}", birth_part)
        day += timedelta(days=1)
    sequences = sum(
        1
        for n in range(1000)
        if _fits(f"{n:03d}", sequence_part)
        and (shown.sex is None or (n % 2 == 1) == (shown.sex == "M"))
    )
    check = 1 / 11 if masked[17] != "*" else 1.0
    return region_count * days * sequences * check


def shown_about(person: Person, number: str, text: str, district_names: dict[str, str]) -> Shown:
    """Everything ``text`` gives away about ``person`` (generously: any match counts)."""
    region = number[:6]
    name = district_names.get(region) or regions.region_name(region) or "\0"
    city = number[:4]
    born = person.birth_date
    date_forms = (
        f"{born:%Y-%m-%d}",
        f"{born:%Y%m%d}",
        f"{born:%Y/%m/%d}",
        f"{born.year}年{born.month}月{born.day}日",
    )
    sex = person.sex if any(label in text for label in SEX_LABELS[person.sex]) else None
    return Shown(
        region_code=region if region in text or name in text else None,
        region_prefix=city if f"{city}00" in text or "北京市" in text else None,
        birth_date=born if any(form in text for form in date_forms) else None,
        birth_month=(born.year, born.month) if f"{born:%Y-%m}" in text else None,
        birth_year=born.year if str(born.year) in text else None,
        sex=sex,
    )


# -- the counting can fail -----------------------------------------------------------------


def test_the_old_mask_is_caught_even_without_a_birth_date() -> None:
    # given the mask of before (first six and last four) and a region beside it
    number = make_id_number(4711)
    old = number[:6] + "********" + number[-4:]
    # when the candidates are counted
    count = candidates(old, Shown(region_code=number[:6]), today=DAY)
    # then only the birth date is unknown: about 4,000 numbers, far too few
    assert count < THRESHOLD


def test_a_mask_beside_its_birth_date_is_caught() -> None:
    # given today's mask, with the birth date, the district and the sex in the same answer
    number = make_id_number(4711)
    shown = Shown(region_code=number[:6], birth_date=date(1962, 11, 24), sex="M")
    # when counted, then fewer than a hundred numbers remain
    assert candidates(mask_id_number(number), shown, today=DAY) < 100


def test_a_mask_beside_its_birth_year_and_sex_still_hides() -> None:
    # given the mask with the district, the birth year and the sex
    number = make_id_number(4711)
    shown = Shown(region_code=number[:6], birth_year=int(number[6:10]), sex="M")
    # then the count is above the bar (365 days x 500 sequences / 11)
    assert candidates(mask_id_number(number), shown, today=DAY) > THRESHOLD


def test_the_mask_alone_leaves_millions() -> None:
    number = make_id_number(4711)
    assert candidates(mask_id_number(number), Shown(), today=DAY) > 10**9


def test_only_roles_that_read_the_full_number_need_the_birth_date() -> None:
    assert {r for r in Role if needs_birth_date(r)} == BIRTH_DATE_ROLES
    assert {Role.BANK_CLERK, Role.COMMUNITY_CLERK, Role.CARDHOLDER} == BIRTH_DATE_ROLES


# -- every answer of every role ----------------------------------------------------------------


@dataclass
class World:
    persons: list[Person]
    numbers: dict[int, str]
    ids: dict[str, int]


@pytest.fixture
def world() -> World:
    """A Xicheng employer whose staff applied collectively, their cards personalised; the
    planted person's guardian holds the cardholder account."""
    in_force("beijing-2024")
    DivisionFactory.create()
    ImportJobFactory.create()
    employer = EmployerFactory.create(insured_district=XICHENG)
    guardian = PersonFactory.create(hukou_region=XICHENG, insured_region=XICHENG)
    staff = [
        PersonFactory.create(
            id_number=make_id_number(7000 + n, region=XICHENG),
            employer=employer,
            insured_region=XICHENG,
            hukou_region=XICHENG,
            address="北京市西城区测试街1号",
            phone=f"1391234{n:04d}",
            guardian=guardian if n == 0 else None,
        )
        for n in range(3)
    ]
    actor = hr(employer)
    collective = collective_open(actor=actor, day=DAY)
    outlet = branch("ICBC", district=XICHENG)
    collective_arrange(
        actor=actor, collective_id=collective.pk, day=DAY, pickup="branch", outlet_id=outlet.pk
    )
    roster_add_staff(actor=actor, collective_id=collective.pk, day=DAY)
    collective_notify(actor=actor, collective_id=collective.pk)
    confirm_all(collective, staff[:2], DAY)
    collective_submit(actor=actor, collective_id=collective.pk, day=DAY)
    (batch,) = batches_form(actor=OPERATOR, today=DAY)
    personalise(batch)
    planted = staff[0]
    application = planted.applications.order_by("pk").first()
    card = planted.cards.order_by("pk").first()
    entry = collective.roster.get(person=planted)
    AccountFactory.create(employer_hr=True, employer=employer)
    AccountFactory.create(cardholder=True, person=guardian)
    AccountFactory.create(bank_clerk=True, outlet=outlet)
    OutletFactory.create(community_centre=True)
    persons = [*staff, guardian]
    return World(
        persons=persons,
        numbers={p.pk: id_number_of(p) for p in persons},
        ids={
            "person_id": planted.pk,
            "employer_id": employer.pk,
            "collective_id": collective.pk,
            "entry_id": entry.pk,
            "application_id": application.pk if application else 0,
            "card_id": card.pk if card else 0,
            "batch_id": batch.pk,
            "outlet_id": outlet.pk,
            "job_id": 1,
            "campaign_id": 1,
            "token_id": 1,
        },
    )


def _page_paths(ids: dict[str, int]) -> list[str]:
    """Every GET-able page route, its int parameters filled with the world's ids."""
    found: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                found.append(route)

    walk(get_resolver().url_patterns, "")
    paths = []
    for route in found:
        if route.startswith(("api/", "admin", "logout", "i18n")) or "^" in route:
            continue
        path = re.sub(r"<int:(\w+)>", lambda m: str(ids.get(m.group(1), 1)), route)
        if "<export:fmt>" in path:  # every list's spreadsheet, in both formats
            paths += ["/" + path.replace("<export:fmt>", fmt) for fmt in ("csv", "xlsx")]
            continue
        if "<" in path:
            continue
        paths.append("/" + path)
    return [*paths, f"/collective/?id={ids['collective_id']}"]


def _api_paths(client: Any, ids: dict[str, int]) -> list[str]:
    document = client.get("/api/v1/openapi.json").json()
    paths = []
    for path, operations in document["paths"].items():
        if "get" not in operations:
            continue
        filled = re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 1)), path)
        paths.append(filled)
    return paths


def _body(response: Any) -> str:
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        return read_export(response).text()  # a spreadsheet is read as its cells
    content = getattr(response, "streaming_content", None)
    if content is not None:
        return b"".join(content).decode("utf-8", "replace")
    return bytes(response.content).decode("utf-8", "replace")


def _answers(client: Any, ids: dict[str, int]) -> dict[str, str]:
    answers = {}
    for path in [*_page_paths(ids), *_api_paths(client, ids)]:
        text = _body(client.get(path))
        with contextlib.suppress(ValueError):  # JSON is read as characters, not escapes
            text = json.dumps(json.loads(text), ensure_ascii=False)
        answers[path] = text
    return answers


@pytest.mark.slow  # every page and API answer of every role
@pytest.mark.django_db
def test_no_answer_of_any_role_determines_an_id_number(
    world: World, client_for: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from sscard.portal.models import Account
    from sscard.registry.selectors import division_names

    names = division_names({XICHENG}, english=False) | {XICHENG: "西城区"}
    today = timezone.localdate()
    smallest: tuple[float, str] = (float("inf"), "")
    seen: dict[Role, set[str]] = {}
    for role in ROLES:
        account = Account.objects.filter(role=role).order_by("pk").first()
        if account is None:
            account = AccountFactory.of_role(role)
        client = client_for(account)
        for path, text in _answers(client, world.ids).items():
            for masked in MASKED.findall(text):
                for person in world.persons:
                    number = world.numbers[person.pk]
                    if not _fits(number, masked.upper()):
                        continue
                    seen.setdefault(role, set()).add(path)
                    count = candidates(
                        masked, shown_about(person, number, text, names), today=today
                    )
                    where = f"{role.value} {path}"
                    assert count >= THRESHOLD, (where, masked, count)
                    smallest = min(smallest, (count, where))
    # the sweep is not vacuous: the roles that work on masked values did see them
    assert {"/persons/", "/api/v1/persons", "/persons/export.csv", "/persons/export.xlsx"} <= seen[
        Role.CITY_OFFICER
    ]
    assert {"/persons/", "/api/v1/persons"} <= seen[Role.DISTRICT_OFFICER]
    hr_seen = seen[Role.EMPLOYER_HR]
    roster = f"/api/v1/collectives/{world.ids['collective_id']}/roster"
    assert {roster, f"/collective/?id={world.ids['collective_id']}"} <= hr_seen
    # the roster's spreadsheets and printed form were swept too
    collective = world.ids["collective_id"]
    assert {
        f"/collective/{collective}/roster.csv",
        f"/collective/{collective}/roster.xlsx",
        f"/collective/{collective}/form/",
    } <= hr_seen
    assert f"/persons/{world.ids['person_id']}/" in seen[Role.CITY_OFFICER]
    with capsys.disabled():
        print(f"\nsmallest candidate count: {smallest[0]:,.0f} ({smallest[1]})")

"""Scope by city (issue 9, point 10): with Beijing and Shanghai in one database, a city officer
of one sees nothing of the other — persons, employers, schools, outlets, applications,
collectives, cards, reports and campaigns — on pages and in API lists, tested both ways."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sscard.applications.models import CollectiveApplication
from sscard.cards.choices import CardStage
from sscard.cards.models import Card
from sscard.cards.tests.support import application, card_ordered, in_force
from sscard.core.actors import Actor
from sscard.network.services import banks_load
from sscard.registry.services import divisions_load
from sscard.testing.factories import (
    AccountFactory,
    EmployerFactory,
    OutletFactory,
    PersonFactory,
    SchoolFactory,
    make_id_number,
)

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
TODAY = timezone.localdate()


@dataclass
class City:
    """One city's rows, each named so that a page showing it can be recognised."""

    code: str
    word: str  # appears in every name of the city's rows
    ids: dict[str, set[Any]]  # ids, or codes where the API names rows by code
    names: list[str]


def _city(code: str, district: str, word: str, pack: str, n: int) -> City:
    campaign = in_force(pack)
    employer = EmployerFactory.create(insured_district=district, name=f"{word}测试单位")
    school = SchoolFactory.create(district=district, name=f"{word}测试小学")
    outlet = OutletFactory.create(district=district, name=f"{word}测试支行")
    staff = PersonFactory.create(
        id_number=make_id_number(n, region=district),
        insured_region=district,
        hukou_region=district,
        employer=employer,
    )
    # not insured anywhere: of the city where their household is registered (户籍)
    resident = PersonFactory.create(
        id_number=make_id_number(n + 1, region=district),
        insured_region="",
        hukou_region=district,
        category="other",
    )
    late = application(campaign, staff)
    late.due_date = TODAY - timedelta(days=10)
    late.save(update_fields=["due_date"])
    ordered = card_ordered(resident, campaign=campaign)
    collective = CollectiveApplication.objects.create(
        employer=employer,
        channel="collective_online",
        applied_on=date(2024, 3, 4),
        opened_by="hr",
        opened_by_role="employer_hr",
        created_at=timezone.now(),
    )
    return City(
        code=code,
        word=word,
        ids={
            "persons": {staff.pk, resident.pk},
            "employers": {employer.pk},
            "schools": {school.code},
            "outlets": {outlet.pk},
            "applications": {late.pk},
            "collectives": {collective.pk},
            "cards": {ordered.pk},
            "campaigns": {campaign.pk},
        },
        names=[employer.name, school.name, outlet.name],
    )


@pytest.fixture
def cities() -> tuple[City, City]:
    # given both cities' reference data and programmes in one database
    divisions_load(actor=SYSTEM)
    banks_load(actor=SYSTEM)
    beijing = _city("110000", "110102", "北京", "beijing-2024", 10)
    shanghai = _city("310000", "310104", "上海", "shanghai-2019", 20)
    return beijing, shanghai


def _officer(city: City) -> Client:
    account = AccountFactory.create(city_code=city.code)
    client = Client()
    client.force_login(account.user)
    return client


def _ids(body: Any, key: str = "id") -> set[Any]:
    items = body["items"] if isinstance(body, dict) else body
    return {item[key] for item in items}


API_LISTS = {
    "persons": "/api/v1/persons",
    "employers": "/api/v1/employers",
    "schools": "/api/v1/schools",
    "outlets": "/api/v1/outlets",
    "applications": "/api/v1/applications",
    "collectives": "/api/v1/collectives",
    "campaigns": "/api/v1/campaigns",
}


@pytest.mark.parametrize("which", [0, 1], ids=["beijing-officer", "shanghai-officer"])
def test_api_lists_show_only_the_officers_city(cities: tuple[City, City], which: int) -> None:
    mine, theirs = cities[which], cities[1 - which]
    client = _officer(mine)
    for kind, url in API_LISTS.items():
        # when the officer lists them through the API
        response = client.get(url)
        assert response.status_code == 200, (url, response.content)
        seen = _ids(response.json(), "code" if kind == "schools" else "id")
        # then their city's rows are there and none of the other city's
        assert mine.ids[kind] <= seen, kind
        assert not (theirs.ids[kind] & seen), kind
    # and the other city's objects answer 404, exactly as missing ones do
    for kind, url in (
        ("persons", "/api/v1/persons/{}"),
        ("employers", "/api/v1/employers/{}"),
        ("outlets", "/api/v1/outlets/{}"),
        ("applications", "/api/v1/applications/{}"),
        ("collectives", "/api/v1/collectives/{}"),
        ("cards", "/api/v1/cards/{}"),
    ):
        (own,) = sorted(mine.ids[kind])[:1]
        (other,) = sorted(theirs.ids[kind])[:1]
        assert client.get(url.format(own)).status_code == 200, kind
        answer = client.get(url.format(other))
        assert (answer.status_code, answer.json()["code"]) == (404, "not_found"), kind


@pytest.mark.parametrize("which", [0, 1], ids=["beijing-officer", "shanghai-officer"])
def test_reports_count_only_the_officers_city(cities: tuple[City, City], which: int) -> None:
    mine = cities[which]
    client = _officer(mine)
    # when the officer reads overdue cards by district, and the backlog
    overdue = client.get("/api/v1/reports/overdue", {"by": "district"}).json()
    backlog = client.get("/api/v1/reports/backlog").json()
    # then only the city's overdue application and ordered card are counted
    assert [(row["key"][:2], row["count"]) for row in overdue] == [(mine.code[:2], 1)]
    assert backlog["waiting_for_batch"] == 1
    assert backlog["by_stage"]["ordered"] == 1
    assert Card.objects.filter(stage=CardStage.ORDERED).count() == 2


@pytest.mark.parametrize("which", [0, 1], ids=["beijing-officer", "shanghai-officer"])
def test_eligibility_figures_cover_only_the_officers_city(
    cities: tuple[City, City], which: int
) -> None:
    mine = cities[which]
    figures = _officer(mine).get("/api/v1/campaigns/eligibility").json()
    assert [row["city_code"] for row in figures] == [mine.code]
    districts = {d["district"][:2] for row in figures for d in row["districts"]}
    assert districts <= {mine.code[:2]}


PAGES = ["/", "/persons/", "/employers/", "/outlets/", "/campaigns/", "/campaigns/schools/",
         "/reports/overdue/"]  # fmt: skip


@pytest.mark.parametrize("which", [0, 1], ids=["beijing-officer", "shanghai-officer"])
def test_pages_show_nothing_of_the_other_city(cities: tuple[City, City], which: int) -> None:
    mine, theirs = cities[which], cities[1 - which]
    client = _officer(mine)
    shown = ""
    for url in PAGES:
        # when the officer opens each list page
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        # then no name of the other city's rows appears on it
        for name in theirs.names:
            assert name not in html, (url, name)
        for pk in theirs.ids["persons"]:
            assert f"/persons/{pk}/" not in html, url
        shown += html
    # and the officer's own rows do
    for name in mine.names:
        assert name in shown, name
    for pk in mine.ids["persons"]:
        assert f"/persons/{pk}/" in shown

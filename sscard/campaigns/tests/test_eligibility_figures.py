"""Every eligibility figure counts distinct persons: a person in two groups is counted once."""

from __future__ import annotations

import re
from datetime import date

import pytest

from sscard.campaigns.services import campaign_put_in_force
from sscard.core.actors import Actor
from sscard.policy import builtin_pack
from sscard.portal.models import Account
from sscard.registry.eligibility import eligible_figures
from sscard.registry.services import divisions_load
from sscard.testing.factories import AccountFactory, PersonFactory
from sscard.testing.fixtures import ClientFor

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
HUANGPU = "310101"
DAY = date(2019, 4, 15)  # campaign, retirees and pupils phases in force


@pytest.fixture(autouse=True)
def overlapping() -> None:
    """Three persons of Huangpu in seven group memberships.

    An 85-year-old retiree is "eligible", a retiree and very old (3 groups); a 65-year-old
    retiree is "eligible" and a retiree (2); a flexible worker is "eligible" and "others" (2).
    """
    divisions_load(actor=SYSTEM)
    campaign_put_in_force(actor=SYSTEM, pack=builtin_pack("shanghai-2019"))
    place = {"hukou_region": HUANGPU, "insured_region": HUANGPU}
    PersonFactory.create(category="retiree", birth_date=date(1934, 1, 1), **place)
    PersonFactory.create(category="retiree", birth_date=date(1954, 1, 1), **place)
    PersonFactory.create(category="flexible_worker", birth_date=date(1984, 1, 1), **place)


def test_the_registry_counts_each_person_once_and_each_group_on_its_own() -> None:
    figures = eligible_figures(
        builtin_pack("shanghai-2019"),
        today=DAY,
        group_ids=["eligible", "retirees", "elderly", "others"],
    )
    assert figures.by_district == {
        HUANGPU: {"eligible": 3, "retirees": 2, "elderly": 1, "others": 1}
    }
    assert sum(figures.by_district[HUANGPU].values()) == 7  # what a sum over groups would say
    assert figures.people_by_district == {HUANGPU: 3}
    assert figures.people == 3
    assert figures.in_group("retirees") == 2


@pytest.fixture
def shanghai_officer() -> Account:
    return AccountFactory.create(city_code="310000")


def test_the_campaign_page_total_and_row_count_persons_once(
    shanghai_officer: Account, client_for: ClientFor
) -> None:
    page = client_for(shanghai_officer).get("/campaigns/", {"on": DAY.isoformat()})
    body = page.content.decode()
    assert page.status_code == 200
    heading = re.search(r"<h3>([^<]*)</h3>", body)
    assert heading is not None
    assert re.findall(r"\d+", heading.group(1)) == ["3"]
    row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", body, re.S)
    assert row is not None
    numbers = [int(n) for n in re.findall(r"</span>(\d+)</td>", row.group(1))]
    people = re.findall(r"<strong>(\d+)</strong>", row.group(1))
    assert sum(numbers) > 3  # the groups overlap...
    assert people == ["3"]  # ...and the row's figure counts each person once


def test_the_api_counts_persons_once_and_labels_group_figures(
    shanghai_officer: Account, client_for: ClientFor
) -> None:
    answer = client_for(shanghai_officer).get(
        "/api/v1/campaigns/eligibility", {"on": DAY.isoformat()}
    )
    assert answer.status_code == 200, answer.content
    (shanghai,) = [c for c in answer.json() if c["city_code"] == "310000"]
    assert shanghai["people"] == 3
    (district,) = shanghai["districts"]
    assert (district["district"], district["people"]) == (HUANGPU, 3)
    assert district["in_group"]["eligible"] == 3
    assert district["in_group"]["retirees"] == 2
    assert sum(district["in_group"].values()) > district["people"]
    groups = {g["id"]: g["in_group"] for g in shanghai["groups"]}
    assert groups["elderly"] == 1


def test_a_district_officer_sees_their_own_district_only(client_for: ClientFor) -> None:
    def people(district: str) -> list[int]:
        officer = AccountFactory.create(
            district_officer=True, district_code=district, city_code="310000"
        )
        answer = client_for(officer).get("/api/v1/campaigns/eligibility", {"on": DAY.isoformat()})
        assert answer.status_code == 200
        return [c["people"] for c in answer.json()]

    assert people(HUANGPU) == [3]
    assert people("310106") == [0]

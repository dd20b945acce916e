"""The reports API: overdue cards per bank, outlet or district and the backlog, for the city
bureau and district officers (their district only); a few queries however much there is."""

from __future__ import annotations

from datetime import date

import pytest

from sscard.applications.services import (
    collective_arrange,
    collective_notify,
    collective_open,
    collective_submit,
    roster_add_staff,
)
from sscard.applications.tests.support import branch, confirm_all, hr, in_force
from sscard.network.models import Outlet
from sscard.production.services import batches_form
from sscard.testing.card_life import OPERATOR, personalise
from sscard.testing.factories import (
    SHIJINGSHAN,
    XICHENG,
    AccountFactory,
    EmployerFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db
SUBMITTED = date(2024, 3, 4)
DUE = "2024-04-03"  # 30 days later (BJ-11); the API reports as of today, long after
OVERDUE = "/api/v1/reports/overdue"
BACKLOG = "/api/v1/reports/backlog"


def unit_applies(size: int, *, bank: str, district: str) -> Outlet:
    in_force("beijing-2024")
    employer = EmployerFactory.create(insured_district=district)
    staff = [
        PersonFactory.create(
            employer=employer, insured_region=district, hukou_region=district, address="北京市"
        )
        for _ in range(size)
    ]
    actor = hr(employer)
    collective = collective_open(actor=actor, day=SUBMITTED)
    outlet: Outlet = branch(bank, district=district)
    collective_arrange(
        actor=actor,
        collective_id=collective.pk,
        day=SUBMITTED,
        pickup="branch",
        outlet_id=outlet.pk,
    )
    roster_add_staff(actor=actor, collective_id=collective.pk, day=SUBMITTED)
    collective_notify(actor=actor, collective_id=collective.pk)
    confirm_all(collective, staff, SUBMITTED)
    collective_submit(actor=actor, collective_id=collective.pk, day=SUBMITTED)
    return outlet


@pytest.fixture
def two_districts() -> tuple[Outlet, Outlet]:
    """Two Xicheng cards being personalised past their due date; one Shijingshan application
    never batched."""
    xicheng = unit_applies(2, bank="ICBC", district=XICHENG)
    (batch,) = batches_form(actor=OPERATOR, today=SUBMITTED)
    personalise(batch)
    shijingshan = unit_applies(1, bank="BOB", district=SHIJINGSHAN)
    return xicheng, shijingshan


def test_the_city_bureau_sees_overdue_cards_per_bank_outlet_and_district(
    city_officer, client_for, two_districts
):
    xicheng, shijingshan = two_districts
    api = client_for(city_officer)
    by_bank = api.get(OVERDUE)
    assert by_bank.status_code == 200
    assert by_bank.json() == [
        {"key": "ICBC", "label": "ICBC", "count": 2, "oldest_due": DUE},
        {"key": "BOB", "label": "BOB", "count": 1, "oldest_due": DUE},
    ]
    by_outlet = api.get(OVERDUE, {"by": "outlet"}).json()
    assert [(r["key"], r["label"], r["count"]) for r in by_outlet] == [
        (xicheng.code, xicheng.name, 2),
        (shijingshan.code, shijingshan.name, 1),
    ]
    by_district = api.get(OVERDUE, {"by": "district"}).json()
    assert [(r["key"], r["count"]) for r in by_district] == [(XICHENG, 2), (SHIJINGSHAN, 1)]


def test_a_district_officer_sees_their_district_only(client_for, two_districts):
    officer = AccountFactory.create(district_officer=True, district_code=SHIJINGSHAN)
    api = client_for(officer)
    assert [(r["key"], r["count"]) for r in api.get(OVERDUE, {"by": "district"}).json()] == [
        (SHIJINGSHAN, 1)
    ]
    found = api.get(BACKLOG).json()
    assert found["waiting_for_batch"] == 1
    assert sum(found["by_stage"].values()) == 0


def test_the_backlog_counts_per_stage_and_bank(city_officer, client_for, two_districts):
    found = client_for(city_officer).get(BACKLOG).json()
    assert found == {
        "waiting_for_batch": 1,
        "by_stage": {
            "ordered": 0,
            "personalised": 2,
            "produced": 0,
            "dispatched": 0,
            "at_outlet": 0,
        },
        "by_bank": [["ICBC", 2]],
    }


def test_an_unknown_grouping_is_invalid_input(city_officer, client_for):
    response = client_for(city_officer).get(OVERDUE, {"by": "postcode"})
    assert (response.status_code, response.json()["code"]) == (422, "invalid_input")


@pytest.mark.parametrize(
    "role", ["production_operator", "bank_clerk", "employer_hr", "cardholder", "relying_party"]
)
def test_other_roles_are_refused(client_for, role, two_districts):
    api = client_for(AccountFactory.of_role(role))
    for url in (OVERDUE, BACKLOG):
        response = api.get(url)
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_the_reports_take_the_same_few_queries_however_much_is_overdue(
    city_officer, client_for, django_assert_max_num_queries
):
    for district, bank in [(XICHENG, "ICBC"), (SHIJINGSHAN, "BOB"), (XICHENG, "BOC")]:
        unit_applies(2, bank=bank, district=district)
    api = client_for(city_officer)
    # session, user and account, then one grouped query
    for by, groups in (("bank", 3), ("outlet", 3), ("district", 2)):
        with django_assert_max_num_queries(4):
            assert len(api.get(OVERDUE, {"by": by}).json()) == groups
    # the backlog: one query each for stages, banks and what waits for a batch
    with django_assert_max_num_queries(6):
        assert api.get(BACKLOG).json()["waiting_for_batch"] == 6

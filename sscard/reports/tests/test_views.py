"""The bureau's page of overdue cards (BJ-11) per bank, outlet and district, and the backlog."""

from __future__ import annotations

import pytest

from sscard.applications.tests.support import in_force
from sscard.delivery.tests.page_support import overdue_unit
from sscard.testing.factories import CHAOYANG, XICHENG, AccountFactory, DivisionFactory

pytestmark = pytest.mark.django_db
PAGE = "/reports/overdue/"


@pytest.fixture
def overdue():
    in_force("beijing-2024")
    DivisionFactory.create()  # Xicheng
    icbc = overdue_unit(3, bank_code="ICBC", name="工商银行西城支行")
    ccb = overdue_unit(1, bank_code="CCB", name="建设银行西城支行")
    return icbc, ccb


def test_the_city_officer_sees_overdue_cards_per_bank_outlet_and_district(
    overdue, city_officer, client_for, django_assert_max_num_queries
):
    officer = client_for(city_officer)
    # session, account, three groupings, backlog (3), bank and district names
    with django_assert_max_num_queries(12):
        page = officer.get(PAGE)
    body = page.content.decode()
    assert page.status_code == 200
    assert "超期卡片与积压" in body
    assert "data-overdue>4<" in body
    assert "ICBC" in body  # bank names come from the network's banks
    assert "工商银行西城支行" in body
    assert "建设银行西城支行" in body
    assert "西城区" in body
    assert 'class="hbar bad" style="width: 100%"' in body
    assert 'class="hbar bad" style="width: 33%"' in body
    assert "等待组批" in body


def test_a_district_officer_sees_only_their_district(overdue, client_for):
    officer = client_for(AccountFactory.create(district_officer=True, district_code=CHAOYANG))
    body = officer.get(PAGE).content.decode()
    assert "data-overdue>0<" in body
    assert "没有超期卡片" in body
    own = client_for(AccountFactory.create(district_officer=True, district_code=XICHENG))
    assert "data-overdue>4<" in own.get(PAGE).content.decode()


def test_on_an_earlier_day_nothing_was_overdue_yet(overdue, city_officer, client_for):
    body = client_for(city_officer).get(PAGE, {"on": "2024-03-05"}).content.decode()
    assert "data-overdue>0<" in body


@pytest.mark.parametrize("role", ["bank_clerk", "production_operator", "cardholder"])
def test_other_roles_are_refused(role, client_for):
    assert client_for(AccountFactory.of_role(role)).get(PAGE).status_code == 403


def test_the_page_is_english_when_chosen(city_officer, client_for):
    officer = client_for(city_officer)
    officer.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = officer.get(PAGE).content.decode()
    assert "Overdue cards and backlog" in body
    assert "Nothing is overdue." in body

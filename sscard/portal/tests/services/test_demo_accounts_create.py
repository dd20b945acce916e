"""demo_accounts_create: one account per role bound to real demo data, idempotent."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.network.models import RelyingParty
from sscard.portal.models import Account
from sscard.portal.services import demo_accounts_create
from sscard.testing.factories import (
    DivisionFactory,
    EmployerFactory,
    OutletFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("demo")


@pytest.fixture
def demo_data():
    DivisionFactory.create()
    EmployerFactory.create()  # no staff: not the one chosen
    employer = EmployerFactory.create()
    holder = PersonFactory.create(employer=employer)
    PersonFactory.create(employer=employer)
    OutletFactory.create()
    OutletFactory.create(community_centre=True)
    return employer, holder


def test_creates_one_account_per_role_bound_to_demo_objects(demo_data):
    employer, holder = demo_data
    accounts = demo_accounts_create(actor=SYSTEM, city_code="110000")
    assert len(accounts) == 9  # every role but the system, the post included
    by_role = {a.role: a for a in Account.objects.select_related("outlet")}
    assert set(by_role) == {r.value for r in Role if r is not Role.SYSTEM}
    assert by_role["employer_hr"].employer == employer
    assert by_role["district_officer"].district_code == employer.insured_district
    assert by_role["cardholder"].person == holder
    assert getattr(by_role["bank_clerk"].outlet, "kind", None) == "bank_branch"
    assert getattr(by_role["community_clerk"].outlet, "kind", None) == "community_centre"
    assert getattr(by_role["relying_party"].relying_party, "kind", None) == "hospital"
    # and every password printed signs in, through the sign-in form (django-axes watches it)
    for username, password, label in accounts:
        assert label
        answer = Client().post(
            reverse("portal:login"), {"username": username, "password": password}
        )
        assert answer.status_code == 302, username


def test_running_twice_changes_nothing_and_answers_the_same(demo_data):
    first = demo_accounts_create(actor=SYSTEM, city_code="110000")
    second = demo_accounts_create(actor=SYSTEM, city_code="110000")
    assert first == second
    assert Account.objects.count() == 9
    assert RelyingParty.objects.count() == 1


def test_refuses_without_demo_data():
    with pytest.raises(ApplicationError) as refused:
        demo_accounts_create(actor=SYSTEM, city_code="110000")
    assert refused.value.code == "demo_data_missing"
    assert not Account.objects.exists()

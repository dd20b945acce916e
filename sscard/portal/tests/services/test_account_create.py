"""account_create: the scope must fit the role; every account is audited."""

from __future__ import annotations

import pytest
from django.utils import translation

from sscard.core.actors import Actor
from sscard.core.audit import audit_verify_chain
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.portal.models import Account
from sscard.portal.services import account_create
from sscard.testing.factories import (
    XICHENG,
    AccountFactory,
    DivisionFactory,
    EmployerFactory,
    OutletFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
PASSWORD = "a-sound-password-42"


def test_creates_user_and_account_bound_to_the_scope_and_audits():
    employer = EmployerFactory.create()
    account = account_create(
        actor=SYSTEM,
        username="hr1",
        password=PASSWORD,
        role="employer_hr",
        employer_id=employer.pk,
    )
    assert account.user.check_password(PASSWORD)
    assert account.actor().employer_id == employer.pk
    event = AuditEvent.objects.get(action="account.create")
    assert event.object_id == str(account.pk)
    assert event.changes == {"username": "hr1", "role": "employer_hr", "employer_id": employer.pk}
    assert PASSWORD not in str(event.changes)
    assert audit_verify_chain().ok


@pytest.mark.parametrize(
    ("role", "scope", "code"),
    [
        ("employer_hr", {}, "scope_missing"),
        ("district_officer", {}, "scope_missing"),
        ("cardholder", {"employer_id": 1}, "scope_missing"),
        ("city_officer", {"district_code": XICHENG}, "scope_not_allowed"),
        ("district_officer", {"district_code": "999999"}, "scope_not_found"),
        ("employer_hr", {"employer_id": 987654}, "scope_not_found"),
        ("astronaut", {}, "role_unknown"),
        ("system", {}, "role_unknown"),
    ],
)
def test_refuses_a_scope_that_does_not_fit_the_role(role, scope, code):
    with pytest.raises(ApplicationError) as refused:
        account_create(actor=SYSTEM, username="x1", password=PASSWORD, role=role, **scope)
    assert refused.value.code == code
    assert refused.value.status == 422
    assert not Account.objects.exists()


def test_a_district_officer_needs_a_real_district():
    DivisionFactory.create()
    account = account_create(
        actor=SYSTEM,
        username="d1",
        password=PASSWORD,
        role="district_officer",
        district_code=XICHENG,
    )
    assert account.actor().district_code == XICHENG


def test_a_bank_clerk_belongs_to_a_bank_outlet_and_a_community_clerk_to_a_centre():
    branch = OutletFactory.create()
    centre = OutletFactory.create(community_centre=True)
    for role, outlet in (("bank_clerk", centre), ("community_clerk", branch)):
        with pytest.raises(ApplicationError) as refused:
            account_create(
                actor=SYSTEM, username=role, password=PASSWORD, role=role, outlet_id=outlet.pk
            )
        assert refused.value.code == "outlet_kind_mismatch"
    assert (
        account_create(
            actor=SYSTEM, username="b", password=PASSWORD, role="bank_clerk", outlet_id=branch.pk
        ).outlet
        == branch
    )


def test_refuses_a_taken_username_and_a_weak_password():
    person = PersonFactory.create()
    account_create(
        actor=SYSTEM, username="holder", password=PASSWORD, role="cardholder", person_id=person.pk
    )
    with pytest.raises(ApplicationError) as taken:
        account_create(
            actor=SYSTEM,
            username="holder",
            password=PASSWORD,
            role="cardholder",
            person_id=person.pk,
        )
    assert taken.value.code == "username_taken"
    assert taken.value.status == 409
    with pytest.raises(ApplicationError) as weak:
        account_create(
            actor=SYSTEM, username="other", password="password", role="production_operator"
        )
    assert weak.value.code == "password_invalid"
    assert weak.value.details["reasons"]


@pytest.mark.parametrize("role", ["district_officer", "employer_hr", "bank_clerk", "cardholder"])
def test_only_the_city_bureau_creates_accounts(role):
    actor = AccountFactory.of_role(role).actor()
    with pytest.raises(ApplicationError) as refused:
        account_create(actor=actor, username="x", password=PASSWORD, role="production_operator")
    assert refused.value.code == "permission_denied"


@pytest.mark.parametrize(
    "password",
    ["zhang.wei.clerk", "clerk-zhangwei", "ZhangWei2024"],
    ids=["the username", "its parts reordered", "the name with a year"],
)
def test_a_password_like_the_username_is_refused_and_nothing_is_created(password):
    # given a password that is the username, or close to it
    # when an account is created with it (in Chinese, whatever an earlier test left active)
    with pytest.raises(ApplicationError) as refused, translation.override("zh-hans"):
        account_create(
            actor=SYSTEM, username="zhangwei.clerk", password=password, role="production_operator"
        )
    # then it is refused for its similarity, and no user or account is left behind
    assert refused.value.code == "password_invalid"
    assert any("相似" in reason for reason in refused.value.details["reasons"])  # "too similar"
    assert not Account.objects.filter(user__username="zhangwei.clerk").exists()

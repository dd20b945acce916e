"""The approvals page and its API twin: a checker sees the change in words and approves or
rejects it; the maker sees only "withdraw"; the buttons follow the services' predicates, and
what the page does the API does on the same service."""

from __future__ import annotations

import pytest

from sscard.core.approvals import approval_propose
from sscard.core.models import Approval
from sscard.core.tests.approval_support import rename_kind  # noqa: F401 (a fixture)
from sscard.portal.models import Account
from sscard.registry.models import Employer
from sscard.testing.api_client import ApiClient
from sscard.testing.factories import XICHENG, AccountFactory, EmployerFactory
from sscard.testing.fixtures import ClientFor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rename_kind")]


def _proposal(maker: Account, employer: Employer) -> Approval:
    return approval_propose(
        actor=maker.actor(),
        kind="test_employer_rename",
        subject_type="registry.employer",
        subject_id=str(employer.pk),
        payload={"name": "新名称"},
        reason="营业执照变更",
        city_code="110000",
        district_code=XICHENG,
    )


def test_the_checker_approves_on_the_page_and_the_maker_only_withdraws(
    client_for: ClientFor, city_officer: Account
) -> None:
    maker = AccountFactory.create()
    employer = EmployerFactory.create(name="旧名称")
    approval = _proposal(maker, employer)
    url = f"/approvals/{approval.pk}/"

    listing = client_for(city_officer).get("/approvals/")
    assert listing.status_code == 200
    assert "rename to 新名称" in listing.content.decode()
    as_maker = client_for(maker).get(url).content.decode()
    assert 'value="withdraw"' in as_maker
    assert 'value="approve"' not in as_maker
    as_checker = client_for(city_officer).get(url).content.decode()
    assert 'value="approve"' in as_checker
    assert 'value="withdraw"' not in as_checker

    # the maker posting an approval anyway is refused beside the form, nothing applied
    refused = client_for(maker).post(url, {"action": "approve", "note": ""})
    assert refused.status_code == 400
    employer.refresh_from_db()
    assert employer.name == "旧名称"

    done = client_for(city_officer).post(url, {"action": "approve", "note": ""})
    assert done.status_code == 302
    employer.refresh_from_db()
    assert employer.name == "新名称"
    after = client_for(city_officer).get(url).content.decode()
    assert 'value="approve"' not in after


def test_a_rejection_without_a_note_is_refused_on_the_page(
    client_for: ClientFor, city_officer: Account
) -> None:
    approval = _proposal(AccountFactory.create(), EmployerFactory.create(name="旧名称"))

    refused = client_for(city_officer).post(
        f"/approvals/{approval.pk}/", {"action": "reject", "note": ""}
    )

    assert refused.status_code == 400
    assert "aria-invalid" in refused.content.decode() or 'role="alert"' in refused.content.decode()
    assert Approval.objects.get(pk=approval.pk).state == Approval.State.PENDING


def test_the_api_lists_decides_and_refuses_as_the_page(city_officer: Account) -> None:
    maker = AccountFactory.create()
    employer = EmployerFactory.create(name="旧名称")
    approval = _proposal(maker, employer)

    listing = ApiClient(city_officer).get("/approvals", state="pending").json()
    assert [row["id"] for row in listing["items"]] == [approval.pk]
    assert listing["items"][0]["may_decide"] is True
    assert listing["items"][0]["description"] == "rename to 新名称"
    own = ApiClient(maker).post(f"/approvals/{approval.pk}/decision", {"approve": True})
    assert own.status_code == 403
    assert own.json()["code"] == "approval_own_change"

    done = ApiClient(city_officer).post(f"/approvals/{approval.pk}/decision", {"approve": True})

    assert done.status_code == 200
    assert done.json()["state"] == "applied"
    employer.refresh_from_db()
    assert employer.name == "新名称"
    again = ApiClient(city_officer).post(f"/approvals/{approval.pk}/decision", {"approve": True})
    assert again.status_code == 409
    assert again.json()["code"] == "approval_not_pending"


@pytest.mark.parametrize("role", ["employer_hr", "bank_clerk", "cardholder", "relying_party"])
def test_other_roles_neither_see_nor_decide(role: str, client_for: ClientFor) -> None:
    approval = _proposal(AccountFactory.create(), EmployerFactory.create())
    account = AccountFactory.of_role(role)

    if role != "relying_party":
        assert client_for(account).get("/approvals/").status_code == 403
    api = ApiClient(account)
    assert api.get("/approvals").json()["items"] == []
    decided = api.post(f"/approvals/{approval.pk}/decision", {"approve": True})
    assert decided.status_code in (403, 404)
    assert Approval.objects.get(pk=approval.pk).state == Approval.State.PENDING

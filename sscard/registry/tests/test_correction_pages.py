"""The "correct" form on an officer's person page and its API twin
(``POST /api/v1/persons/{id}/corrections``): the same service, the same answers."""

from __future__ import annotations

import pytest

from sscard.core.models import Approval, AuditEvent
from sscard.portal.models import Account
from sscard.registry.models import Person
from sscard.testing.factories import (
    CHAOYANG,
    XICHENG,
    AccountFactory,
    DivisionFactory,
    PersonFactory,
    make_id_number,
)
from sscard.testing.fixtures import ClientFor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _districts() -> None:
    DivisionFactory.create(code=XICHENG)
    DivisionFactory.create(code=CHAOYANG, name_zh="朝阳区", name_en="Chaoyang District")


def test_the_person_page_offers_the_form_to_officers_only(city_officer, employer_hr, client_for):
    person = PersonFactory.create()
    officer_page = client_for(city_officer).get(f"/persons/{person.pk}/")
    assert 'id="person-correct"' in officer_page.content.decode()
    # HR may not open the form at all
    person_hr = client_for(employer_hr).get(f"/persons/{person.pk}/correct/")
    assert person_hr.status_code in (403, 404)


def test_the_form_shows_what_applied_now_and_what_awaits_approval(city_officer, client_for):
    # given a person
    person = PersonFactory.create(name="王小明", phone="13900001234")
    client = client_for(city_officer)
    page = client.get(f"/persons/{person.pk}/correct/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "13900001234" not in text  # the phone is not prefilled in the clear
    # when the officer changes the phone and the name
    response = client.post(
        f"/persons/{person.pk}/correct/",
        {
            "name": "王晓明",
            "phone": "13700005678",
            "sex": person.sex,
            "hukou_region": person.hukou_region,
            "insured_region": person.insured_region,
            "category": person.category,
            "employer": "",
            "reason": "本人申请",
            "evidence": "户口本",
        },
    )
    # then the phone changed now and the name awaits approval
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="applied"' in body
    assert 'id="proposed"' in body
    assert "王晓明" not in body  # the new name is shown masked
    person.refresh_from_db()
    assert person.phone_masked.endswith("5678")
    assert person.name == "王小明"
    assert Approval.objects.filter(subject_id=str(person.pk), state="pending").count() == 1


def test_a_refused_form_names_the_code_and_writes_nothing(city_officer, client_for):
    person = PersonFactory.create(phone="13900001234")
    response = client_for(city_officer).post(
        f"/persons/{person.pk}/correct/",
        {"phone": "13700005678", "reason": "", "sex": person.sex, "category": person.category},
    )
    assert response.status_code == 422
    assert 'data-code="correction_reason_required"' in response.content.decode()
    person.refresh_from_db()
    assert person.phone_masked.endswith("1234")
    assert not AuditEvent.objects.filter(action="person_correct").exists()


def test_the_api_applies_and_proposes_as_the_page_does(city_officer, client_for):
    person = PersonFactory.create(phone="13900001234")
    new_number = make_id_number(4242)
    response = client_for(city_officer).post(
        f"/api/v1/persons/{person.pk}/corrections",
        {"phone": "13700005678", "id_number": new_number, "reason": "公安更正"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["applied"] == ["phone"]
    assert "id_number" in body["proposed"]
    assert body["approval_id"] is not None
    assert body["changes"]["phone"] == ["*******1234", "*******5678"]
    assert new_number not in response.content.decode()
    person.refresh_from_db()
    assert person.phone_masked.endswith("5678")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"phone": "13700005678", "reason": ""}, 422, "correction_reason_required"),
        ({"birth_date": "2999-01-01", "reason": "r"}, 422, "birth_date_in_future"),
        ({"reason": "r"}, 422, "correction_no_change"),
    ],
)
def test_the_api_refuses_bad_input_with_codes(city_officer, client_for, body, status, code):
    person = PersonFactory.create()
    before = Person.objects.values().get(pk=person.pk)
    response = client_for(city_officer).post(
        f"/api/v1/persons/{person.pk}/corrections", body, content_type="application/json"
    )
    assert response.status_code == status
    assert response.json()["code"] == code
    assert Person.objects.values().get(pk=person.pk) == before


def test_a_district_officer_gets_404_for_another_districts_person(district_officer, client_for):
    person = PersonFactory.create(hukou_region=CHAOYANG, insured_region=CHAOYANG)
    response = client_for(district_officer).post(
        f"/api/v1/persons/{person.pk}/corrections",
        {"phone": "13700005678", "reason": "r"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_clerk_is_refused_with_403(bank_clerk, client_for):
    person = PersonFactory.create()
    response = client_for(bank_clerk).post(
        f"/api/v1/persons/{person.pk}/corrections",
        {"phone": "13700005678", "reason": "r"},
        content_type="application/json",
    )
    assert response.status_code == 403


def _corrected(person: Person, changes: dict[str, str]) -> None:
    """``changes`` proposed by one officer and approved by another."""
    from sscard.core.actors import Actor, Role
    from sscard.core.approvals import approval_decide
    from sscard.registry.corrections import person_correct

    maker = Actor(role=Role.CITY_OFFICER, label="maker", user_id=951, city_code="110000")
    checker = Actor(role=Role.CITY_OFFICER, label="checker", user_id=952, city_code="110000")
    done = person_correct(actor=maker, person=person, changes=changes, reason="户籍更正")
    assert done.approval is not None
    approval_decide(actor=checker, approval_id=done.approval.pk, approve=True)


def test_the_counter_shows_the_card_to_reissue(client_for: ClientFor) -> None:
    # given a holder whose card waits at the outlet, and their name corrected meanwhile
    from sscard.applications.tests.support import branch, in_force
    from sscard.delivery.tests.page_support import in_stock

    in_force("beijing-2024")
    outlet = branch("ICBC", name="工商银行朝阳支行")
    clerk = client_for(AccountFactory.create(bank_clerk=True, outlet=outlet))
    person, id_number, _card = in_stock(outlet)
    served = clerk.post("/cards/counter/serve/", {"id_number": id_number}, HTTP_HX_REQUEST="true")
    assert 'data-reissue="flagged"' not in served.content.decode()
    _corrected(person, {"name": person.name[:1] + "新名"})
    # when the clerk serves the holder, the card says it is to be reissued
    served = clerk.post("/cards/counter/serve/", {"id_number": id_number}, HTTP_HX_REQUEST="true")
    assert 'data-reissue="flagged"' in served.content.decode()


def test_the_counter_lookup_finds_a_former_number_and_says_so(
    bank_clerk: Account, client_for: ClientFor
) -> None:
    # given a person whose ID number was corrected
    person = PersonFactory.create(id_number=make_id_number(5151))
    old = make_id_number(5151)
    _corrected(person, {"id_number": make_id_number(5252)})
    # when a clerk looks the old number up
    page = client_for(bank_clerk).post("/counter/", {"id_number": old})
    # then the person is found, shown as found by a former number
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-former="true"' in text
    assert person.name in text  # a clerk reads the record in full


def test_the_approvals_page_reads_the_proposal_masked(
    city_officer: Account, client_for: ClientFor
) -> None:
    from sscard.core.actors import Actor, Role
    from sscard.registry.corrections import person_correct

    person = PersonFactory.create(name="欧阳修")
    maker = Actor(role=Role.CITY_OFFICER, label="maker", user_id=961, city_code="110000")
    person_correct(actor=maker, person=person, changes={"name": "欧阳秀"}, reason="户籍更正")
    page = client_for(city_officer).get("/approvals/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "人员身份信息更正" in text
    assert "欧**" in text
    assert "欧阳秀" not in text

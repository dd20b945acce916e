"""Registry pages: scope, masking, the counter lookup, CSV export, query counts."""

from __future__ import annotations

import re

import pytest

from sscard.testing.exports import read_export
from sscard.testing.factories import (
    CHAOYANG,
    XICHENG,
    AccountFactory,
    DivisionFactory,
    EmployerFactory,
    PersonFactory,
    make_id_number,
)

pytestmark = pytest.mark.django_db


def test_person_list_page_is_masked_paginated_and_bounded(
    city_officer, client_for, django_assert_max_num_queries
):
    # given thirty persons with known numbers and phones
    DivisionFactory.create()
    numbers = [make_id_number(300 + i) for i in range(30)]
    for i, number in enumerate(numbers):
        PersonFactory.create(
            id_number=number, phone=f"1380000{i:04d}", employer=EmployerFactory.create()
        )
    client = client_for(city_officer)
    # when the officer opens the list
    with django_assert_max_num_queries(9):
        response = client.get("/persons/")
    # then a page of 25 shows, with nothing in full
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("/persons/") >= 25
    assert "西城区" in page
    assert not any(number in page for number in numbers)
    assert "13800000001" not in page
    assert numbers[0][0] + "*" * 16 + numbers[0][-1] in page


def test_person_list_filters_and_answers_htmx_with_the_results_only(city_officer, client_for):
    DivisionFactory.create()
    DivisionFactory.create(code=CHAOYANG, name_zh="朝阳区", name_en="Chaoyang District")
    keep = PersonFactory.create(insured_region=CHAOYANG, hukou_region=CHAOYANG, category="retiree")
    PersonFactory.create(insured_region=XICHENG, hukou_region=XICHENG, category="retiree")
    client = client_for(city_officer)
    response = client.get(
        "/persons/", {"district": CHAOYANG, "category": "retiree"}, HTTP_HX_REQUEST="true"
    )
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert f"/persons/{keep.pk}/" in fragment
    assert len(re.findall(r'href="/persons/\d+/"', fragment)) == 1  # one person listed
    # the fragment's export links carry the filter the list was drawn with
    assert f'href="/persons/export.xlsx?district={CHAOYANG}&amp;category=retiree"' in fragment


def test_employer_hr_cannot_see_another_employers_staff_by_page(employer_hr, client_for):
    mine = PersonFactory.create(employer=employer_hr.employer)
    other_employer = EmployerFactory.create()
    theirs = PersonFactory.create(employer=other_employer)
    client = client_for(employer_hr)
    listed = client.get("/persons/").content.decode()
    assert f"/persons/{mine.pk}/" in listed
    assert f"/persons/{theirs.pk}/" not in listed
    assert client.get(f"/persons/{theirs.pk}/").status_code == 404
    assert client.get(f"/employers/{other_employer.pk}/").status_code == 404
    assert client.get(f"/employers/{other_employer.pk}/staff.csv").status_code == 404
    own = client.get(f"/employers/{employer_hr.employer_id}/")
    assert own.status_code == 200
    assert f"/persons/{mine.pk}/" in own.content.decode()
    assert f"/persons/{theirs.pk}/" not in own.content.decode()


def test_district_officer_pages_show_only_their_district(district_officer, client_for):
    mine = PersonFactory.create(insured_region=XICHENG, hukou_region=XICHENG)
    other = PersonFactory.create(insured_region=CHAOYANG, hukou_region=CHAOYANG)
    other_employer = EmployerFactory.create(insured_district=CHAOYANG)
    client = client_for(district_officer)
    listed = client.get("/persons/").content.decode()
    assert f"/persons/{mine.pk}/" in listed
    assert f"/persons/{other.pk}/" not in listed
    assert client.get(f"/persons/{other.pk}/").status_code == 404
    assert other_employer.name not in client.get("/employers/").content.decode()


def test_person_detail_for_an_officer_is_masked(city_officer, client_for):
    number = make_id_number(77)
    person = PersonFactory.create(id_number=number, phone="13711112222", name="欧阳明华")
    page = client_for(city_officer).get(f"/persons/{person.pk}/").content.decode()
    assert "欧阳**" in page
    assert "欧阳明华" not in page
    assert number not in page
    assert "13711112222" not in page


def test_cardholder_sees_only_themself_in_full(cardholder, client_for):
    other = PersonFactory.create()
    client = client_for(cardholder)
    me = client.get("/me/")
    assert me.status_code == 200
    assert cardholder.person.name in me.content.decode()
    assert client.get(f"/persons/{other.pk}/").status_code == 404
    assert client.get("/persons/").status_code == 403
    assert client.get("/employers/").status_code == 403


@pytest.mark.parametrize("role", ["bank_clerk", "community_clerk"])
def test_counter_lookup_shows_one_person_in_full_and_keeps_no_number(role, client_for):
    number = make_id_number(123, region=CHAOYANG)
    person = PersonFactory.create(id_number=number, phone="13600001234", name="李建国")
    client = client_for(AccountFactory.of_role(role))
    # the clerk cannot list
    assert client.get("/persons/").status_code == 403
    # but posts the number and sees that one person in full
    assert client.get("/counter/").status_code == 200
    response = client.post("/counter/", {"id_number": number})
    page = response.content.decode()
    assert response.status_code == 200
    assert "李建国" in page
    assert number in page
    assert "13600001234" in page
    # and the form is blank again: the number appears only in the result
    assert f'value="{number}"' not in page
    assert person.pk


def test_counter_lookup_by_htmx_answers_the_result_fragment(bank_clerk, client_for):
    number = make_id_number(124)
    PersonFactory.create(id_number=number)
    response = client_for(bank_clerk).post(
        "/counter/", {"id_number": number}, HTTP_HX_REQUEST="true"
    )
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert number in fragment
    assert "personfound" in response["HX-Trigger"]  # the page clears the number from its form


def test_counter_lookup_explains_a_wrong_number(bank_clerk, client_for):
    number = make_id_number(125)
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    page = client_for(bank_clerk).post("/counter/", {"id_number": wrong}).content.decode()
    assert "id_check_digit" in page
    assert "校验位" in page


def test_counter_lookup_of_an_unknown_person_says_not_found(bank_clerk, client_for):
    page = client_for(bank_clerk).post("/counter/", {"id_number": make_id_number(9)})
    assert page.status_code == 200
    assert "not_found" in page.content.decode()


@pytest.mark.parametrize("role", ["production_operator", "relying_party", "cardholder"])
def test_counter_page_is_refused_to_roles_without_counter_work(role, client_for):
    client = client_for(AccountFactory.of_role(role))
    assert client.get("/counter/").status_code == 403


def test_person_export_is_masked_and_spreadsheet_safe(city_officer, client_for):
    number = make_id_number(88)
    employer = EmployerFactory.create(name='=HYPERLINK("http://evil")')
    PersonFactory.create(id_number=number, employer=employer, name="@王五")
    response = client_for(city_officer).get("/persons/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    export = read_export(response)
    rows = [export.columns, *export.rows]
    assert rows[0][0] == "姓名"
    body = rows[1]
    assert body[0] == "'@**"  # the masked name of "@王五", defused
    assert body[1] == number[0] + "*" * 16 + number[-1]
    assert export.column("单位")[0].startswith("'=")  # the employer, defused
    assert "出生日期" not in rows[0]
    assert number[6:14] not in export.text()
    assert number not in export.text()


def test_person_export_follows_the_filters_and_the_scope(employer_hr, client_for):
    PersonFactory.create(employer=employer_hr.employer, category="retiree")
    PersonFactory.create(employer=employer_hr.employer, category="in_service_staff")
    PersonFactory.create(employer=EmployerFactory.create(), category="retiree")
    export = read_export(
        client_for(employer_hr).get("/persons/export.csv", {"category": "retiree"})
    )
    assert len(export.rows) == 1


def test_employer_pages_are_bounded_in_queries(
    city_officer, client_for, django_assert_max_num_queries
):
    employer = EmployerFactory.create()
    EmployerFactory.create_batch(30)
    PersonFactory.create_batch(30, employer=employer)
    client = client_for(city_officer)
    with django_assert_max_num_queries(8):
        assert client.get("/employers/").status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(f"/employers/{employer.pk}/").status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/persons/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/persons/")


def test_a_user_without_a_role_is_told_so(client, django_user_model):
    user = django_user_model.objects.create_user("norole", password="a-long-password-1")
    client.force_login(user)
    response = client.get("/persons/")
    assert response.status_code == 403
    assert "no_role" in response.content.decode()

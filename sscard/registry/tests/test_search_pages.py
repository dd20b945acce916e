"""The search forms of the persons, staff, employers and outlets pages and their API twins:
counts, pagination that keeps the filter, the ID number posted (never in a URL), scope, and
counter clerks kept to the counter lookup."""

from __future__ import annotations

import re

import pytest

from sscard.testing.factories import (
    CHAOYANG,
    XICHENG,
    AccountFactory,
    BankFactory,
    DivisionFactory,
    EmployerFactory,
    OutletFactory,
    PersonFactory,
    make_id_number,
)

pytestmark = pytest.mark.django_db


def _links(page: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]*)"', page)]


def test_the_persons_page_searches_counts_and_keeps_the_filter_in_its_page_links(
    city_officer, client_for
):
    # given thirty 刘s whose phones end in 4321, and others
    DivisionFactory.create()
    for i in range(30):
        PersonFactory.create(name=f"刘{i:02d}", phone=f"1380{i:03d}4321")
    PersonFactory.create(name="刘七", phone="13800001111")
    PersonFactory.create(name="陈一", phone="13800004321")
    client = client_for(city_officer)
    # when the officer searches by name and phone tail
    page = client.get("/persons/", {"name": "刘", "phone_tail": "4321"}).content.decode()
    # then the form is there, with the count and a page link that keeps both filters
    for field in ("name", "phone_tail", "employer", "category", "district", "status"):
        assert f'name="{field}"' in page
    assert "共 30 条记录" in page
    assert any(
        "name=%E5%88%98" in h and "phone_tail=4321" in h and "page=2" in h for h in _links(page)
    )
    # and the second page holds the last five, still filtered
    second = client.get("/persons/", {"name": "刘", "phone_tail": "4321", "page": 2})
    assert len(_rows(second.content.decode())) == 5


def _rows(page: str) -> list[str]:
    """The persons listed: their links to one person's page."""
    return re.findall(r'href="/persons/(\d+)/"', page)


def test_a_refused_filter_is_shown_and_the_others_still_apply(city_officer, client_for):
    kept = PersonFactory.create(name="吴一")
    PersonFactory.create(name="郑二")
    page = client_for(city_officer).get("/persons/", {"name": "吴", "phone_tail": "12"})
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="search-refused"' in text
    assert "请输入手机号码的后4位数字" in text
    assert f"/persons/{kept.pk}/" in text
    assert "共 1 条记录" in text


def test_the_full_id_number_is_posted_and_never_echoed_into_a_url(city_officer, client_for):
    number = make_id_number(61)
    wanted = PersonFactory.create(id_number=number)
    PersonFactory.create(id_number=make_id_number(62))
    client = client_for(city_officer)
    # the page offers the number's search as a POST form
    assert re.search(
        r'<form method="post"[^>]*id="id-search"', client.get("/persons/").content.decode()
    )
    response = client.post("/persons/", {"id_number": number})
    text = response.content.decode()
    assert response.status_code == 200
    assert f'href="/persons/{wanted.pk}/"' in text
    assert "共 1 条记录" in text
    assert not any(number in link or number.lower() in link for link in _links(text))
    assert number not in text  # masked in the row, and not echoed back
    # a wrong number is refused on its field, and no one is listed
    bad = client.post("/persons/", {"id_number": "110102195001010000"}).content.decode()
    assert "身份证件号码校验位不正确" in bad
    assert "没有符合条件的人员" in bad


def test_a_district_officer_cannot_find_another_districts_person_by_the_id_number(
    district_officer, client_for
):
    number = make_id_number(63, region=CHAOYANG)
    outside = PersonFactory.create(id_number=number, insured_region=CHAOYANG, hukou_region=CHAOYANG)
    text = client_for(district_officer).post("/persons/", {"id_number": number}).content.decode()
    assert f"/persons/{outside.pk}/" not in text
    assert "没有符合条件的人员" in text


@pytest.mark.parametrize("role", ["bank_clerk", "community_clerk"])
def test_a_counter_clerk_has_no_person_search_only_the_counter_lookup(role, client_for):
    clerk = client_for(AccountFactory.of_role(role))
    number = make_id_number(64)
    person = PersonFactory.create(id_number=number, name="冯九", phone="13800009999")
    # the list and its search are refused, by page and by API
    assert clerk.get("/persons/", {"name": "冯九"}).status_code == 403
    assert clerk.post("/persons/", {"id_number": number}).status_code == 403
    assert clerk.get("/api/v1/persons", {"phone_tail": "9999"}).status_code == 403
    api = clerk.post("/api/v1/persons/search", {"name": "冯九"}, content_type="application/json")
    assert api.status_code == 403
    # the counter lookup ignores a name or a phone: only the full number finds the holder
    by_name = clerk.post("/counter/", {"name": "冯九", "phone_tail": "9999"}).content.decode()
    assert f"/persons/{person.pk}/" not in by_name
    assert "冯九" not in by_name
    found = clerk.post("/counter/", {"id_number": number}).content.decode()
    assert "冯九" in found


def test_hr_searches_their_staff_page_and_the_export_keeps_the_filter(employer_hr, client_for):
    mine = PersonFactory.create(name="蒋一", employer=employer_hr.employer)
    PersonFactory.create(name="沈二", employer=employer_hr.employer)
    theirs = PersonFactory.create(name="蒋三", employer=EmployerFactory.create())
    client = client_for(employer_hr)
    url = f"/employers/{employer_hr.employer_id}/"
    page = client.get(url, {"name": "蒋"}).content.decode()
    assert f"/persons/{mine.pk}/" in page
    assert f"/persons/{theirs.pk}/" not in page
    assert "共 1 条记录" in page
    assert 'name="employer"' not in page  # HR's list is one employer's
    exports = [h for h in _links(page) if "/staff." in h]
    assert exports
    assert all("name=%E8%92%8B" in h for h in exports)
    csv = client.get(exports[-1])
    body = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert "蒋*" in body
    assert "沈*" not in body
    # and the API twin searches the same staff
    api = client.get(f"/api/v1/employers/{employer_hr.employer_id}/staff", {"name": "蒋"}).json()
    assert [p["id"] for p in api["items"]] == [mine.pk]


def test_the_employers_page_searches_by_name_and_credit_code(city_officer, client_for):
    acme = EmployerFactory.create(name="北京示例科技有限公司")
    for i in range(30):
        EmployerFactory.create(name=f"示例商贸{i:02d}")
    EmployerFactory.create(name="其他单位")
    client = client_for(city_officer)
    page = client.get("/employers/", {"name": "示例商贸"}).content.decode()
    assert 'name="credit_code"' in page
    assert "共 30 条记录" in page
    assert any("name=" in h and "page=2" in h for h in _links(page))
    by_code = client.get("/employers/", {"credit_code": acme.credit_code}).content.decode()
    assert "共 1 条记录" in by_code
    assert acme.name in by_code
    api = client.get("/api/v1/employers", {"name": "示例商贸"}).json()
    assert api["count"] == 30
    api = client.get("/api/v1/employers", {"credit_code": acme.credit_code}).json()
    assert [e["id"] for e in api["items"]] == [acme.pk]


def test_the_outlets_page_and_api_filter_by_bank_and_district(city_officer, client_for):
    DivisionFactory.create()
    DivisionFactory.create(code=CHAOYANG, name_zh="朝阳区", name_en="Chaoyang District")
    abc = BankFactory.create(
        code="ABC", name_zh="中国农业银行", name_en="Agricultural Bank of China"
    )
    wanted = OutletFactory.create(bank=abc, district=CHAOYANG, name="农行朝阳支行")
    OutletFactory.create(bank=abc, district=XICHENG, name="农行西城支行")
    OutletFactory.create(district=CHAOYANG, name="工行朝阳支行")
    client = client_for(city_officer)
    page = client.get("/outlets/", {"bank": "ABC", "district": CHAOYANG}).content.decode()
    assert 'name="bank"' in page
    assert "中国农业银行" in page
    assert "农行朝阳支行" in page
    assert "农行西城支行" not in page
    assert "工行朝阳支行" not in page
    assert "共 1 条记录" in page
    api = client.get("/api/v1/outlets", {"bank": "ABC", "district": CHAOYANG}).json()
    assert [o["id"] for o in api["items"]] == [wanted.pk]


def test_the_persons_api_searches_as_the_page_does(district_officer, client_for):
    number = make_id_number(65)
    wanted = PersonFactory.create(id_number=number, name="韩一", phone="13800006543")
    second = PersonFactory.create(name="韩二", phone="13800006544")
    outside_number = make_id_number(66, region=CHAOYANG)
    outside = PersonFactory.create(
        id_number=outside_number,
        name="韩一",
        phone="13900006543",
        insured_region=CHAOYANG,
        hukou_region=CHAOYANG,
    )
    client = client_for(district_officer)
    listed = client.get("/api/v1/persons", {"name": "韩一", "phone_tail": "6543"}).json()
    assert [p["id"] for p in listed["items"]] == [wanted.pk]
    assert listed["count"] == 1
    refused = client.get("/api/v1/persons", {"phone_tail": "65"})
    assert refused.status_code == 422
    assert refused.json()["code"] == "phone_tail_invalid"
    searched = client.post(
        "/api/v1/persons/search", {"id_number": number}, content_type="application/json"
    ).json()
    assert [p["id"] for p in searched["items"]] == [wanted.pk]
    # the Chaoyang person is outside the Xicheng officer's scope, by number or by status
    other = client.post(
        "/api/v1/persons/search", {"id_number": outside_number}, content_type="application/json"
    ).json()
    assert other["count"] == 0
    status = client.get("/api/v1/persons", {"status": "no_card"}).json()
    assert {p["id"] for p in status["items"]} == {wanted.pk, second.pk}
    assert outside.pk not in {p["id"] for p in status["items"]}

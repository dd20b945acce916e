"""The registry's lists as spreadsheets: persons (with the page's search), an employer's
staff and the employers, in XLSX and CSV, with their header rows, masked like the pages."""

from __future__ import annotations

import pytest

from sscard.applications.tests.support import in_force
from sscard.registry.models import Employer, Person
from sscard.testing.exports import assert_header_rows, read_export
from sscard.testing.factories import (
    CHAOYANG,
    XICHENG,
    DivisionFactory,
    EmployerFactory,
    PersonFactory,
    make_id_number,
)

pytestmark = pytest.mark.django_db
FORMATS = ["xlsx", "csv"]


@pytest.fixture
def districts() -> None:
    DivisionFactory.create()
    DivisionFactory.create(code=CHAOYANG, name_zh="朝阳区", name_en="Chaoyang District")


@pytest.mark.parametrize("fmt", FORMATS)
def test_persons_export_the_filtered_list_masked_with_its_header(
    fmt, districts, city_officer, client_for
):
    campaign = in_force("beijing-2024")
    number, phone = make_id_number(77), "13812345678"
    employer = EmployerFactory.create(name="北京测试有限公司")
    PersonFactory.create(
        id_number=number, phone=phone, category="retiree", employer=employer, name="欧阳娜娜"
    )
    PersonFactory.create(category="in_service_staff")
    query = {"category": "retiree", "district": XICHENG, "name": "欧阳娜娜"}
    response = client_for(city_officer).get(f"/persons/export.{fmt}", query)
    assert response.status_code == 200
    export = read_export(response)
    # the header rows: the filter in words (the choice's names; the typed name masked)
    assert_header_rows(
        export,
        title="人员",
        filters=["人员类别：退休人员", "区：西城区", "：欧阳**"],
        pack=campaign,
    )
    assert export.columns[:6] == [
        "姓名",
        "身份证件号码",
        "性别",
        "性别（代码）",
        "人员类别",
        "人员类别（代码）",
    ]
    # one data row, against the registry read independently
    expected = Person.objects.select_related("employer").get(category="retiree")
    (row,) = export.rows
    assert row[:6] == [
        expected.masked_name,
        expected.masked_id_number,
        expected.get_sex_display(),
        expected.sex,
        "退休人员",
        "retiree",
    ]
    assert export.column("单位") == ["北京测试有限公司"]
    assert export.column("统一社会信用代码") == [employer.credit_code]
    assert export.column("手机号码")[0].endswith("5678")
    # masked: no full name, number, birth date or phone anywhere in the file
    text = export.text()
    for secret in (number, number[6:14], phone, "欧阳娜娜"):
        assert secret not in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_employer_s_staff_export_is_hr_s_roster_of_its_people(fmt, employer_hr, client_for):
    mine = employer_hr.employer
    PersonFactory.create_batch(3, employer=mine)
    PersonFactory.create(employer=EmployerFactory.create())  # another unit's
    export = read_export(client_for(employer_hr).get(f"/employers/{mine.pk}/staff.{fmt}"))
    assert_header_rows(export, title=f"{mine.name}职工名单", filters=[mine.name, mine.credit_code])
    staff = Person.objects.filter(employer=mine).order_by("pk")
    assert export.column("身份证件号码") == [p.masked_id_number for p in staff]
    assert export.column("单位") == [mine.name] * 3


def test_another_unit_s_staff_cannot_be_exported(employer_hr, client_for):
    other = EmployerFactory.create()
    client = client_for(employer_hr)
    assert client.get(f"/employers/{other.pk}/staff.xlsx").status_code == 404
    assert client.get(f"/employers/{other.pk}/staff.pdf").status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_employers_export_names_districts_and_banks_beside_their_codes(
    fmt, districts, city_officer, client_for
):
    from sscard.testing.factories import BankFactory

    BankFactory.create(code="ICBC", name_zh="中国工商银行")
    BankFactory.create(code="CCB", name_zh="中国建设银行", name_en="China Construction Bank")
    EmployerFactory.create(name="甲公司", payroll_banks=["ICBC", "CCB"])
    EmployerFactory.create(name="乙公司", insured_district=CHAOYANG)
    export = read_export(
        client_for(city_officer).get(f"/employers/export.{fmt}", {"district": XICHENG})
    )
    assert_header_rows(export, title="单位", filters=["区：西城区"])
    expected = Employer.objects.get(name="甲公司")
    assert export.rows == [
        [
            "甲公司",
            expected.credit_code,
            "西城区",
            XICHENG,
            "中国工商银行、中国建设银行",
            "ICBC,CCB",
        ]
    ]


def test_the_export_links_carry_the_page_s_filter(city_officer, client_for):
    page = client_for(city_officer).get("/persons/", {"category": "retiree", "page": "1"})
    text = page.content.decode()
    assert 'href="/persons/export.xlsx?category=retiree"' in text
    assert 'href="/persons/export.csv?category=retiree"' in text

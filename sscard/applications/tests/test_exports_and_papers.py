"""The applications' spreadsheet and papers: the collective roster as XLSX/CSV, the collective
application form with its roster, and the acceptance receipt (受理回执) of an application."""

from __future__ import annotations

import pytest

from sscard.applications.models import Application, RosterEntry
from sscard.applications.rules import application_receipt_refusal
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    beijing_unit,
    branch,
    confirm_all,
    in_force,
    notified_collective,
)
from sscard.cards.tests.scenarios import beijing_pilot_unit
from sscard.delivery.tests.page_support import applicant, applied_at
from sscard.testing.exports import assert_header_rows, read_export
from sscard.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def roster():
    campaign = in_force("beijing-2024")
    employer, staff = beijing_unit(3)
    collective = notified_collective(employer)
    confirm_all(collective, staff[:1], BJ_PILOT_DAY)
    return campaign, employer, staff, collective


def test_the_roster_exports_with_its_status_filter(roster, client_for):
    campaign, employer, staff, collective = roster
    hr = client_for(AccountFactory.create(employer_hr=True, employer=employer))
    page = hr.get(f"/collective/?id={collective.pk}&status=invited", HTTP_HX_REQUEST="true")
    link = f"/collective/{collective.pk}/roster.xlsx?id={collective.pk}&amp;status=invited"
    assert link in page.content.decode()  # the export keeps the roster's filter
    for fmt in ("xlsx", "csv"):
        export = read_export(hr.get(f"/collective/{collective.pk}/roster.{fmt}?status=invited"))
        assert_header_rows(
            export,
            title=f"集体申领#{collective.pk}人员名单",
            filters=[f"#{collective.pk} {employer.name}", "状态：已通知，未确认"],
            pack=campaign,
        )
        invited = RosterEntry.objects.filter(collective=collective, status="invited")
        assert export.column("身份证件号码") == [
            e.person.masked_id_number for e in invited.order_by("pk")
        ]
        assert set(export.column("状态（代码）")) == {"invited"}
        for person in staff:
            assert person.name not in export.text()


def test_another_unit_s_roster_is_not_found(roster, client_for):
    _campaign, _employer, _staff, collective = roster
    other = client_for(AccountFactory.create(employer_hr=True))
    assert other.get(f"/collective/{collective.pk}/roster.xlsx").status_code == 404
    assert other.get(f"/collective/{collective.pk}/form/").status_code == 404


def test_the_collective_form_prints_the_unit_and_its_whole_roster(roster, client_for):
    campaign, employer, staff, collective = roster
    hr = client_for(AccountFactory.create(employer_hr=True, employer=employer))
    assert f"/collective/{collective.pk}/form/" in hr.get("/collective/").content.decode()
    page = hr.get(f"/collective/{collective.pk}/form/").content.decode()
    assert "单位集体申领表" in page
    assert employer.name in page
    assert employer.credit_code in page
    assert "data-total>3<" in page
    for person in staff:
        assert person.masked_id_number in page
        assert person.name not in page
    assert "单位盖章" in page
    assert campaign.pack_hash[:16] in page


def test_the_receipt_of_a_counter_application_for_the_clerk_and_the_holder(client_for):
    campaign = in_force("beijing-2024")
    outlet = branch("ICBC", name="工商银行朝阳支行")
    person, number = applicant(name="李明华")
    application = applied_at(outlet, person)
    url = f"/applications/{application.pk}/receipt/"
    clerk = client_for(AccountFactory.create(bank_clerk=True, outlet=outlet))
    page = clerk.get(url).content.decode()
    assert "受理回执" in page
    assert f"{application.pk:08d}" in page
    assert "李明华" in page  # the clerk serves the applicant: the name in full
    assert number not in page
    assert person.masked_id_number in page
    assert outlet.name in page
    assert application.applied_on.isoformat() in page
    assert (application.due_date.isoformat() if application.due_date else "—") in page
    assert "12333" in page  # the bureau's hotline, from the pack's contacts
    assert campaign.pack_hash[:16] in page
    # the holder, from "my applications"
    holder = client_for(AccountFactory.create(cardholder=True, person=person))
    assert url in holder.get("/applications/mine/").content.decode()
    assert "李明华" in holder.get(url).content.decode()
    # nobody else
    other_clerk = client_for(AccountFactory.create(bank_clerk=True, outlet=branch("ICBC")))
    assert other_clerk.get(url).status_code == 404
    assert client_for(AccountFactory.create(cardholder=True)).get(url).status_code == 404
    assert Application.objects.count() == 1


def test_the_receipt_speaks_english_on_an_english_page(client_for):
    in_force("beijing-2024")
    outlet = branch("ICBC")
    person, _number = applicant()
    application = applied_at(outlet, person)
    holder = client_for(AccountFactory.create(cardholder=True, person=person))
    holder.cookies["django_language"] = "en"
    page = holder.get(f"/applications/{application.pk}/receipt/").content.decode()
    assert "Acceptance receipt" in page
    assert "受理回执" not in page


def test_the_counter_s_result_offers_the_receipt(client_for):
    in_force("beijing-2024")
    outlet = branch("ICBC")
    person, number = applicant()
    clerk = client_for(AccountFactory.create(bank_clerk=True, outlet=outlet))
    answer = clerk.post(
        "/applications/counter/",
        {
            "id_number": number,
            "action": "first",
            "channel": "bank_outlet",
            "bank": "ICBC",
            "pickup": "branch",
            "photo_source": "id_card",
        },
        HTTP_HX_REQUEST="true",
    )
    application = Application.objects.get(person=person)
    assert f"/applications/{application.pk}/receipt/" in answer.content.decode()


def test_a_collective_application_offers_no_receipt_and_its_page_says_why(client_for):
    # given an employee whose application went in with their employer's collective one
    in_force("beijing-2024")
    unit = beijing_pilot_unit()
    application = unit.applications[0]
    holder = client_for(AccountFactory.create(cardholder=True, person=application.person))
    url = f"/applications/{application.pk}/receipt/"
    # then "my applications" offers no receipt (the same predicate as the page) ...
    assert application_receipt_refusal(application=application) is not None
    mine = holder.get("/applications/mine/").content.decode()
    assert f"#a{application.pk}" in mine or f'id="a{application.pk}"' in mine
    assert url not in mine
    # ... and the receipt page refuses, saying the collective form is its paper
    answer = holder.get(url)
    assert answer.status_code == 404
    page = answer.content.decode()
    assert 'data-code="receipt_not_offered"' in page
    assert "单位集体申领表" in page

"""Browser journeys of the applications: HR's four steps, a staff member confirming on a phone,
and a clerk taking an application at a bank outlet. Screenshots of each step are artefacts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from sscard.applications.models import Application, RosterEntry
from sscard.applications.services import roster_confirm
from sscard.applications.tests.support import branch, in_force, notified_collective
from sscard.core.actors import Actor, Role
from sscard.registry.models import Person
from sscard.testing.browser import screenshot, sign_in
from sscard.testing.factories import (
    CHAOYANG,
    AccountFactory,
    BankFactory,
    EmployerFactory,
    PersonFactory,
    make_id_number,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "journey-pass-2024"


def _account(username: str, **kwargs: Any) -> Any:
    account = AccountFactory.create(user__username=username, **kwargs)
    account.user.set_password(PASSWORD)
    account.user.save()
    return account


def _click(page: Page, name: str) -> None:
    page.get_by_role("button", name=name).click()
    page.wait_for_load_state("networkidle")


def test_hr_completes_the_four_steps_for_a_small_employer(browser_page: Page) -> None:
    page = browser_page
    in_force("beijing-2024")  # today: the city-wide phase, staff in batch (BJ-14)
    employer = EmployerFactory.create(name="西城测试科技有限公司")
    staff = [
        PersonFactory.create(employer=employer, address="北京市西城区测试街1号") for _ in range(3)
    ]
    branch("ICBC", name="工商银行西城支行")
    _account("hr-journey", employer_hr=True, employer=employer)

    sign_in(page, "hr-journey", PASSWORD)
    page.get_by_role("link", name="单位集体申领").first.click()
    page.wait_for_load_state("networkidle")
    screenshot(page, "collective-01-workspace")

    _click(page, "开通集体申领")
    expect(page.locator(".messages")).to_contain_text("集体申领已开通")
    screenshot(page, "collective-02-opened")

    page.select_option("select[name=pickup]", "branch")
    page.select_option("select[name=outlet]", label="工商银行西城支行")
    _click(page, "保存")
    expect(page.locator(".messages")).to_contain_text("领卡方式和开卡银行网点已保存")
    _click(page, "从参保职工中添加全部人员")
    expect(page.locator("#roster")).to_contain_text("3")
    screenshot(page, "collective-03-arranged-and-listed")

    _click(page, "通知职工")
    expect(page.locator(".messages")).to_contain_text("已通过短信通知职工")
    screenshot(page, "collective-04-notified")

    # two staff confirm on their own (the phone journey shows one doing it in the browser)
    collective = employer.collectives.get()
    for person in staff[:2]:
        entry = RosterEntry.objects.get(collective=collective, person=person)
        roster_confirm(
            actor=Actor(role=Role.CARDHOLDER, label="staff", person_id=person.pk),
            entry_id=entry.pk,
            day=collective.applied_on,
            phone="13800138000",
            photo_source="id_card",
        )
    page.reload()
    expect(page.locator("[data-confirmed]")).to_have_text("2")
    _click(page, "提交已确认的职工")
    expect(page.locator(".messages")).to_contain_text("已提交2名职工")
    screenshot(page, "collective-05-submitted")
    assert Application.objects.filter(collective=collective).count() == 2


def test_a_staff_member_confirms_on_a_phone(phone_page: Page) -> None:
    page = phone_page
    in_force("beijing-2024")
    employer = EmployerFactory.create()
    person = PersonFactory.create(employer=employer, address="北京市西城区测试街2号")
    from django.utils import timezone

    notified_collective(employer, day=timezone.localdate())
    _account("staff-journey", cardholder=True, person=person)

    sign_in(page, "staff-journey", PASSWORD)
    page.goto("/applications/mine/")
    screenshot(page, "confirm-01-invitation")
    page.get_by_role("link", name="立即确认").click()
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the confirmation page scrolls sideways on a phone ({width}px)"
    screenshot(page, "confirm-02-form")
    page.fill("input[name=phone]", "12345678901")
    _click(page, "确认")
    # the person reads why; the code stays out of sight, for scripts (issue 12)
    refusal = page.locator("[role=alert]")
    expect(refusal).to_have_attribute("data-code", "phone_invalid")
    expect(refusal).not_to_contain_text("phone_invalid")
    screenshot(page, "confirm-03-bad-phone")
    page.fill("input[name=phone]", "13912345678")
    page.select_option("select[name=photo_source]", "id_card")
    _click(page, "确认")
    expect(page.locator(".messages")).to_contain_text("您的制卡信息已确认")
    screenshot(page, "confirm-04-done")
    assert RosterEntry.objects.get(person=person).status == "confirmed"


def test_a_clerk_takes_an_application_at_a_bank_outlet(browser_page: Page) -> None:
    page = browser_page
    in_force("beijing-2024")
    BankFactory.create(code="ICBC")  # with its name: the decision names the bank
    outlet = branch("ICBC", name="工商银行朝阳支行")
    PersonFactory.create(
        id_number=make_id_number(901, region=CHAOYANG),
        insured_region=CHAOYANG,
        hukou_region=CHAOYANG,
        category="flexible_worker",
        address="北京市朝阳区测试路3号",
    )
    _account("clerk-journey", bank_clerk=True, outlet=outlet)

    sign_in(page, "clerk-journey", PASSWORD)
    page.get_by_role("link", name="受理申领").first.click()
    page.wait_for_load_state("networkidle")
    screenshot(page, "counter-01-form")
    page.fill("input[name=id_number]", make_id_number(901, region=CHAOYANG))
    page.select_option("select[name=action]", "first")
    page.select_option("select[name=channel]", "bank_outlet")
    page.select_option("select[name=photo_source]", "id_card")
    screenshot(page, "counter-02-filled")
    _click(page, "受理申请")
    decision = page.locator("#decision-allowed")
    expect(decision).to_have_attribute("data-clause", re.compile(r"\bBJ-10\b"))
    expect(decision).to_contain_text("中国工商银行")  # the bank by name, not ICBC
    expect(decision).not_to_contain_text("BJ-10")
    screenshot(page, "counter-03-decision")
    person = Person.objects.get(insured_region=CHAOYANG)
    assert Application.objects.get(person=person).outlet == outlet

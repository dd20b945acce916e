"""Browser journey of finding people fast (issue 12, point 4): an officer's search redraws the
results in place (htmx) and keeps the filter in the address, and HR's outlet picker follows the
bank chosen. One set-up, one browser page, two sign-ins."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from sscard.applications.tests.support import branch, in_force
from sscard.testing.browser import screenshot, sign_in
from sscard.testing.factories import (
    CHAOYANG,
    XICHENG,
    AccountFactory,
    DivisionFactory,
    EmployerFactory,
    PersonFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "journey-pass-2024"


def _account(username: str, **kwargs: object) -> None:
    account = AccountFactory.create(user__username=username, **kwargs)
    account.user.set_password(PASSWORD)
    account.user.save()


def test_search_in_place_and_an_outlet_picker_that_follows_the_bank(browser_page: Page) -> None:
    page = browser_page
    # given persons, an employer in Xicheng and branches of two banks in two districts
    in_force("beijing-2024")
    DivisionFactory.create()
    employer = EmployerFactory.create(name="西城检索测试有限公司")
    for i in range(3):
        PersonFactory.create(name=f"欧阳{i}", phone=f"1380000{i}246", employer=employer)
    PersonFactory.create(name="司马一", phone="13800001357")
    branch("ICBC", district=XICHENG, name="工行西城支行")
    branch("ABC", district=XICHENG, name="农行西城支行")
    branch("ABC", district=CHAOYANG, name="农行朝阳支行")
    _account("search-officer")
    _account("search-hr", employer_hr=True, employer=employer)

    # the officer types a name's beginning and a phone tail: the results redraw in place
    sign_in(page, "search-officer", PASSWORD)
    page.goto("/persons/")
    page.fill("input[name=name]", "欧阳")
    page.fill("input[name=phone_tail]", "0246")
    page.press("input[name=phone_tail]", "Enter")
    expect(page.locator("#results .pagination")).to_contain_text("共 1 条记录")
    expect(page).to_have_url(re.compile(r"name=%E6%AC%A7%E9%98%B3.*phone_tail=0246"))
    expect(page.locator("#results tbody tr")).to_have_count(1)
    screenshot(page, "search-01-persons")

    # HR chooses a bank: the outlet picker offers that bank's branches of the unit's district
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_load_state("networkidle")
    sign_in(page, "search-hr", PASSWORD)
    page.goto("/collective/")
    page.get_by_role("button", name="开通集体申领").click()
    page.wait_for_load_state("networkidle")
    outlets = page.locator("select[name=outlet] option")
    expect(outlets).to_have_count(3)
    assert sorted(outlets.all_inner_texts()) == sorted(
        ["无（邮寄领卡）", "工行西城支行", "农行西城支行"]
    )
    page.select_option("select[name=bank]", "ABC")
    expect(outlets).to_have_text(["无（邮寄领卡）", "农行西城支行"])  # htmx redrew them
    screenshot(page, "search-02-outlet-picker")

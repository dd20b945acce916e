"""Browser journey of a card's life, across four roles: the production operator forms a
batch, personalises it and downloads the card-factory file; the factory's result comes back
and the cards are dispatched; a bank clerk receives them, hands one over against the holder's
ID number, enables it and activates its financial function; the holder, on a phone, reports it
lost online and withdraws the report; an officer reads the overdue cards. Screenshots of each
step are artefacts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from sscard.applications.tests.support import branch, in_force
from sscard.cards.models import Card
from sscard.delivery.tests.page_support import applicant, applied_at, overdue_unit
from sscard.production.services.factory import factory_key
from sscard.testing.browser import screenshot, sign_in
from sscard.testing.card_factory import factory_read, factory_result
from sscard.testing.card_life import root
from sscard.testing.factories import CHAOYANG, AccountFactory, DivisionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "journey-pass-2024"


def _account(username: str, **kwargs: Any) -> Any:
    account = AccountFactory.create(user__username=username, **kwargs)
    account.user.set_password(PASSWORD)
    account.user.save()
    return account


def _click(page: Page, name: str) -> None:
    page.get_by_role("button", name=name).first.click()
    page.wait_for_load_state("networkidle")


def _nav(page: Page, name: str) -> None:
    page.get_by_role("link", name=name).first.click()
    page.wait_for_load_state("networkidle")


def _sign_out(page: Page) -> None:
    _click(page, "退出登录")


def _no_sideways_scroll(page: Page, width: int) -> None:
    scrolled = page.evaluate("document.documentElement.scrollWidth")
    assert scrolled <= width, f"the page scrolls sideways ({scrolled}px > {width}px)"


def test_a_card_from_the_batch_to_the_holders_hands(
    browser_page: Page, phone_page: Page, settings: Any, tmp_path: Path
) -> None:
    settings.SSCARD_FACTORY_DIR = tmp_path / "factory"
    in_force("beijing-2024")
    DivisionFactory.create()
    DivisionFactory.create(code=CHAOYANG, name_zh="朝阳区", name_en="Chaoyang District")
    outlet = branch("ICBC", name="工商银行朝阳支行")
    holder, id_number = applicant(name="李明华")
    applied_at(outlet, holder)
    for _ in range(2):  # two neighbours applied at the same outlet the same day
        applied_at(outlet, applicant()[0])
    _account("operator-journey", production_operator=True)
    _account("clerk-journey", bank_clerk=True, outlet=outlet)
    _account("holder-journey", cardholder=True, person=holder)
    _account("officer-journey")
    page = browser_page

    # --- the production operator ------------------------------------------------------------
    sign_in(page, "operator-journey", PASSWORD)
    _nav(page, "制卡批次")
    expect(page.locator("body")).to_contain_text("3份已提交申领等待组批")
    screenshot(page, "card-life-01-operator-no-batches")
    _click(page, "组批")
    expect(page.locator(".messages")).to_contain_text("已组成1个批次，共3张卡")
    screenshot(page, "card-life-02-operator-batch-formed")
    _click(page, "开始个人化")
    # the embedded set-up personalises in-process: the progress has reached 100 %
    expect(page.locator("[data-percent]")).to_have_text("100%")
    screenshot(page, "card-life-03-operator-personalised")
    _click(page, "写出制卡文件")
    expect(page.locator(".messages")).to_contain_text("制卡文件batch-")
    with page.expect_download() as sealed_download:
        page.get_by_role("link", name="制卡文件").last.click()
    with page.expect_download() as manifest_download:
        page.get_by_role("link", name="清单").last.click()
    sealed = tmp_path / "download.sm4"
    manifest = tmp_path / "download.manifest.json"
    sealed_download.value.save_as(sealed)
    manifest_download.value.save_as(manifest)
    screenshot(page, "card-life-04-operator-file-written")

    # the card factory reads the downloaded file and makes every card but one
    intake = factory_read(data=sealed, manifest=manifest, key=factory_key(), trusted_root=root())
    spoiled = next(c["card_number"] for c in intake.cards if c["name"] != "李明华")
    result = tmp_path / "result.csv"
    result.write_bytes(factory_result(intake, defective=[spoiled]))
    page.set_input_files("input[name=file]", str(result))
    _click(page, "导入结果")
    # a defective card is cancelled and remade: the operator confirms it first
    expect(page.locator("[data-confirm]")).to_contain_text("2张卡已制成、1张废卡")
    _click(page, "确定导入并重新制作废卡")
    expect(page.locator(".messages")).to_contain_text("2张已制成，1张废卡")
    expect(page.locator("body")).to_contain_text(spoiled)
    screenshot(page, "card-life-05-operator-result-with-defect")
    _click(page, "发出2张卡")
    expect(page.locator(".messages")).to_contain_text("已发出2张卡")
    _nav(page, "制卡批次")
    screenshot(page, "card-life-06-operator-batches")
    _sign_out(page)

    # --- the bank clerk ---------------------------------------------------------------------
    sign_in(page, "clerk-journey", PASSWORD)
    _nav(page, "柜台发卡")
    expect(page.locator("[data-in-transit]")).to_have_text("2")
    screenshot(page, "card-life-07-clerk-stock-on-its-way")
    _click(page, "接收全部在途卡片")
    expect(page.locator(".messages")).to_contain_text("2张卡已入库")
    expect(page.locator("[data-at-outlet]")).to_have_text("2")
    page.fill("input[name=id_number]", id_number)
    _click(page, "查询持卡人的社保卡")
    card = Card.objects.get(person=holder)
    row = page.locator(f"#card-{card.pk}")
    expect(row).to_contain_text(card.card_number)
    screenshot(page, "card-life-08-clerk-serves-the-holder")
    row.get_by_role("button", name="交付").click()
    expect(page.locator(f"#card-{card.pk}")).to_contain_text("社保卡已交付持卡人")
    page.locator(f"#card-{card.pk}").get_by_role("button", name="启用社保功能").click()
    expect(page.locator(f"#card-{card.pk}")).to_contain_text("社保功能已启用")
    page.locator(f"#card-{card.pk}").get_by_role("button", name="激活金融功能").click()
    expect(page.locator(f"#card-{card.pk}")).to_contain_text("金融功能已激活")
    # a loss report at the counter is asked again in the row; "Cancel" leaves the card alone
    page.locator(f"#card-{card.pk}").get_by_role("button", name="临时挂失").click()
    expect(page.locator(f"#card-{card.pk} [data-confirm]")).to_contain_text("临时挂失吗")
    page.locator(f"#card-{card.pk}").get_by_role("button", name="取消").click()
    expect(page.locator(f"#card-{card.pk} [data-confirm]")).to_have_count(0)
    expect(page.locator(f"#card-{card.pk}").get_by_role("button", name="临时挂失")).to_be_visible()
    screenshot(page, "card-life-09-clerk-handed-over-enabled-activated")
    page.locator(f"#card-{card.pk} summary", has_text="补换").click()
    expect(page.locator(f"#card-{card.pk}")).to_contain_text("受理补换")
    screenshot(page, "card-life-10-clerk-replacement-form")
    card.refresh_from_db()
    assert (card.stage, card.ss_function, card.financial_function) == (
        "handed_over",
        "enabled",
        "activated",
    )
    _sign_out(page)

    # --- the holder, on a phone -------------------------------------------------------------
    phone = phone_page
    sign_in(phone, "holder-journey", PASSWORD)
    phone.goto("/me/cards/")
    expect(phone.locator(f"#card-{card.pk}")).to_contain_text(card.card_number)
    _no_sideways_scroll(phone, 390)
    screenshot(phone, "card-life-11-holder-cards")
    phone.locator(f"#card-{card.pk}").get_by_role("button", name="挂失").click()
    # a loss report is asked again first, in the card itself (no script needed)
    expect(phone.locator(f"#card-{card.pk} [data-confirm]")).to_contain_text("确定挂失社保卡")
    screenshot(phone, "card-life-11b-holder-asked-to-confirm")
    card.refresh_from_db()
    assert card.block == "none"
    phone.locator(f"#card-{card.pk}").get_by_role("button", name="确定挂失").click()
    expect(phone.locator(f"#card-{card.pk}")).to_contain_text("临时挂失")
    _no_sideways_scroll(phone, 390)
    screenshot(phone, "card-life-12-holder-reported-lost")
    card.refresh_from_db()
    assert card.block == "temporary"
    phone.locator(f"#card-{card.pk}").get_by_role("button", name="卡已找到，撤销挂失").click()
    phone.locator(f"#card-{card.pk}").get_by_role("button", name="确定撤销挂失").click()
    expect(phone.locator(f"#card-{card.pk}")).to_contain_text("挂失已撤销")
    screenshot(phone, "card-life-13-holder-withdrew")
    card.refresh_from_db()
    assert card.block == "none"

    # --- the officer ------------------------------------------------------------------------
    overdue_unit(3, bank_code="ICBC", name="工商银行西城支行")
    overdue_unit(1, bank_code="CCB", name="建设银行西城支行")
    sign_in(page, "officer-journey", PASSWORD)
    _nav(page, "超期卡片与积压")
    expect(page.locator("[data-overdue]")).to_have_text("4")
    screenshot(page, "card-life-14-officer-overdue")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_contain_text("Overdue cards and backlog")
    screenshot(page, "card-life-15-officer-overdue-en")

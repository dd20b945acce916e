"""SH-17: hotlines 962222, 12333, 962218 and each bank's; the sites and apps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils.html import escape

from sscard.applications.tests.support import in_force
from sscard.campaigns.selectors import pack_decided_under, template_text
from sscard.core.exports import PackStamp
from sscard.core.prints import pack_lines
from sscard.policy import PackError, builtin_pack, load_pack
from sscard.policy.schema import directory_values

PACK = builtin_pack("shanghai-2019")


def test_sh_17_the_three_hotlines_and_what_each_is_for() -> None:
    hotlines = {c.phone: c for c in PACK.contacts if c.kind == "hotline"}
    assert set(hotlines) == {"962222", "12333", "962218"}
    assert "补换" in hotlines["962222"].what_zh
    assert "社会保障" in hotlines["12333"].what_zh
    assert "医疗保障" in hotlines["962218"].what_zh
    assert all(c.what_en and c.name_en for c in hotlines.values())


def test_sh_17_each_banks_own_hotline_for_the_financial_function() -> None:
    [banks] = [c for c in PACK.contacts if c.kind == "bank_hotlines"]
    assert banks.what_zh == "金融功能"
    assert all(bank.hotline for bank in PACK.banks)


def test_sh_17_the_sites_and_apps() -> None:
    sites = {c.url for c in PACK.contacts if c.kind == "website"}
    assert sites == {"www.962222.net", "www.12333sh.gov.cn", "www.shyb.gov.cn"}
    kinds = {c.kind for c in PACK.contacts}
    assert {"app", "wechat"} <= kinds


def test_sh_17_every_entry_cites_the_clause() -> None:
    assert all(c.clause == "SH-17" for c in PACK.contacts)


# -- the directory where people read it: the help page, its API, the texts -------------------

HOTLINES = ("962222", "12333", "962218")
SSCARD = Path(__file__).resolve().parents[2] / "sscard"


def _help(language: str) -> str:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get("/help/")
    assert page.status_code == 200
    return page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_sh_17_the_help_page_shows_the_whole_directory_of_the_pack_in_force(
    language: str,
) -> None:
    # without a pack in force the page names no number of its own
    page = _help(language)
    assert not any(number in page for number in HOTLINES)
    # with Shanghai's pack in force, signed out, every entry is there in the page's language
    in_force("shanghai-2019")
    page = _help(language)
    english = language == "en"
    for contact in PACK.contacts:
        assert escape(contact.name_en if english else contact.name_zh) in page
        assert escape(contact.what_en if english else contact.what_zh) in page
        if contact.phone:
            assert f'href="tel:{contact.phone}"' in page
        if contact.url:
            assert contact.url in page
    # and each service bank's own line, by the bank's name, never its code
    for bank in PACK.banks:
        assert f"{escape(bank.name_en if english else bank.name_zh)} " in page
        assert f'href="tel:{bank.hotline}"' in page
    assert "BOSC" not in page
    # the footer of every page leads there
    home = Client().get("/").content.decode()
    assert 'href="/help/"' in home


@pytest.mark.django_db
def test_sh_17_the_api_answers_the_same_directory_to_anyone() -> None:
    in_force("shanghai-2019")
    answer = Client().get("/api/v1/contacts")
    assert answer.status_code == 200
    [directory] = answer.json()
    assert directory["pack_id"] == "shanghai-2019"
    assert directory["contacts"] == [
        {
            "kind": c.kind,
            "name_zh": c.name_zh,
            "name_en": c.name_en,
            "phone": c.phone,
            "url": c.url,
            "what_zh": c.what_zh,
            "what_en": c.what_en,
        }
        for c in PACK.contacts
    ]
    assert directory["bank_lines"] == [
        {"name_zh": b.name_zh, "name_en": b.name_en, "hotline": b.hotline} for b in PACK.banks
    ]


def test_sh_17_no_template_of_the_platform_writes_a_number_of_the_directory() -> None:
    numbers = {c.phone for p in ("shanghai-2019", "beijing-2024") for c in builtin_pack(p).contacts}
    numbers |= {b.hotline for b in PACK.banks}
    numbers.discard(None)
    found = [
        (path.relative_to(SSCARD), number)
        for path in SSCARD.rglob("templates/**/*")
        if path.is_file() and path.suffix in (".html", ".txt")
        for number in numbers
        if number and number in path.read_text(encoding="utf-8")
    ]
    assert found == []


def test_sh_17_the_packs_texts_take_the_hotline_from_the_directory() -> None:
    # no text of a pack writes a number out: it names {hotline}, filled from the directory
    for pack_id in ("shanghai-2019", "beijing-2024"):
        pack = builtin_pack(pack_id)
        for template in pack.templates.values():
            assert not any(
                c.phone and c.phone in template.text_zh + template.text_en for c in pack.contacts
            )
    assert {"loss_reported", "undeliverable"} <= {
        key for key, t in PACK.templates.items() if "hotline" in t.placeholders
    }
    assert directory_values(PACK) == {"hotline": "962222"}
    text = template_text(PACK, "loss_reported")
    assert text is not None
    assert text.endswith("咨询请拨打962222。")
    # a pack that writes the number out is refused, and so is {hotline} without a hotline
    source = (SSCARD / "policy" / "packs" / "shanghai-2019.yaml").read_text(encoding="utf-8")
    with pytest.raises(PackError) as literal:
        load_pack(source.replace("咨询请拨打{hotline}", "咨询请拨打962222", 1))
    assert literal.value.code == "pack_template_invalid"
    no_hotline = source.replace("  - kind: hotline\n", "  - kind: app\n").replace(
        '    phone: "', '    # phone: "'
    )
    with pytest.raises(PackError) as missing:
        load_pack(no_hotline)
    assert missing.value.code == "pack_template_invalid"


@pytest.mark.django_db
def test_sh_17_a_printed_receipt_names_the_hotlines_of_its_pack() -> None:
    stamp, pack = _stamp()
    lines = pack_lines([stamp])
    assert [h["phone"] for h in lines[0]["hotlines"]] == list(HOTLINES)
    assert pack.id == "shanghai-2019"


def _stamp() -> tuple[PackStamp, Any]:
    campaign = in_force("shanghai-2019")
    found = pack_decided_under(campaign.pack_hash)
    assert found is not None
    return found

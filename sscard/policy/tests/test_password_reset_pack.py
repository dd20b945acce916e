"""The packs' password reset section (issue 15 point 7): typed, sourced, its template checked
against BJ-13 like every text, and its references (template, hotline) held to the pack."""

from __future__ import annotations

from typing import Any

import pytest

from sscard.kernel import messages
from sscard.policy import PackError, builtin_pack, load_pack
from sscard.policy.tests.packs import dump, pack_data

PACKS = ["beijing-2024", "shanghai-2019"]


def refused(data: dict[str, Any]) -> PackError:
    with pytest.raises(PackError) as caught:
        load_pack(dump(data))
    return caught.value


@pytest.mark.parametrize("pack_id", PACKS)
def test_each_built_in_pack_says_where_when_and_for_whom(pack_id):
    terms = builtin_pack(pack_id).password_reset
    assert terms is not None
    # the notices say nothing of resets: the pack says so, and why it chose what it did
    assert terms.chosen is not None
    assert terms.clause is not None
    assert terms.proxy is False
    assert terms.guardian_for_minor is True
    assert terms.card_statuses == ("valid",)
    assert terms.minor_under_age == 18


def test_beijing_resets_at_bank_outlets_shanghai_at_centres_too():
    beijing = builtin_pack("beijing-2024").password_reset
    shanghai = builtin_pack("shanghai-2019").password_reset
    assert beijing is not None
    assert shanghai is not None
    # BJ-09, BJ-11: the partner bank outlets serve the card; SH-03, SH-06: the centres too
    assert beijing.outlet_kinds == ("bank_branch",)
    assert shanghai.outlet_kinds == ("bank_branch", "community_centre")


@pytest.mark.parametrize("pack_id", PACKS)
def test_the_text_names_no_secret_and_passes_the_anti_fraud_check(pack_id):
    pack = builtin_pack(pack_id)
    assert pack.password_reset is not None
    template = pack.templates[pack.password_reset.template]
    assert template.placeholders == {"outlet", "time", "hotline"}
    filled = template.text_zh.format(
        outlet="工商银行朝阳支行", time="2026-12-03 10:30", hotline="12333"
    )
    assert messages.check(filled).ok
    # the hotline comes from the directory, never written out in the text
    assert "12333" not in template.text_zh
    assert pack.password_reset.hotline in {c.phone for c in pack.contacts if c.kind == "hotline"}


def test_a_reset_text_asking_for_the_password_is_refused():
    data = pack_data("beijing-2024")
    data["templates"]["password_reset"]["text_zh"] = (
        "您的密码已重置，请回复原密码确认。拨打{hotline}。"
    )
    error = refused(data)
    assert (error.code, error.path) == ("pack_template_refused", "templates.password_reset.text_zh")


def test_the_reset_must_name_a_template_of_the_pack():
    data = pack_data("beijing-2024")
    data["password_reset"]["template"] = "no_such_text"
    error = refused(data)
    assert (error.code, error.path) == ("pack_template_unknown", "password_reset.template")


def test_the_reset_hotline_must_be_in_the_directory():
    data = pack_data("shanghai-2019")
    data["password_reset"]["hotline"] = "95588"
    error = refused(data)
    assert (error.code, error.path) == ("pack_contact_unknown", "password_reset.hotline")


@pytest.mark.parametrize(
    ("key", "value", "code", "path"),
    [
        ("outlet_kinds", ["bank_counter"], "pack_schema_invalid", "outlet_kinds[0]"),
        ("card_statuses", ["cancelled"], "pack_schema_invalid", "card_statuses[0]"),
        ("outlet_kinds", [], "pack_schema_invalid", "outlet_kinds"),
        ("proxy", "maybe", "pack_schema_invalid", "proxy"),
        ("pin", "1234", "pack_unknown_key", "pin"),
    ],
)
def test_the_section_is_typed(key, value, code, path):
    data = pack_data("beijing-2024")
    data["password_reset"][key] = value
    error = refused(data)
    assert (error.code, error.path) == (code, f"password_reset.{path}")


def test_a_reset_without_a_source_is_refused():
    data = pack_data("shanghai-2019")
    del data["password_reset"]["clause"]
    del data["password_reset"]["chosen"]
    error = refused(data)
    assert (error.code, error.path) == ("pack_source_missing", "password_reset")

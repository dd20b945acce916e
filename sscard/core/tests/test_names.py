"""The one place that names codes (issue 12, point 1): every kind, both languages, the
template filters, and what an unknown code falls back to."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from sscard.core.names import Kind, name_of, names_joined, names_of
from sscard.testing.factories import BankFactory, DivisionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "code", "zh", "en"),
    [
        (Kind.PICKUP, "branch", "合作银行服务网点领卡", "Collect at the partner bank branch"),
        (Kind.CHANNEL, "online", "网上自助办理", "Online self-service"),
        (Kind.ACTION, "first", "首次申领", "First application"),
        (Kind.CATEGORY, "retiree", "退休人员", "Retiree"),
        (Kind.SEX, "F", "女", "Female"),
        (Kind.SMS_TEMPLATE, "confirm_request", "确认制卡信息提醒", "Request to confirm card data"),
        # a region outside the city: the national table's full name, Chinese in English too
        (Kind.REGION, "371327", "山东省临沂市莒南县", "山东省临沂市莒南县"),
    ],
)
def test_each_kind_is_named_in_both_languages(kind: Kind, code: str, zh: str, en: str) -> None:
    assert name_of(kind, code, english=False) == zh
    assert name_of(kind, code, english=True) == en


def test_banks_and_the_citys_districts_are_named_from_their_tables() -> None:
    BankFactory.create(code="CMB", name_zh="招商银行", name_en="China Merchants Bank")
    DivisionFactory.create(code="110105", name_zh="朝阳区", name_en="Chaoyang District")

    assert names_of(Kind.BANK, ["CMB", ""], english=False) == {"CMB": "招商银行"}
    assert name_of(Kind.BANK, "CMB", english=True) == "China Merchants Bank"
    assert name_of(Kind.REGION, "110105", english=True) == "Chaoyang District"


def test_the_active_language_decides_when_none_is_given() -> None:
    with translation.override("en"):
        assert name_of(Kind.SEX, "M") == "Male"
        assert names_joined(Kind.CATEGORY, ["pupil", "retiree"]) == "Pupil, Retiree"
    with translation.override("zh-hans"):
        assert name_of(Kind.SEX, "M") == "男"
        assert names_joined(Kind.CATEGORY, ["pupil", "retiree"]) == "中小学生、退休人员"


def test_a_code_no_table_knows_is_shown_as_it_is_and_nothing_for_none() -> None:
    assert name_of(Kind.BANK, "NOSUCH") == "NOSUCH"
    assert name_of(Kind.REGION, "999999") == "999999"
    assert name_of(Kind.BANK, "") == ""
    assert name_of(Kind.BANK, None) == ""


def test_the_template_filters_name_codes_in_the_pages_language() -> None:
    BankFactory.create(code="CCB", name_zh="中国建设银行", name_en="China Construction Bank")
    BankFactory.create(code="ABC", name_zh="中国农业银行", name_en="Agricultural Bank of China")
    template = Template(
        '{% load sscard_tags %}{{ pickup|name_of:"pickup" }}|{{ banks|names_of:"bank" }}|'
        "{{ banks|names_in:known }}"
    )
    context = {"pickup": "post", "banks": ["CCB", "ABC"], "known": {"CCB": "建行"}}
    with translation.override("zh-hans"):
        assert template.render(Context(context)) == "邮寄领卡|中国建设银行、中国农业银行|建行、ABC"
    with translation.override("en"):
        assert template.render(Context(context)) == (
            "By post|China Construction Bank, Agricultural Bank of China|建行, ABC"
        )


def test_an_sms_names_a_bank_its_pack_does_not_list_from_the_table_in_chinese() -> None:
    from sscard.campaigns.selectors import bank_name
    from sscard.policy import builtin_pack

    BankFactory.create(code="CGB", name_zh="广发银行", name_en="China Guangfa Bank")
    pack = builtin_pack("beijing-2024")

    assert bank_name(pack, "ICBC") == "中国工商银行"  # as the pack lists it
    with translation.override("en"):  # an SMS is Chinese whatever page sent it
        assert bank_name(pack, "CGB") == "广发银行"

"""message_render: a pack's template filled with plain values, and checked (BJ-13)."""

from __future__ import annotations

import pytest

from sscard.core.errors import ApplicationError
from sscard.notifications.services import message_render

READY = "您的社会保障卡已制作完成，请携带本人有效身份证件到{outlet}领取。"


def test_a_template_is_filled_with_its_values():
    text = message_render(READY, outlet="工商银行西城支行")
    assert text == "您的社会保障卡已制作完成，请携带本人有效身份证件到工商银行西城支行领取。"


def test_values_that_are_not_text_are_written_out():
    assert message_render("请于{day}前到{n}号窗口办理。", day="2024-02-01", n=3) == (
        "请于2024-02-01前到3号窗口办理。"
    )


def test_a_missing_value_is_refused_with_its_name():
    with pytest.raises(ApplicationError) as refused:
        message_render(READY)
    assert refused.value.code == "template_value_missing"
    assert refused.value.details == {"key": "outlet"}


@pytest.mark.parametrize(
    "template",
    ["{outlet.__class__}", "{outlet[0]}", "{outlet!r}", "{outlet:>999999}", "{}", "{0}", "{outlet"],
)
def test_a_placeholder_that_is_not_a_plain_name_is_refused(template):
    with pytest.raises(ApplicationError) as refused:
        message_render(template, outlet="x")
    assert refused.value.code == "template_invalid"


@pytest.mark.parametrize("outlet", ["www.fake-sb.com", "sb-card点cn网点", "192.168.1.20"])
def test_a_value_that_smuggles_in_a_link_is_refused(outlet):
    with pytest.raises(ApplicationError) as refused:
        message_render(READY, outlet=outlet)
    assert refused.value.code == "message_contains_link"


def test_a_template_that_asks_for_a_password_is_refused():
    with pytest.raises(ApplicationError) as refused:
        message_render("请到{outlet}并输入银行卡密码激活。", outlet="工商银行西城支行")
    assert refused.value.code == "message_requests_secret"


def test_doubled_braces_are_literal_braces():
    assert message_render("编号{{A}}：{n}", n=1) == "编号{A}：1"

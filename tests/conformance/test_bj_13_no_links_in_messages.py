"""BJ-13: the bureau and the banks never send SMS with links, nor ask for account numbers or
passwords. Every template of a pack is checked at load."""

from __future__ import annotations

import copy

import pytest

from sscard.kernel import messages
from sscard.policy import PackError, builtin_pack, load_pack
from sscard.policy.tests.packs import dump, pack_data

PACKS = [builtin_pack("beijing-2024"), builtin_pack("shanghai-2019")]


def test_bj_13_every_message_of_the_builtin_packs_passes_the_check() -> None:
    for pack in PACKS:
        texts = [t.text_zh for t in pack.templates.values()]
        texts += [t.text_en for t in pack.templates.values()]
        texts += [r.message_zh or "" for p in pack.phases for r in p.rules]
        texts += [r.message_en or "" for p in pack.phases for r in p.rules]
        for text in texts:
            assert messages.check(text).ok, text


@pytest.mark.parametrize(
    "bait",
    [
        "https://rsj.beijing.gov.cn/card",
        "http:/ /abc.cn",
        "www.bjrsj-card.com",
        "bjrsj.top",
        "rsj 。beijing 。gov 。cn",
        "bjrsj点com",
        "bjrsj[.]com",
        "bjrsj(dot)com",
        "t.cn/A6x",
        "192.168.1.10",
        "ｂｊｒｓｊ．ｃｏｍ",
        "bjrsj\u200b.com",
        "社保卡.中国",
        "xn--fiq228c.com",
    ],
)
def test_bj_13_a_pack_whose_template_holds_a_link_is_refused(bait: str) -> None:
    # given the card-ready SMS with a link in some disguise
    data = copy.deepcopy(pack_data("beijing-2024"))
    data["templates"]["card_ready"]["text_zh"] = f"您的社会保障卡已制作完成，请访问{bait}预约领取。"
    # when the pack is loaded, then it is refused, naming the template
    with pytest.raises(PackError) as info:
        load_pack(dump(data))
    assert info.value.code == "pack_template_refused"
    assert info.value.path == "templates.card_ready.text_zh"


def test_bj_13_a_link_split_around_a_placeholder_is_found() -> None:
    data = copy.deepcopy(pack_data("beijing-2024"))
    data["templates"]["card_ready"]["text_en"] = "Your card is ready: see {outlet}.com"
    data["templates"]["card_ready"]["text_zh"] = "您的卡已制作完成：{outlet}"
    with pytest.raises(PackError) as info:
        load_pack(dump(data))
    assert info.value.code == "pack_template_refused"


@pytest.mark.parametrize(
    "text",
    [
        "请回复您的银行卡号和支付密码以激活金融功能。",
        "Reply with your bank account number to activate.",
    ],
)
def test_bj_13_a_template_asking_for_account_or_password_is_refused(text: str) -> None:
    data = copy.deepcopy(pack_data("beijing-2024"))
    data["templates"]["replacement_ready"]["text_zh"] = text
    data["templates"]["replacement_ready"]["text_en"] = text
    with pytest.raises(PackError) as info:
        load_pack(dump(data))
    assert info.value.code == "pack_template_refused"
    assert info.value.details["rule"].startswith("asks_")


def test_bj_13_a_warning_against_fraud_is_not_a_request() -> None:
    data = copy.deepcopy(pack_data("beijing-2024"))
    data["templates"]["replacement_ready"]["text_zh"] = (
        "您补换的社会保障卡已制作完成，请到{outlet}领取。我们不会索要您的密码，请勿向任何人提供验证码。"
    )
    assert load_pack(dump(data)).templates["replacement_ready"].placeholders == {"outlet"}

"""The BJ-13 check on outgoing SMS text: no links, no requests for financial secrets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sscard.kernel.errors import KernelError
from sscard.kernel.messages import MessageRefused, check, ensure_allowed

LINK = "message_contains_link"
SECRET = "message_requests_secret"

REFUSED: list[tuple[str, str]] = [
    # links with a scheme or www
    ("请登录http://rsj.beijing.gov.cn办理", "link"),
    ("详情见https://example.com/a?b=1", "link"),
    ("下载ftp://files.example/x", "link"),
    ("HTTPS：／／abc", "link"),
    ("访问www.12333.gov.cn", "link"),
    ("访问ＷＷＷ．ＡＢＣ．ＣＯＭ", "link"),
    ("www baidu com", "link"),
    # bare domains, in every disguise
    ("访问 rsj.beijing.gov.cn 查询", "bare_domain"),
    ("登录abc.com领取补贴", "bare_domain"),
    ("详见abc.cn", "bare_domain"),
    ("详见962222.com", "bare_domain"),
    ("访问xn--fiqs8s查询", "bare_domain"),
    ("访问baidu . com", "bare_domain"),
    ("访问baidu。com", "bare_domain"),
    ("访问baidu｡com", "bare_domain"),
    ("访问ｂａｉｄｕ．ｃｏｍ", "bare_domain"),
    ("访问baidu点com", "bare_domain"),
    ("访问baidu[.]com", "bare_domain"),
    ("访问baidu(dot)com", "bare_domain"),
    ("访问 abc dot com", "bare_domain"),
    ("访问baidu com", "bare_domain"),
    ("访问bai\u200bdu.com", "bare_domain"),  # zero-width space inside
    ("请访问社保.中国", "bare_domain"),
    ("联系12333@rsj.gov.cn", "bare_domain"),
    # short links, with or without a scheme
    ("点击t.cn/A6xyz领取", "short_link"),
    ("http://t.cn/A6xyz", "short_link"),
    ("dwz.cn/abc", "short_link"),
    ("bit.ly/3abc", "short_link"),
    ("Visit bit . ly / abc", "short_link"),
    ("tinyurl.com/xyz", "short_link"),
    ("url.cn/5abc", "short_link"),
    ("suo.im/abc", "short_link"),
    ("领取3.cn/abc", "short_link"),
    ("点击t。cn/abc", "short_link"),
    # IP addresses
    ("访问192.168.1.10领取", "ip_address"),
    ("访问１９２．１６８．１．１", "ip_address"),
    ("访问 10 . 0 . 0 . 1", "ip_address"),
    # requests for account numbers
    ("请回复您的银行卡号以便发放补贴", "asks_account_number"),
    ("请提供您的账户和密码", "asks_account_number"),
    ("请填写卡号及密码", "asks_account_number"),
    ("请登记您的帐号", "asks_account_number"),
    ("请提供以下信息：姓名，银行卡号，密码", "asks_account_number"),
    ("为防范诈骗，请回复您的银行卡号", "asks_account_number"),
    ("Please reply with your bank account number", "asks_account_number"),
    ("Kindly provide your card number to activate", "asks_account_number"),
    # requests for passwords
    ("请告知取款密码", "asks_password"),
    ("请输入支付密码完成激活", "asks_password"),
    ("请提供PIN码", "asks_password"),
    ("请回复您的CVV2", "asks_password"),
    ("Please send us your PIN", "asks_password"),
    ("Please tell the officer your password", "asks_password"),
    # requests for verification codes
    ("请将收到的验证码回复至本号码", "asks_verification_code"),
    ("我们不会索要您的密码，但请回复验证码确认", "asks_verification_code"),
    ("请告诉工作人员您的动态码", "asks_verification_code"),
    ("请发送校验码到10690000", "asks_verification_code"),
    ("Enter the verification code you received", "asks_verification_code"),
    ("Reply with the OTP to confirm", "asks_verification_code"),
]

ALLOWED: list[str] = [
    "您的社会保障卡已制作完成，请携带本人有效身份证件到{outlet}领取。",
    "咨询请拨打962222或12333。",
    "请于9:30至17:00到网点办理。",
    "本次收费0.00元。",
    "请将APP升级到3.0版本。",
    "请于2024.06.01前领取。",
    "第三代社保卡支持12.5%的优惠。",
    "回复TD退订",
    "办理时间：周一至周五 9:00-17:00",
    "【北京人社】您的社保卡已寄出，快递单号SF1234567890，请注意查收。",
    "您尾号1234的社保卡已启用金融功能，查询请回复1。",
    "社保卡卡号尾号1234已挂失，如需撤销请到网点办理。",
    "卡号尾号1234的社保卡已寄出，查询请回复1",
    "新卡启用后旧卡作废，金融账户余额自动迁移。",
    "请到网点激活并设置取款密码。",
    "请妥善保管您的卡片和密码。",
    # warnings and prohibitions mention secrets without asking for them
    "您的验证码是123456，请勿告知他人。",
    "验证码切勿告知他人",
    "我们不会索要您的密码。",
    "请勿向任何人提供验证码。",
    "我行工作人员不会以任何理由要求您提供密码或验证码。",
    "如有人要求您提供银行卡号和密码，请立即挂断并报警。",
    "凡是要求提供验证码的都是诈骗。",
    "温馨提示：请勿点击不明链接，谨防诈骗。",
    "验证码已发送至您的手机，5分钟内有效。",
    "我们将向您发送验证码，请注意查收并勿泄露。",
    "Never share your password with anyone.",
    "Do not tell anyone your password.",
    "Bank staff will never ask you to send your PIN or verification code.",
    "If anyone asks you to send your PIN, hang up.",
    "Your card is ready. Please collect it at the outlet with your ID card.",
    "Dr. Wang will see you at 3 p.m. today.",
]


@pytest.mark.parametrize(("text", "rule"), REFUSED)
def test_refused_messages_name_the_rule(text: str, rule: str) -> None:
    # when the text is checked
    verdict = check(text)
    # then it is refused, with the rule, the stable code and both messages quoting the fragment
    assert not verdict.ok
    assert verdict.rule == rule
    assert verdict.code == (SECRET if rule.startswith("asks_") else LINK)
    assert verdict.fragment
    assert verdict.fragment in text
    assert verdict.fragment in verdict.message_zh
    assert verdict.fragment in verdict.message_en


@pytest.mark.parametrize("text", ALLOWED)
def test_ordinary_and_warning_messages_are_allowed(text: str) -> None:
    verdict = check(text)
    assert verdict.ok, (verdict.rule, verdict.fragment)
    assert verdict.rule is None
    assert verdict.code is None
    ensure_allowed(text)


def test_the_tables_are_big_enough() -> None:
    assert len(REFUSED) >= 25
    assert len(ALLOWED) >= 15
    rules = {rule for _, rule in REFUSED}
    assert rules == {
        "link",
        "short_link",
        "bare_domain",
        "ip_address",
        "asks_account_number",
        "asks_password",
        "asks_verification_code",
    }


def test_ensure_allowed_raises_a_kernel_error() -> None:
    with pytest.raises(MessageRefused) as caught:
        ensure_allowed("请回复您的银行卡号")
    assert isinstance(caught.value, KernelError)
    assert caught.value.code == SECRET
    assert caught.value.details["rule"] == "asks_account_number"
    assert "银行卡号" in caught.value.message_zh


def test_the_fragment_is_quoted_from_the_original_text() -> None:
    # given a full-width link
    verdict = check("请访问ｂａｉｄｕ．ｃｏｍ领取")
    # then the quote is what the author wrote, not its normalised form
    assert verdict.fragment == "ｂａｉｄｕ．ｃｏｍ"


@given(
    st.text(
        alphabet=st.sampled_from(
            list("您的社保卡已制作完成请到网点领取咨询拨打0123456789，。：元")
        ),
        max_size=60,
    )
)
def test_plain_chinese_notices_with_numbers_pass(text: str) -> None:
    assert check(text).ok


@given(
    label=st.from_regex(r"[a-z][a-z0-9]{1,12}", fullmatch=True),
    tld=st.sampled_from(["com", "cn", "net", "org", "gov"]),
    dot=st.sampled_from([".", "．", "。", "｡", " . ", "点", "[.]", "(dot)"]),
)
def test_any_domain_in_any_disguise_is_refused(label: str, tld: str, dot: str) -> None:
    verdict = check(f"请访问{label}{dot}{tld}办理")
    assert not verdict.ok
    assert verdict.code == LINK

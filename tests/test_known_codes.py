"""The every-page scan finds the codes people read before issue 12, and not the words and
numbers that merely look like them (``sscard.testing.crawl.KnownCodes``)."""

from __future__ import annotations

import pytest

from sscard.testing.crawl import KnownCodes

KNOWN = KnownCodes.of(
    [
        "ICBC",
        "CITIC",
        "branch",
        "post",
        "online",
        "in_service_staff",
        "confirm_request",
        "loss_already_reported",
        "M",
        "F",
    ],
    regions=["370522", "110105"],
    names=["中信银行", "China CITIC Bank"],
)


@pytest.mark.parametrize(
    ("text", "english", "code"),
    [
        # What the crawl of the demo found before (issue 12).
        ("开户银行ICBC，领卡方式branch，第3代社保卡。", False, "ICBC"),
        ("开户银行ICBC，领卡方式branch，第3代社保卡。", False, "branch"),
        ("Account bank ICBC, pickup branch, card generation 3.", True, "ICBC"),
        ("已激活 · ICBC", False, "ICBC"),
        ("经政策准予办理（BJ-14） · 2026-12-03", False, "BJ-14"),
        ("Third-generation card pilot · BJ-02 2024-01-31", True, "BJ-02"),
        ("董*\t3****************5\t男\t在职人员\t海淀区\t370522\t北京德正", False, "370522"),
        ("27 *******7530 confirm_request 您的社会保障卡", True, "confirm_request"),
        ("该卡已挂失。 (loss_already_reported)", False, "loss_already_reported"),
        ("性别 M 出生日期", False, "M"),
        ("Pension bank CITIC Social Security", True, "CITIC"),
    ],
)
def test_a_code_people_read_is_found(text: str, english: bool, code: str) -> None:
    hits = KNOWN.found_in(text, english=english)
    assert any(hit.startswith(repr(code)) for hit in hits), hits


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("Bank branch · By post · Apply online", True),  # English words, in English
        ("demo-post 退出登录", False),  # a username
        ("每件邮件投递成功或失败时 POST /api/v1/post/events", False),  # a path
        ("Bank of China · China CITIC Bank · 中信银行", True),  # a name that contains a code
        ("91110108MAWEGK499W 1****************6 *******2248", False),  # codes and masks
        ("卡号 A1103705220 批次 B110105X", False),  # a region code inside a longer code
        ("2026-12-03 · 370,522 人", False),  # dates and counts
        ("CSV · XLSX · API · HR · ID", True),
    ],
)
def test_what_only_looks_like_a_code_is_not_found(text: str, english: bool) -> None:
    assert KNOWN.found_in(text, english=english) == []

"""The anti-fraud check on outgoing text messages (BJ-13).

The bureau and the banks never send an SMS that contains a link, or that asks for a financial
account number, a password or a verification code. Every outgoing message passes
:func:`check` (or :func:`ensure_allowed`) before it is queued.

Links are refused in any disguise: schemes, ``www``, short-link hosts without a scheme, IPv4
addresses, bare domains (``abc.com``, ``rsj.beijing.gov.cn``, punycode ``xn--``, Chinese
top-level domains such as ``.中国``), also when the dot is written as a full-width or
ideographic dot, ``点``, ``[.]``, ``(dot)``, or surrounded by spaces. Text is normalised first:
NFKC (full-width letters and digits become ASCII), lower case, and invisible format characters
(zero-width spaces and the like) removed.

A secret is refused only when it is *requested*: a request verb (提供, 回复, 输入, provide,
send, ...) paired with a secret noun (银行卡号, 密码, 验证码, PIN, ...) in the same sentence, and
not negated or framed as a warning ("请勿向任何人提供验证码", "we never ask for your PIN", "如有人
要求您提供密码，请挂断"). Where several problems exist the verdict names the first rule in this
order: short link, link, IP address, bare domain, then the earliest secret request.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from sscard.kernel.errors import KernelError

__all__ = [
    "CODE_LINK",
    "CODE_REQUEST",
    "MessageRefused",
    "MessageVerdict",
    "check",
    "ensure_allowed",
]

CODE_LINK: Final = "message_contains_link"
CODE_REQUEST: Final = "message_requests_secret"


@dataclass(frozen=True, slots=True)
class MessageVerdict:
    """The outcome of :func:`check`: ``ok``, or the rule broken and the fragment that broke it."""

    ok: bool
    rule: str | None = None
    code: str | None = None
    message_zh: str = ""
    message_en: str = ""
    fragment: str | None = None


class MessageRefused(KernelError):
    """An outgoing message that must not be sent."""


# --------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------


def _normalise(text: str) -> tuple[str, list[int]]:
    """NFKC + lower case, format characters dropped; with the source index of every char."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            chars.append(ch.lower())
            origin.append(i)
            continue
        if unicodedata.category(ch) == "Cf":  # zero-width space/joiner, BOM, soft hyphen ...
            continue
        for out in unicodedata.normalize("NFKC", ch).lower():
            chars.append(out)
            origin.append(i)
    return "".join(chars), origin


# --------------------------------------------------------------------------------------------
# Links
# --------------------------------------------------------------------------------------------

_LABEL: Final = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_BEFORE: Final = r"(?<![a-z0-9-])"
_AFTER: Final = r"(?![a-z0-9])"
# A dot written any way: ".", "。", "点", "[.]", "(dot)", a middle dot ... with optional spaces.
_LOOSE_DOT: Final = (
    r"(?:\s*(?:[.。、丶·•∙・]|点|點"
    r"|\[\s*(?:\.|dot|点|。)\s*\]|\(\s*(?:\.|dot|点|。)\s*\)"
    r"|【\s*(?:\.|dot|点|。)\s*】|\{\s*(?:\.|dot)\s*\}|<\s*(?:\.|dot)\s*>)\s*"
    r"|\s+dot\s+)"
)

# Top-level domains recognised after a plain dot (``abc.top``).
_BROAD_TLDS: Final = [
    "com",
    "cn",
    "net",
    "org",
    "gov",
    "edu",
    "info",
    "biz",
    "top",
    "xyz",
    "vip",
    "cc",
    "co",
    "io",
    "tv",
    "ly",
    "im",
    "la",
    "ai",
    "app",
    "site",
    "online",
    "shop",
    "club",
    "wang",
    "store",
    "tech",
    "icu",
    "link",
    "live",
    "pro",
    "mobi",
    "asia",
    "work",
    "cloud",
    "fun",
    "hk",
    "mo",
    "tw",
    "uk",
    "jp",
    "kr",
    "ru",
    "de",
    "fr",
    "ink",
    "red",
    "ren",
    "kim",
    "cf",
    "ga",
    "gq",
    "ml",
    "tk",
    "pw",
    "ws",
    "cyou",
    "buzz",
    "click",
    "xin",
    "pub",
    "mil",
    "int",
]
# Top-level domains recognised after a disguised dot (``abc 。com``, ``abc点com``).
_STRONG_TLDS: Final = ["com", "cn", "net", "org", "gov", "edu", "top", "xyz", "vip", "cc", "biz"]
# Top-level domains recognised after nothing but spaces (``baidu com``).
_SPACE_TLDS: Final = ["com", "cn", "net"]
_CHINESE_TLDS: Final = ["中国", "公司", "网络", "政务", "公益", "网址", "在线", "商城"]

_SHORT_LINK_HOSTS: Final = [
    "t.cn",
    "dwz.cn",
    "url.cn",
    "w.url.cn",
    "bit.ly",
    "tinyurl.com",
    "suo.im",
    "3.cn",
    "tb.cn",
    "m.tb.cn",
    "sina.lt",
    "mrw.so",
    "j.mp",
    "goo.gl",
    "ow.ly",
    "is.gd",
    "v.gd",
    "t.co",
    "rb.gy",
    "cutt.ly",
    "qr.net",
    "6du.in",
    "rrd.me",
    "t.ly",
    "bit.do",
    "tiny.cc",
    "0x3.me",
    "c7.gg",
    "lnkd.in",
    "buff.ly",
    "shorturl.at",
    "suo.nz",
    "dwz.date",
    "xhslink.com",
    "b23.tv",
    "v.douyin.com",
]


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_SHORT_LINK_RE: Final = re.compile(
    _BEFORE
    + "(?:"
    + "|".join(
        _LOOSE_DOT.join(re.escape(part) for part in host.split("."))
        for host in sorted(_SHORT_LINK_HOSTS, key=len, reverse=True)
    )
    + ")"
    + _AFTER
)
_SCHEME_RE: Final = re.compile(r"(?<![a-z])(?:https?|s?ftps?)\s*(?::\s*/*|/\s*/)")
_WWW_RE: Final = re.compile(r"(?<![a-z0-9])www(?![a-z0-9])")
_OCTET: Final = r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IP_DOT: Final = r"\s*(?:[.。]|点)\s*"
_IPV4_RE: Final = re.compile(
    r"(?<![\d.])" + _IP_DOT.join([_OCTET] * 4) + r"(?![\d])",
)
_DOMAIN_RES: Final = (
    re.compile(_BEFORE + _LABEL + r"\.(?:" + _alternation(_BROAD_TLDS) + ")" + _AFTER),
    re.compile(_BEFORE + _LABEL + _LOOSE_DOT + "(?:" + _alternation(_STRONG_TLDS) + ")" + _AFTER),
    re.compile(_BEFORE + _LABEL + r"\s+(?:" + _alternation(_SPACE_TLDS) + ")" + _AFTER),
    re.compile(r"[\w-]+\.(?:" + _alternation(_CHINESE_TLDS) + ")"),
    re.compile(r"xn--[a-z0-9-]+"),
)
_HOST_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-/")


def _find_link(norm: str) -> tuple[str, int, int] | None:
    match = _SHORT_LINK_RE.search(norm)
    if match:
        return "short_link", match.start(), _extend_right(norm, match.end())
    for regex in (_SCHEME_RE, _WWW_RE):
        match = regex.search(norm)
        if match:
            return "link", match.start(), _extend_right(norm, match.end())
    match = _IPV4_RE.search(norm)
    if match:
        return "ip_address", match.start(), _extend_right(norm, match.end())
    best: re.Match[str] | None = None
    for regex in _DOMAIN_RES:
        match = regex.search(norm)
        if match and (best is None or match.start() < best.start()):
            best = match
    if best:
        return "bare_domain", _extend_left(norm, best.start()), _extend_right(norm, best.end())
    return None


def _extend_left(norm: str, start: int) -> int:
    while start > 0 and norm[start - 1] in _HOST_CHARS:
        start -= 1
    return start


def _extend_right(norm: str, end: int) -> int:
    limit = end + 60
    while end < len(norm) and end < limit and norm[end] in _HOST_CHARS:
        end += 1
    return end


# --------------------------------------------------------------------------------------------
# Requests for secrets
# --------------------------------------------------------------------------------------------

_NOUNS: Final = {
    # Listed longest-first inside each group; verification codes first so that "动态密码" and
    # "one-time password" count as codes, not passwords.
    "asks_verification_code": [
        "短信验证码",
        "验证码",
        "校验码",
        "动态码",
        "动态密码",
        "短信密码",
        "短信码",
        "确认码",
        "授权码",
        r"\bverification\s+codes?\b",
        r"\bverify\s+codes?\b",
        r"\bsecurity\s+codes?\b",
        r"\bsms\s+codes?\b",
        r"\bauth(?:entication|orization)?\s+codes?\b",
        r"\bone[-\s]?time\s+(?:password|passcode|code|pin)s?\b",
        r"\botps?\b",
    ],
    "asks_account_number": [
        "银行卡号",
        "银行账号",
        "银行帐号",
        "银行账户",
        "银行帐户",
        "卡号",
        "账号",
        "帐号",
        "账户",
        "帐户",
        r"\b(?:bank\s+)?account\s+(?:numbers?|no\b\.?|#)",
        r"\bacct\.?\s*(?:numbers?|no\b\.?)",
        r"\ba/c\s*no\b\.?",
        r"\b(?:bank\s+|credit\s+|debit\s+)?card\s+(?:numbers?|no\b\.?|details)",
        r"\bbank\s+accounts?\b",
    ],
    "asks_password": [
        "银行卡密码",
        "支付密码",
        "取款密码",
        "交易密码",
        "登录密码",
        "查询密码",
        "服务密码",
        "密码",
        "安全码",
        r"\bpass\s?words?\b",
        r"\bpasscodes?\b",
        r"\bpin(?:\s*(?:code|number))?s?\b",
        r"\bcv[vnc]2?\b",
    ],
}
_NOUN_RE: Final = re.compile(
    "|".join(
        f"(?P<{rule}>{'|'.join(patterns)})"
        for rule, patterns in _NOUNS.items()  # group order = priority at one position
    ),
    re.ASCII,  # so that \b separates "pin" from a following Chinese character
)
_VERB_RE: Final = re.compile(
    r"提供|告知|告诉|发送|发给|发至|发到|发我|回复|回传|输入|填写|填入|录入|登记|报出|说出|报给"
    r"|提交|上报|透露|转发|留下|给我"
    r"|\b(?:provide|send|reply|respond|enter|tell|give|share|submit|input|type\s+in|disclose"
    r"|forward|fill\s+in|key\s+in|read\s+out|email|text\s+us|text\s+back)\b",
    re.ASCII,
)
# Words that, before the verb in its clause, make it a prohibition or a warning, not a request.
_NEGATION_RE: Final = re.compile(
    r"不会|不要|不用|不需|无需|无须|不必|不得|不可|不能|不应|勿|千万别|别向|别把|别将|别告诉"
    r"|绝不|决不|从不|从未|严禁|禁止|谨防|警惕|拒绝|不向|不予|不主动|不索|不以"
    r"|如有人|如果有人|若有人|一旦有人|凡是|凡|任何人|陌生人|冒充|诈骗|骗子|不法分子|防骗"
    r"|\b(?:never|not|don'?t|won'?t|mustn'?t|shouldn'?t|cannot|can'?t|no\s+need|no\s+one"
    r"|nobody|avoid|refuse|if\s+anyone|if\s+someone|anyone\s+who|someone\s+who|beware"
    r"|scam(?:mer)?s?|fraud(?:ster)?s?|fake)\b",
    re.ASCII,
)
# A verb with the bureau or bank as its subject, acting towards the recipient ("we will send
# you", "已发送"), is a statement, not a request.
_STATEMENT_RE: Final = re.compile(r"向您|给您|为您|至您|已经?[^，,。；;！!？?]{0,3}$")
_SENTENCE_END_RE: Final = re.compile(r"[。！？!?；;\n]|\.(?=\s|$)")
_CLAUSE_END: Final = frozenset("，,。！？!?；;\n")
_LIST_INTRO: Final = frozenset("：:")
_VERB_NOUN_GAP: Final = 30
_NOUN_VERB_GAP: Final = 12


def _sentences(norm: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END_RE.finditer(norm):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(norm)))
    return spans


def _is_request(norm: str, sentence_start: int, verb_start: int) -> bool:
    clause_start = verb_start
    while clause_start > sentence_start and norm[clause_start - 1] not in _CLAUSE_END:
        clause_start -= 1
    before = norm[clause_start:verb_start]
    if before.endswith("不"):
        return False
    return not (_NEGATION_RE.search(before) or _STATEMENT_RE.search(before))


def _find_secret_request(norm: str) -> tuple[str, int, int] | None:
    best: tuple[str, int, int] | None = None
    for s_start, s_end in _sentences(norm):
        sentence = norm[s_start:s_end]
        nouns = [
            (m.lastgroup or "", s_start + m.start(), s_start + m.end())
            for m in _NOUN_RE.finditer(sentence)
        ]
        if not nouns:
            continue
        for verb in _VERB_RE.finditer(sentence):
            v_start, v_end = s_start + verb.start(), s_start + verb.end()
            if not _is_request(norm, s_start, v_start):
                continue
            for rule, n_start, n_end in nouns:
                if v_end <= n_start:
                    gap = norm[v_end:n_start]
                    paired = len(gap) <= _VERB_NOUN_GAP and (
                        not any(c in "，," for c in gap) or any(c in _LIST_INTRO for c in gap)
                    )
                    span = (v_start, n_end)
                elif n_end <= v_start:
                    gap = norm[n_end:v_start]
                    paired = len(gap) <= _NOUN_VERB_GAP and not any(
                        c in _CLAUSE_END or c in _LIST_INTRO for c in gap
                    )
                    span = (n_start, v_end)
                else:
                    paired = False
                    span = (0, 0)
                if paired and (best is None or span[0] < best[1]):
                    best = (rule, span[0], span[1])
        if best is not None:
            return best
    return best


# --------------------------------------------------------------------------------------------
# Verdicts
# --------------------------------------------------------------------------------------------

_RULE_TEXT: Final[dict[str, tuple[str, str]]] = {
    "link": ("链接", "a link"),
    "short_link": ("短链接", "a short link"),
    "bare_domain": ("网址（域名）", "a web address (domain name)"),
    "ip_address": ("IP地址", "an IP address"),
    "asks_account_number": ("索要银行卡号或账号", "a request for a card or account number"),
    "asks_password": ("索要密码", "a request for a password or PIN"),
    "asks_verification_code": ("索要验证码", "a request for a verification code"),
}


def _refusal(rule: str, text: str, origin: list[int], start: int, end: int) -> MessageVerdict:
    fragment = text[origin[start] : origin[end - 1] + 1].strip() if end > start else ""
    what_zh, what_en = _RULE_TEXT[rule]
    if rule.startswith("asks_"):
        code = CODE_REQUEST
        zh = (
            f"短信不得{what_zh}（“{fragment}”）：人社部门和银行从不通过短信索要账号、密码或验证码。"
        )
        en = (
            f"The message contains {what_en} (“{fragment}”): the bureau and the banks never ask "
            "for account numbers, passwords or verification codes by SMS."
        )
    else:
        code = CODE_LINK
        zh = f"短信不得包含{what_zh}（“{fragment}”）：人社部门和银行发送的短信不含任何链接。"
        en = (
            f"The message contains {what_en} (“{fragment}”): messages from the bureau and the "
            "banks never contain links."
        )
    return MessageVerdict(
        ok=False, rule=rule, code=code, message_zh=zh, message_en=en, fragment=fragment
    )


_OK: Final = MessageVerdict(ok=True)


def check(text: str) -> MessageVerdict:
    """Check an outgoing message; the verdict says whether it may be sent and, if not, why."""
    norm, origin = _normalise(text)
    found = _find_link(norm) or _find_secret_request(norm)
    if found is None:
        return _OK
    rule, start, end = found
    return _refusal(rule, text, origin, start, end)


def ensure_allowed(text: str) -> None:
    """Raise :class:`MessageRefused` unless :func:`check` allows ``text``."""
    verdict = check(text)
    if not verdict.ok:
        assert verdict.code is not None
        assert verdict.rule is not None
        raise MessageRefused(
            verdict.code,
            verdict.message_zh,
            verdict.message_en,
            {"rule": verdict.rule, "fragment": verdict.fragment},
        )

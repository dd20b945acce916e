"""The policy-pack schema: typed, frozen models of everything a notice decides.

A pack is YAML validated into :class:`Pack`. Every fact names where it comes from: ``clause``
(a clause id of the notice, ``BJ-05``) or ``chosen`` (why the pack decided a fact the notice
leaves open), or both. Unknown keys are refused, as is anything that contradicts the rest of
the pack (a rule naming a bank the pack does not list, phases in force on the same day that
answer the same question differently, a message template that holds a link ...). Errors are
raised as :class:`pydantic_core.PydanticCustomError` whose type is the pack error code; the
loader turns them into :class:`~sscard.policy.errors.PackError` with the key's path.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Annotated, Any, Final, Literal, get_args
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    field_validator,
)
from pydantic import model_validator as _model_validator
from pydantic_core import PydanticCustomError

from sscard.kernel import messages, regions
from sscard.policy.errors import PackError
from sscard.policy.predicates import (
    Predicate,
    conditions,
    conditions_at,
    may_overlap,
    parse_predicate,
    predicate_data,
)

__all__ = [
    "ACTIONS",
    "CHANNELS",
    "DEFAULT_SAME_VISIT",
    "NOTICE_DAYS_MAX",
    "Action",
    "ActivationPath",
    "AgeBand",
    "Bank",
    "BankChoice",
    "BankChoiceRule",
    "Card",
    "Channel",
    "Contact",
    "DueRule",
    "Effect",
    "ElectronicCard",
    "FeeItem",
    "Fees",
    "Figure",
    "Group",
    "Loss",
    "NetworkFigure",
    "Outreach",
    "Pack",
    "PasswordReset",
    "Phase",
    "PhotoSource",
    "PickupMethod",
    "Renewal",
    "Rule",
    "SameVisit",
    "Template",
    "Transition",
    "Validity",
]

Action = Literal["first", "migrate", "replace_lost", "replace_damaged", "collective", "renewal"]
Channel = Literal[
    "bank_outlet",
    "online",
    "community_centre",
    "instant_outlet",
    "collective_online",
    "collective_offline",
    "enterprise_point",
    "community_stall",
    "home_visit",
    "parent_online",
]
ACTIONS: Final[tuple[str, ...]] = get_args(Action)
CHANNELS: Final[tuple[str, ...]] = get_args(Channel)

Effect = Literal["allow", "deny", "redirect"]
BankChoiceRule = Literal[
    # The applicant picks any bank on offer.
    "applicant_picks",
    # A parent picks for the child (SH-09).
    "parent_picks",
    # The employer picks for its staff (BJ-04).
    "employer_picks",
    # The bank that issued the card being replaced; the applicant names it.
    "issuing_bank",
    # The pension bank if it is on offer, else the applicant picks (SH-07).
    "pension_bank_if_partner",
    # The payroll bank if exactly one is on offer; several: the employer picks among them;
    # none: the employer picks any bank on offer (SH-08).
    "payroll_bank_if_partner",
]
ActivationPath = Literal[
    "on_site",  # where the card is handed over, at once
    "online",  # the bureau's site or app
    "issuing_bank_outlet",  # any outlet of the bank that issued the card
    "community_centre",  # a community acceptance centre
]
Interface = Literal["contact", "contactless"]
CardFunction = Literal[
    "identity",
    "information_record",
    "self_query",
    "medical_settlement",
    "cross_province_medical",
    "contributions_benefits",
    "transport",
    "park_pass",
    "financial",
]
CardSecurity = Literal["sm_algorithms", "digital_certificate", "single_chip_dual_interface"]
FeeKind = Literal[
    "production", "postage", "replacement", "bank_management", "annual", "account_opening"
]
LossChannel = Literal["phone", "online", "counter"]
ContactKind = Literal["hotline", "bank_hotlines", "website", "app", "wechat", "mini_program"]
PhotoSourceKind = Literal["captured_on_site", "id_card", "student_card"]
# The kinds of outlet a counter stands in (``network.choices.OutletKind``, named here since the
# policy engine imports no Django; a test holds the two lists together).
CounterOutletKind = Literal[
    "bank_branch", "community_centre", "enterprise_point", "community_stall", "home_visit_team"
]
# The verification statuses (``cards.choices.CardStatus``) a counter service may be done in.
ServiceCardStatus = Literal["valid", "not_enabled", "blocked_temporary", "blocked_formal"]

#: Reason codes the engine itself gives; a rule may not take one of them.
ENGINE_REASONS: Final = frozenset(
    {
        "no_campaign_in_force",
        "no_rule",
        "facts_required",
        "bank_not_partner",
        "pickup_not_offered",
        "request_invalid",
        "engine_error",
        "calendar_not_covered",
    }
)

_CLAUSE_RE: Final = re.compile(r"[A-Z]{2,4}-\d{2}(?: \(\d+\))?")
_ID_RE: Final = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")
_REASON_RE: Final = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_BANK_RE: Final = re.compile(r"[A-Z][A-Z0-9]{1,15}")
_PHONE_RE: Final = re.compile(r"\d{5,12}")
_URL_RE: Final = re.compile(r"https?://[A-Za-z0-9.-]+(?:/\S*)?|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def refuse(code: str, zh: str, en: str, path: str = "", **details: Any) -> PydanticCustomError:
    """A validation error carrying a pack error code, both messages and a relative path."""
    return PydanticCustomError(
        code, "{message_en}", {"message_en": en, "message_zh": zh, "path": path, **details}
    )


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=False)


class Sourced(_Model):
    """A fact of the pack with its source: a clause of the notice, or why it was chosen."""

    clause: str | None = None
    chosen: str | None = None

    @field_validator("clause")
    @classmethod
    def _clause_id(cls, value: str | None) -> str | None:
        if value is not None and not _CLAUSE_RE.fullmatch(value):
            raise refuse(
                "pack_clause_invalid",
                f"条款编号“{value}”格式不对（如 BJ-05 或 BJ-08 (1)）。",
                f"The clause id “{value}” is malformed (like BJ-05 or BJ-08 (1)).",
            )
        return value

    @field_validator("chosen")
    @classmethod
    def _chosen_text(cls, value: str | None) -> str | None:
        if value is not None and len(value.strip()) < 10:
            raise refuse(
                "pack_source_missing",
                "chosen 必须说明为什么这样选择（至少一句话）。",
                "chosen must say why the pack chose this (a sentence at least).",
            )
        return value

    @_model_validator(mode="after")
    def _has_source(self) -> Any:
        if self.clause is None and self.chosen is None:
            raise refuse(
                "pack_source_missing",
                "每一项规定都必须注明来源：clause（通知条款编号）"
                "或 chosen（通知未作规定时的选择及理由）。",
                "Every fact must name its source: clause (the notice's clause id) or chosen "
                "(what the pack chose where the notice is silent, and why).",
            )
        return self

    @property
    def source(self) -> str:
        """``BJ-05``, or ``chosen: ...``, or both."""
        parts = [self.clause] if self.clause else []
        if self.chosen:
            parts.append(f"chosen: {self.chosen}")
        return "; ".join(parts)


def _ids_from_keys(value: Any) -> Any:
    """``{key: {...}}`` -> ``{key: {"id": key, ...}}`` (an ``id`` in the body must agree)."""
    if not isinstance(value, Mapping):
        return value
    out: dict[Any, Any] = {}
    for key, body in value.items():
        if isinstance(body, Mapping):
            if "id" in body and body["id"] != key:
                raise refuse(
                    "pack_schema_invalid",
                    f"“{key}”中的 id 与键名不一致。",
                    f"The id inside “{key}” differs from its key.",
                    _join(str(key), "id"),
                )
            body = {"id": key, **body}
        out[key] = body
    return out


# --------------------------------------------------------------------------------------------
# Reference facts
# --------------------------------------------------------------------------------------------


class Bank(Sourced):
    """A partner bank (合作银行/服务银行, BJ-09, SH-03), by the code ``network`` uses."""

    code: str
    name_zh: str
    name_en: str
    hotline: str | None = None

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not _BANK_RE.fullmatch(value):
            raise refuse(
                "pack_schema_invalid",
                f"银行代码“{value}”格式不对（大写字母和数字）。",
                f"The bank code “{value}” is malformed (capital letters and digits).",
            )
        return value


class Card(Sourced):
    """A card generation the pack issues, with its interfaces and functions (BJ-01, SH-04)."""

    generation: int = Field(ge=1, le=9)
    title_zh: str
    title_en: str
    interfaces: tuple[Interface, ...] = Field(min_length=1)
    functions: tuple[CardFunction, ...] = Field(min_length=1)
    security: tuple[CardSecurity, ...] = ()


class AgeBand(_Model):
    """How long a card is valid for a holder aged ``from_age`` (included) up to ``to_age``
    (excluded; None: no upper end) on the day the card is issued."""

    from_age: int
    to_age: int | None = None
    years: int = Field(ge=1, le=100)


class Validity(Sourced):
    """How long a card of a generation is valid from its issue date: ``years`` for everyone,
    or ``bands`` by the holder's age at issue (a child's card shorter), which cover every age
    from 0 once, in order, without a gap."""

    generation: int = Field(ge=1, le=9)
    years: int | None = Field(default=None, ge=1, le=100)
    bands: tuple[AgeBand, ...] = ()

    @_model_validator(mode="after")
    def _one_term(self) -> Any:
        if (self.years is None) == (not self.bands):
            raise refuse(
                "pack_schema_invalid",
                "有效期须写 years（所有年龄）或 bands（按发卡时年龄分段）之一，且只能写一个。",
                "A validity gives years (every age) or bands (by age at issue), exactly one.",
                "years",
            )
        expected = 0
        for i, band in enumerate(self.bands):
            at = f"bands[{i}]"
            if band.from_age < 0 or (band.to_age is not None and band.to_age <= band.from_age):
                raise refuse(
                    "pack_validity_band_invalid",
                    f"年龄段 {band.from_age}–{band.to_age} 不成立"
                    "（年龄不能为负，上限须大于下限）。",
                    f"The age band {band.from_age}-{band.to_age} is impossible (no negative age; "
                    "the upper end above the lower).",
                    at,
                )
            if band.from_age < expected:
                raise refuse(
                    "pack_validity_bands_overlap",
                    f"年龄段从 {band.from_age} 岁起，与前一段（至 {expected} 岁）重叠。",
                    f"The age band from {band.from_age} overlaps the one before (to {expected}).",
                    f"{at}.from_age",
                )
            if band.from_age > expected:
                raise refuse(
                    "pack_validity_bands_gap",
                    f"{expected} 岁至 {band.from_age} 岁之间没有有效期。",
                    f"No validity is given from age {expected} to {band.from_age}.",
                    f"{at}.from_age",
                )
            if band.to_age is None and i != len(self.bands) - 1:
                raise refuse(
                    "pack_validity_bands_overlap",
                    "没有上限的年龄段必须是最后一段。",
                    "Only the last age band may be open-ended.",
                    f"{at}.to_age",
                )
            expected = band.to_age if band.to_age is not None else -1
        if self.bands and expected != -1:
            raise refuse(
                "pack_validity_bands_gap",
                f"{expected} 岁及以上没有有效期：最后一段不写 to_age。",
                f"No validity is given from age {expected} on: leave the last band's to_age out.",
                f"bands[{len(self.bands) - 1}].to_age",
            )
        return self

    def years_at(self, age: int | None) -> int:
        """The years for a holder ``age`` years old at issue (None, unknown: the oldest band's
        term, the ordinary card's)."""
        if self.years is not None:
            return self.years
        if age is not None:
            for band in self.bands:
                if band.from_age <= age and (band.to_age is None or age < band.to_age):
                    return band.years
        return self.bands[-1].years


#: The longest notice period a pack may set (a year).
NOTICE_DAYS_MAX: Final = 366


class Renewal(Sourced):
    """Renewal of a card that runs out (到期换卡): how many days before its last day the card
    is listed and its holder told (once, with ``template``), and on which channels a renewal
    application is taken. The notices are silent on renewal: a pack marks it ``chosen``."""

    notice_days: int = Field(ge=1, le=NOTICE_DAYS_MAX)
    template: str
    channels: tuple[Channel, ...] = Field(min_length=1)


class Transition(Sourced):
    """How the old card and the new one coexist (BJ-10, SH-16)."""

    old_card_valid_until: Literal["new_card_enabled"]
    old_card_recalled: bool
    old_financial_account: Literal["holder_may_close", "closed_with_old_card"]


class PickupMethod(Sourced):
    """How a made card reaches the holder, and how its two functions are switched on (BJ-08)."""

    id: str
    title_zh: str
    title_en: str
    made_within: str | None = None  # a due rule
    notify: str | None = None  # a message template sent when the card is ready
    enable_ss: tuple[ActivationPath, ...] = Field(min_length=1)
    activate_financial: tuple[ActivationPath, ...] = Field(min_length=1)
    postal: bool = False
    backup_centre: bool = False  # an undeliverable card goes to a backup centre (SH-13)
    # Where the holder receives the card: at the outlet chosen, from the post, from the bank
    # team that visits (BJ-08 (3)), or in the same visit it is made (BJ-11, SH-12).
    handover: Literal["outlet", "post", "visit", "on_the_spot"] = "outlet"
    # Activating the financial function at the bank also opens the social-security one.
    financial_enables_ss: bool = False

    @_model_validator(mode="after")
    def _postal_is_post(self) -> Any:
        if self.postal != (self.handover == "post"):
            raise refuse(
                "pack_schema_invalid",
                "邮寄领卡（postal）与交付方式（handover: post）必须一致。",
                "A postal pickup method is exactly one whose handover is post.",
                "handover",
            )
        return self


class SameVisit(Sourced):
    """The channels whose card is made and handed over in the visit that takes the application:
    an instant-issuance branch makes it on the spot (BJ-11), 即到即补、即补即领 (SH-12)."""

    channels: tuple[Channel, ...] = ()


#: Where a pack says nothing: the instant-issuance outlets' channel, as both notices have it.
DEFAULT_SAME_VISIT: Final = SameVisit(
    channels=("instant_outlet",),
    chosen="A pack without a same_visit section makes cards in the visit on the instant-issuance "
    "outlets' channel only, as both notices do (BJ-11, SH-12).",
)


class DueRule(Sourced):
    """A time limit for making a card: calendar days, working days, same visit, or none."""

    id: str
    calendar_days: int | None = Field(default=None, ge=1, le=366)
    working_days: int | None = Field(default=None, ge=1, le=250)
    same_visit: bool = False  # BJ-11, SH-12: made in the visit
    no_limit: bool = False  # SH-10: made in batches, no time limit
    # BJ-11: "times exclude postage" — the due date is met by making the card; without it, a
    # posted card meets it only when it reaches the holder (engine.due_counts_postage).
    excludes: tuple[Literal["postage"], ...] = ()

    @_model_validator(mode="after")
    def _one_kind(self) -> Any:
        kinds = [
            self.calendar_days is not None,
            self.working_days is not None,
            self.same_visit,
            self.no_limit,
        ]
        if sum(kinds) != 1:
            raise refuse(
                "pack_schema_invalid",
                "时限规则必须且只能是 calendar_days、working_days、same_visit、no_limit 之一。",
                "A due rule is exactly one of calendar_days, working_days, same_visit, no_limit.",
            )
        return self


class FeeItem(Sourced):
    """One fee, in fen (分)."""

    id: FeeKind
    title_zh: str
    title_en: str
    amount_fen: int = Field(ge=0)


class Fees(Sourced):
    """The fees of the programme; where the notice says free, every fee must be 0."""

    notice_says_free: bool
    items: tuple[FeeItem, ...]

    @_model_validator(mode="after")
    def _free_means_zero(self) -> Any:
        if self.notice_says_free:  # BJ-12, SH-15: a pack that sets a fee is refused at load
            for i, item in enumerate(self.items):
                if item.amount_fen != 0:
                    raise refuse(
                        "pack_fee_not_free",
                        f"通知规定免费，但费用“{item.id}”为{item.amount_fen}分。",
                        f"The notice says free, but the fee “{item.id}” is {item.amount_fen} fen.",
                        f"items[{i}].amount_fen",
                        fee=item.id,
                    )
        return self


class Loss(Sourced):
    """Loss reports (挂失) and what they lead to (SH-18)."""

    report_channels: tuple[LossChannel, ...] = Field(min_length=1)
    blocks_immediately: bool
    temporary_block_days: int | None = Field(default=None, ge=1, le=90)
    formal_report_channels: tuple[LossChannel, ...] = ()
    withdrawable_until: Literal["replacement_ordered"]
    replacement_channels: tuple[Channel, ...] = Field(min_length=1)


class ElectronicCard(Sourced):
    """The electronic social security card (电子社保卡) beside the physical one."""

    mirrors_physical: bool


class PhotoSource(Sourced):
    """Where the card photo may come from (SH-11)."""

    id: PhotoSourceKind
    title_zh: str
    title_en: str
    groups: tuple[str, ...] = ()  # empty: everyone


class Contact(Sourced):
    """An entry of the contact directory (SH-17)."""

    kind: ContactKind
    name_zh: str
    name_en: str
    phone: str | None = None
    url: str | None = None
    what_zh: str
    what_en: str

    @_model_validator(mode="after")
    def _reachable(self) -> Any:
        if self.kind == "hotline" and not (
            self.phone and _PHONE_RE.fullmatch(self.phone) and self.url is None
        ):
            raise refuse(
                "pack_schema_invalid",
                "热线必须有电话号码（5–12位数字），且不带网址。",
                "A hotline needs a phone number (5-12 digits) and no url.",
                "phone",
            )
        if self.kind == "website" and not (
            self.url and _URL_RE.fullmatch(self.url) and self.phone is None
        ):
            raise refuse(
                "pack_schema_invalid",
                "网站必须有网址，且不带电话。",
                "A website needs a url and no phone.",
                "url",
            )
        if self.kind in ("bank_hotlines", "app", "wechat", "mini_program") and (
            self.phone or self.url
        ):
            raise refuse(
                "pack_schema_invalid",
                "银行热线（各银行自己的号码）、App、微信和小程序条目不带电话或网址。",
                "Bank hotlines (each bank's own), apps, WeChat and mini programs carry no "
                "phone or url.",
                "phone" if self.phone else "url",
            )
        return self


class Template(Sourced):
    """An outgoing message (SMS) template; both texts pass the anti-fraud check (BJ-13)."""

    id: str
    text_zh: str
    text_en: str

    @_model_validator(mode="after")
    def _checked(self) -> Any:
        fields: dict[str, set[str]] = {}
        for name in ("text_zh", "text_en"):
            text: str = getattr(self, name)
            try:
                fields[name] = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
            except ValueError:
                raise refuse(
                    "pack_template_invalid",
                    "模板的占位符写法不对（用 {name}，花括号本身写作 {{ }}）。",
                    "The template's placeholders are malformed (use {name}; write braces as "
                    "{{ }}).",
                    name,
                ) from None
            for field in fields[name]:
                if not field.isidentifier():
                    raise refuse(
                        "pack_template_invalid",
                        f"占位符“{{{field}}}”必须是一个名字。",
                        f"The placeholder “{{{field}}}” must be a plain name.",
                        name,
                    )
            # The text as written, and with every placeholder filled with a word, so that a
            # link split around a placeholder ("{x}.com") is found too.
            filled = text.format(**dict.fromkeys(fields[name], "abc"))
            for candidate in (text, filled):
                verdict = messages.check(candidate)
                if not verdict.ok:
                    raise refuse(
                        "pack_template_refused",
                        f"短信模板未通过反诈检查：{verdict.message_zh}",
                        f"The message template fails the anti-fraud check: {verdict.message_en}",
                        name,
                        rule=verdict.rule,
                        fragment=verdict.fragment,
                    )
        if fields["text_zh"] != fields["text_en"]:
            raise refuse(
                "pack_template_invalid",
                "中英文模板的占位符必须相同。",
                "The Chinese and English texts must use the same placeholders.",
                "text_en",
            )
        return self

    @property
    def placeholders(self) -> frozenset[str]:
        """The names the template needs to be rendered."""
        return frozenset(
            f for _, f, _, _ in string.Formatter().parse(self.text_zh) if f is not None
        )


class PasswordReset(Sourced):
    """Reset of the card's service password (社保卡密码重置) at a counter, against the holder's
    own ID document (its number checked by keyed index).

    The platform only records that the reset was done: the holder types the new password on
    the bank's PIN pad, and no password, PIN or PIN block ever reaches sscard (BJ-13: the
    bureau and the banks never ask for a password). The notices say nothing else of passwords,
    so a pack marks what it decides here ``chosen``.
    """

    # Where the counter stands: the kinds of outlet that take the service.
    outlet_kinds: tuple[CounterOutletKind, ...] = Field(min_length=1)
    # The card's verification status: a card in force, not cancelled, replaced or expired.
    card_statuses: tuple[ServiceCardStatus, ...] = Field(min_length=1)
    # Someone else than the holder, with the holder's ID and their own (委托代办).
    proxy: bool
    # A minor's guardian (the registry's), with the child's ID number and their own ID.
    guardian_for_minor: bool
    # Under this age on the day, the holder is a minor.
    minor_under_age: int = Field(default=18, ge=1, le=25)
    # The text telling the holder, and the directory hotline it names (None: the first).
    template: str
    hotline: str | None = None


class Outreach(Sourced):
    """Reminder rounds (issue 14): how often one person may be reminded in a campaign, how far
    apart, with which template, and how fast a round releases its texts (the throttle).

    The notices set none of this: a pack marks its values ``chosen``."""

    template: str
    max_reminders: int = Field(ge=1, le=20)
    min_days_between: int = Field(ge=0, le=366)
    messages_per_minute: int = Field(ge=1, le=100_000)


NetworkKind = Literal["community_centre", "bank_outlet", "hospital", "pharmacy"]


class NetworkFigure(Sourced):
    """How large the notice says a part of the service network is (SH-03: 300+ community
    centres, 3000+ bank outlets, 400+ hospitals, 800+ pharmacies): a floor ("300多家"), in the
    notice's own words (``quote``), which must hold the number."""

    kind: NetworkKind
    at_least: int = Field(gt=0)
    quote: str = Field(min_length=4)
    title_zh: str
    title_en: str

    @_model_validator(mode="after")
    def _quoted(self) -> Any:
        if str(self.at_least) not in self.quote:
            raise refuse(
                "pack_schema_invalid",
                f"引文中没有数字 {self.at_least}：请引用通知中给出该数字的原话。",
                f"The quote does not hold the number {self.at_least}: quote the notice's words "
                "that give it.",
                "quote",
            )
        if self.clause is None:
            raise refuse(
                "pack_source_missing",
                "网络规模必须注明通知条款（clause）。",
                "A network figure must name the notice's clause.",
                "clause",
            )
        return self


class Figure(Sourced):
    """A figure the notice reports (SH-02: how many cards by a date)."""

    id: str
    as_of: date
    value: int = Field(ge=0)
    unit: Literal["applications", "cards"]
    title_zh: str
    title_en: str


# --------------------------------------------------------------------------------------------
# Groups, rules, phases
# --------------------------------------------------------------------------------------------


def _predicate(raw: Any) -> Predicate:
    try:
        return parse_predicate(raw)
    except PackError as exc:
        raise refuse(
            exc.code,
            exc.message_zh,
            exc.message_en,
            exc.path or "",
            **{k: v for k, v in exc.details.items() if k != "path"},
        ) from None


class Group(Sourced):
    """A group of persons (or employers) the notice names, as a predicate over registry facts:
    the pilot targets (BJ-03), who is eligible (SH-05), the later waves (BJ-14)."""

    id: str
    title_zh: str
    title_en: str
    subject: Literal["person", "employer"] = "person"
    predicate: Annotated[
        Predicate,
        PlainValidator(_predicate),
        PlainSerializer(predicate_data, return_type=dict[str, Any]),
        WithJsonSchema({"type": "object", "description": "all / any / not / fact-op-values"}),
    ]

    @_model_validator(mode="after")
    def _employer_facts_only(self) -> Any:
        if self.subject == "employer":
            for cond in conditions(self.predicate):
                if cond.fact != "employer_district":
                    raise refuse(
                        "pack_predicate_invalid",
                        f"单位人群只能以参保区县（employer_district）为条件，不能用“{cond.fact}”。",
                        f"An employer group can only test employer_district, not “{cond.fact}”.",
                        "predicate",
                    )
        return self


def _expand_any(value: Any, everything: tuple[str, ...]) -> Any:
    return list(everything) if value == "any" else value


class BankChoice(Sourced):
    """Who chooses the card's bank, and how (SH-07, SH-08, SH-09, BJ-04)."""

    choice: BankChoiceRule


class Rule(Sourced):
    """One answer of the notice: for these groups, actions and channels — allow, deny or
    redirect. Rules are tried in order; the first that matches decides."""

    id: str
    title_zh: str
    title_en: str
    effect: Effect
    groups: tuple[str, ...] = Field(min_length=1)
    actions: tuple[Action, ...] = Field(min_length=1)
    channels: tuple[Channel, ...] = Field(min_length=1)
    generation: int | None = None
    pickup: tuple[str, ...] = ()
    bank: BankChoice | None = None
    banks: tuple[str, ...] | None = None  # the banks on offer; default: every bank of the pack
    due: str | None = None
    reason: str | None = None
    message_zh: str | None = None
    message_en: str | None = None
    redirect_to: Channel | None = None

    @field_validator("actions", mode="before")
    @classmethod
    def _any_action(cls, value: Any) -> Any:
        return _expand_any(value, ACTIONS)

    @field_validator("channels", mode="before")
    @classmethod
    def _any_channel(cls, value: Any) -> Any:
        return _expand_any(value, CHANNELS)

    @_model_validator(mode="after")
    def _consistent(self) -> Any:
        if self.reason is not None and (
            not _REASON_RE.fullmatch(self.reason) or self.reason in ENGINE_REASONS
        ):
            raise refuse(
                "pack_schema_invalid",
                f"原因代码“{self.reason}”须为小写下划线形式，且不能与引擎自身的代码相同。",
                f"The reason code “{self.reason}” must be snake_case and not one of the "
                "engine's own codes.",
                "reason",
            )
        if (self.message_zh is None) != (self.message_en is None):
            raise refuse(
                "pack_schema_invalid",
                "提示语必须中英文都有。",
                "A message needs both Chinese and English.",
                "message_en" if self.message_en is None else "message_zh",
            )
        if self.effect == "allow":
            for name in ("generation", "bank"):
                if getattr(self, name) is None:
                    raise refuse(
                        "pack_schema_invalid",
                        f"允许的规则必须写明 {name}。",
                        f"An allow rule must give {name}.",
                        name,
                    )
            if self.redirect_to is not None:
                raise refuse(
                    "pack_schema_invalid",
                    "只有 redirect 规则可以写 redirect_to。",
                    "Only a redirect rule has redirect_to.",
                    "redirect_to",
                )
        else:
            for name in ("generation", "bank", "banks", "due"):
                if getattr(self, name) is not None:
                    raise refuse(
                        "pack_schema_invalid",
                        f"{self.effect} 规则不提供任何办理内容，不能写 {name}。",
                        f"A {self.effect} rule offers nothing and cannot give {name}.",
                        name,
                    )
            if self.pickup:
                raise refuse(
                    "pack_schema_invalid",
                    f"{self.effect} 规则不能写 pickup。",
                    f"A {self.effect} rule cannot give pickup.",
                    "pickup",
                )
            if self.reason is None or self.message_zh is None:
                raise refuse(
                    "pack_schema_invalid",
                    "拒绝或引导的规则必须写明 reason 和中英文提示语。",
                    "A deny or redirect rule must give a reason and a message in Chinese and "
                    "English.",
                    "reason" if self.reason is None else "message_zh",
                )
            if (self.effect == "redirect") != (self.redirect_to is not None):
                raise refuse(
                    "pack_schema_invalid",
                    "redirect 规则必须（且只有它）写明 redirect_to。",
                    "A redirect rule, and only it, gives redirect_to.",
                    "redirect_to",
                )
        for name in ("message_zh", "message_en"):
            text = getattr(self, name)
            if text is not None:
                verdict = messages.check(text)
                if not verdict.ok:
                    raise refuse(
                        "pack_template_refused",
                        f"提示语未通过反诈检查：{verdict.message_zh}",
                        f"The message fails the anti-fraud check: {verdict.message_en}",
                        name,
                        rule=verdict.rule,
                        fragment=verdict.fragment,
                    )
        return self

    @property
    def reason_code(self) -> str:
        """The reason code the engine answers with when this rule decides."""
        return self.reason or "allowed"


class Phase(Sourced):
    """A window of the campaign (``ends`` included; open-ended without it) and its rules: the
    pilot's dates (BJ-02), the campaign's (SH-01), each group's (SH-07, SH-08, SH-09)."""

    id: str
    title_zh: str
    title_en: str
    starts: date
    ends: date | None = None
    rules: tuple[Rule, ...]

    @_model_validator(mode="after")
    def _window(self) -> Any:
        if self.ends is not None and self.ends < self.starts:
            raise refuse(
                "pack_window_reversed",
                f"阶段“{self.id}”的结束日期{self.ends}早于开始日期{self.starts}。",
                f"The phase “{self.id}” ends ({self.ends}) before it starts ({self.starts}).",
                "ends",
            )
        return self

    def in_force(self, day: date) -> bool:
        """Whether ``day`` is inside the window (both ends included)."""
        return self.starts <= day and (self.ends is None or day <= self.ends)

    def overlaps(self, other: Phase) -> bool:
        """Whether the two windows share a day."""
        return (self.ends is None or other.starts <= self.ends) and (
            other.ends is None or self.starts <= other.ends
        )


# --------------------------------------------------------------------------------------------
# The pack
# --------------------------------------------------------------------------------------------


class Pack(_Model):
    """A notice as data: what the engine needs to answer every question about it."""

    id: str
    title: str
    title_en: str
    city: str
    source: str
    timezone: str
    banks: tuple[Bank, ...] = Field(min_length=1)
    cards: tuple[Card, ...] = Field(min_length=1)
    validity: tuple[Validity, ...] = ()
    transition: Transition
    groups: Mapping[str, Group]
    phases: tuple[Phase, ...] = Field(min_length=1)
    pickup_methods: Mapping[str, PickupMethod]
    due_rules: Mapping[str, DueRule]
    fees: Fees
    loss: Loss
    same_visit: SameVisit = DEFAULT_SAME_VISIT
    electronic_card: ElectronicCard | None = None
    photo_sources: tuple[PhotoSource, ...] = ()
    contacts: tuple[Contact, ...] = ()
    templates: Mapping[str, Template] = Field(default_factory=dict)
    figures: tuple[Figure, ...] = ()
    network: tuple[NetworkFigure, ...] = ()
    outreach: Outreach | None = None
    password_reset: PasswordReset | None = None
    renewal: Renewal | None = None
    # Set by the loader, never written in the YAML.
    content_hash: str = ""
    source_text: str = ""

    @_model_validator(mode="before")
    @classmethod
    def _prepare(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        data = dict(data)
        for key in ("groups", "pickup_methods", "due_rules", "templates"):
            if key in data:
                try:
                    data[key] = _ids_from_keys(data[key])
                except PydanticCustomError as exc:
                    ctx = dict(exc.context or {})
                    ctx["path"] = _join(key, "") + str(ctx.get("path", ""))
                    raise PydanticCustomError(exc.type, exc.message_template, ctx) from None
        if isinstance(data.get("groups"), Mapping):
            data["groups"] = _resolve_group_refs(data["groups"])
        return data

    @field_validator("id", mode="after")
    @classmethod
    def _pack_id(cls, value: str) -> str:
        if not _ID_RE.fullmatch(value):
            raise refuse(
                "pack_schema_invalid",
                f"政策包标识“{value}”须为小写字母、数字和连字符。",
                f"The pack id “{value}” must be lower-case letters, digits and hyphens.",
            )
        return value

    @field_validator("city", mode="after")
    @classmethod
    def _city_code(cls, value: str) -> str:
        if not (len(value) == 6 and value.endswith("00") and regions.is_known(value)):
            raise refuse(
                "pack_district_unknown",
                f"城市代码“{value}”不是一个存在的地级以上区划代码。",
                f"The city code “{value}” is not an existing city-level division code.",
            )
        return value

    @field_validator("timezone", mode="after")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ValueError, LookupError, OSError):
            raise refuse(
                "pack_schema_invalid",
                f"未知的时区“{value}”。",
                f"Unknown time zone “{value}”.",
            ) from None
        return value

    @_model_validator(mode="after")
    def _cross_references(self) -> Any:
        _check_ids(self)
        _check_references(self)
        _check_city(self)
        _check_same_visit(self)
        _check_network_and_contacts(self)
        _check_password_reset(self)
        _check_renewal(self)
        _check_phase_conflicts(self)
        return self

    def __hash__(self) -> int:
        # Equal packs have equal text, so the id and the hash of the text identify one.
        return hash((self.id, self.content_hash))

    # -- questions ---------------------------------------------------------------------------

    @property
    def bank_codes(self) -> tuple[str, ...]:
        """The partner banks' codes, in the pack's order."""
        return tuple(b.code for b in self.banks)

    def phases_on(self, day: date) -> tuple[Phase, ...]:
        """The phases in force on ``day``, in the pack's order."""
        return tuple(p for p in self.phases if p.in_force(day))

    def phase(self, phase_id: str) -> Phase:
        """The phase with this id (:class:`PackError` ``pack_phase_unknown`` if none)."""
        for p in self.phases:
            if p.id == phase_id:
                return p
        raise PackError(
            "pack_phase_unknown",
            f"政策包{self.id}中没有阶段“{phase_id}”。",
            f"The pack {self.id} has no phase “{phase_id}”.",
            {"phase": phase_id},
        )

    def group(self, group_id: str) -> Group:
        """The group with this id (:class:`PackError` ``pack_group_unknown`` if none)."""
        group = self.groups.get(group_id)
        if group is None:
            raise PackError(
                "pack_group_unknown",
                f"政策包{self.id}中没有人群“{group_id}”。",
                f"The pack {self.id} has no group “{group_id}”.",
                {"group": group_id},
            )
        return group

    def rule(self, rule_id: str) -> tuple[Phase, Rule]:
        """The rule with this id and its phase (``pack_rule_unknown`` if none)."""
        for p in self.phases:
            for r in p.rules:
                if r.id == rule_id:
                    return p, r
        raise PackError(
            "pack_rule_unknown",
            f"政策包{self.id}中没有规则“{rule_id}”。",
            f"The pack {self.id} has no rule “{rule_id}”.",
            {"rule": rule_id},
        )

    def card(self, generation: int) -> Card | None:
        """The card of a generation, if the pack issues it."""
        return next((c for c in self.cards if c.generation == generation), None)

    def validity_of(self, generation: int) -> Validity | None:
        """The validity rule of a card generation, if the pack gives one."""
        return next((v for v in self.validity if v.generation == generation), None)

    def validity_years(self, generation: int, *, age: int | None = None) -> int | None:
        """How many years a card of ``generation`` issued to a holder ``age`` years old is
        valid, if the pack says (age unknown: the ordinary term, the oldest band's)."""
        found = self.validity_of(generation)
        return found.years_at(age) if found is not None else None

    @property
    def window(self) -> tuple[date, date | None]:
        """The first day of the first phase and the last day of the last (None: open)."""
        starts = min(p.starts for p in self.phases)
        ends = (
            None
            if any(p.ends is None for p in self.phases)
            else max(p.ends for p in self.phases if p.ends is not None)
        )
        return starts, ends


# --------------------------------------------------------------------------------------------
# Whole-pack checks
# --------------------------------------------------------------------------------------------


def _resolve_group_refs(groups: Mapping[Any, Any]) -> dict[Any, Any]:
    """Inline ``{group: other}`` references, refusing unknown groups and cycles."""
    resolved: dict[str, Any] = {}

    def expand(node: Any, path: str, stack: tuple[str, ...]) -> Any:
        if isinstance(node, Mapping):
            if set(node) == {"group"}:
                target = node["group"]
                body = groups.get(target) if isinstance(target, str) else None
                if not isinstance(body, Mapping) or "predicate" not in body:
                    raise refuse(
                        "pack_group_unknown",
                        f"引用了不存在的人群“{target}”。",
                        f"The group “{target}” referenced here does not exist.",
                        _join(path, "group"),
                        group=str(target),
                    )
                if target in stack:
                    raise refuse(
                        "pack_group_cycle",
                        f"人群相互引用成环：{' → '.join((*stack, target))}。",
                        f"Groups refer to each other in a cycle: {' -> '.join((*stack, target))}.",
                        _join(path, "group"),
                    )
                return expand(body["predicate"], path, (*stack, target))
            return {k: expand(v, _join(path, str(k)), stack) for k, v in node.items()}
        if isinstance(node, list):
            return [expand(v, _join(path, i), stack) for i, v in enumerate(node)]
        return node

    out: dict[Any, Any] = {}
    for key, body in groups.items():
        if isinstance(body, Mapping) and "predicate" in body and isinstance(key, str):
            if key not in resolved:
                resolved[key] = expand(
                    body["predicate"], _join(_join("groups", key), "predicate"), (key,)
                )
            out[key] = {**body, "predicate": resolved[key]}
        else:
            out[key] = body
    return out


def _duplicates(values: Iterable[Any]) -> Any:
    seen: set[Any] = set()
    for i, value in enumerate(values):
        if value in seen:
            return i, value
        seen.add(value)
    return None


def _check_ids(pack: Pack) -> None:
    checks: list[tuple[str, str, list[Any]]] = [
        ("banks", "code", [b.code for b in pack.banks]),
        ("cards", "generation", [c.generation for c in pack.cards]),
        ("validity", "generation", [v.generation for v in pack.validity]),
        ("phases", "id", [p.id for p in pack.phases]),
        ("photo_sources", "id", [s.id for s in pack.photo_sources]),
        ("figures", "id", [f.id for f in pack.figures]),
        ("fees.items", "id", [f.id for f in pack.fees.items]),
    ]
    for where, field, values in checks:
        dup = _duplicates(values)
        if dup is not None:
            i, value = dup
            raise refuse(
                "pack_duplicate_id",
                f"{where}中“{value}”出现了两次。",
                f"“{value}” appears twice in {where}.",
                f"{where}[{i}].{field}",
            )
    rule_ids: set[str] = set()
    for pi, phase in enumerate(pack.phases):
        for ri, rule in enumerate(phase.rules):
            if rule.id in rule_ids:
                raise refuse(
                    "pack_duplicate_id",
                    f"规则标识“{rule.id}”出现了两次（规则标识在整个政策包内唯一）。",
                    f"The rule id “{rule.id}” appears twice (rule ids are unique in a pack).",
                    f"phases[{pi}].rules[{ri}].id",
                )
            rule_ids.add(rule.id)
    for where, ids in (
        ("phases", [p.id for p in pack.phases]),
        ("rules", sorted(rule_ids)),
        ("groups", list(pack.groups)),
        ("pickup_methods", list(pack.pickup_methods)),
        ("due_rules", list(pack.due_rules)),
        ("templates", list(pack.templates)),
    ):
        for value in ids:
            if not _ID_RE.fullmatch(value):
                raise refuse(
                    "pack_schema_invalid",
                    f"{where}中的标识“{value}”须为小写字母、数字、连字符或下划线。",
                    f"The id “{value}” in {where} must be lower-case letters, digits, "
                    "hyphens or underscores.",
                    where,
                )


def _unknown(code: str, what_zh: str, what_en: str, value: str, path: str) -> PydanticCustomError:
    return refuse(
        code,
        f"{what_zh}“{value}”不在本政策包中。",
        f"The {what_en} “{value}” is not in this pack.",
        path,
        value=value,
    )


def _check_references(pack: Pack) -> None:
    banks = set(pack.bank_codes)
    generations = {c.generation for c in pack.cards}
    for pi, phase in enumerate(pack.phases):
        for ri, rule in enumerate(phase.rules):
            at = f"phases[{pi}].rules[{ri}]"
            for gi, group in enumerate(rule.groups):
                if group not in pack.groups:
                    raise _unknown(
                        "pack_group_unknown", "人群", "group", group, f"{at}.groups[{gi}]"
                    )
            for ki, pickup in enumerate(rule.pickup):
                if pickup not in pack.pickup_methods:
                    raise _unknown(
                        "pack_pickup_unknown",
                        "领卡方式",
                        "pickup method",
                        pickup,
                        f"{at}.pickup[{ki}]",
                    )
            for bi, bank in enumerate(rule.banks or ()):
                if bank not in banks:
                    raise _unknown("pack_bank_unknown", "银行", "bank", bank, f"{at}.banks[{bi}]")
            if rule.due is not None and rule.due not in pack.due_rules:
                raise _unknown(
                    "pack_due_rule_unknown", "时限规则", "due rule", rule.due, f"{at}.due"
                )
            if rule.generation is not None and rule.generation not in generations:
                raise _unknown(
                    "pack_generation_unknown",
                    "卡代际",
                    "card generation",
                    str(rule.generation),
                    f"{at}.generation",
                )
    for key, method in pack.pickup_methods.items():
        at = f"pickup_methods.{key}"
        if method.made_within is not None and method.made_within not in pack.due_rules:
            raise _unknown(
                "pack_due_rule_unknown",
                "时限规则",
                "due rule",
                method.made_within,
                f"{at}.made_within",
            )
        if method.notify is not None and method.notify not in pack.templates:
            raise _unknown(
                "pack_template_unknown",
                "短信模板",
                "message template",
                method.notify,
                f"{at}.notify",
            )
    if pack.outreach is not None and pack.outreach.template not in pack.templates:
        raise _unknown(
            "pack_template_unknown",
            "短信模板",
            "message template",
            pack.outreach.template,
            "outreach.template",
        )
    for vi, validity in enumerate(pack.validity):
        if validity.generation not in generations:
            raise _unknown(
                "pack_generation_unknown",
                "卡代际",
                "card generation",
                str(validity.generation),
                f"validity[{vi}].generation",
            )
    for si, source in enumerate(pack.photo_sources):
        for gi, group in enumerate(source.groups):
            if group not in pack.groups:
                raise _unknown(
                    "pack_group_unknown",
                    "人群",
                    "group",
                    group,
                    f"photo_sources[{si}].groups[{gi}]",
                )


def _check_renewal(pack: Pack) -> None:
    """The renewal's text is one of the pack's templates."""
    terms = pack.renewal
    if terms is not None and terms.template not in pack.templates:
        raise _unknown(
            "pack_template_unknown",
            "短信模板",
            "message template",
            terms.template,
            "renewal.template",
        )


def _check_password_reset(pack: Pack) -> None:
    """The password reset's text is one of the pack's templates, and its hotline one of the
    directory's hotlines."""
    terms = pack.password_reset
    if terms is None:
        return
    if terms.template not in pack.templates:
        raise _unknown(
            "pack_template_unknown",
            "短信模板",
            "message template",
            terms.template,
            "password_reset.template",
        )
    hotlines = {c.phone for c in pack.contacts if c.kind == "hotline" and c.phone}
    if terms.hotline is not None and terms.hotline not in hotlines:
        raise _unknown(
            "pack_contact_unknown", "热线", "hotline", terms.hotline, "password_reset.hotline"
        )


def _check_city(pack: Pack) -> None:
    """An employer's insured district is a district of the pack's city."""
    province = pack.city[:2]
    for key, group in pack.groups.items():
        for where, cond in conditions_at(group.predicate, f"groups.{key}.predicate"):
            if cond.fact != "employer_district":
                continue
            for i, value in enumerate(cond.values):
                if not str(value).startswith(province):
                    raise refuse(
                        "pack_district_unknown",
                        f"单位参保区县“{value}”不是本市（{pack.city}）的区县。",
                        f"The employer district “{value}” is not a district of this city "
                        f"({pack.city}).",
                        f"{where}.values[{i}]",
                        value=str(value),
                    )


def _check_same_visit(pack: Pack) -> None:
    """A rule whose card is due in the same visit is offered on same-visit channels only (BJ-11,
    SH-12): the engine and the counters read the pack's list, so the two cannot disagree."""
    for pi, phase in enumerate(pack.phases):
        for ri, rule in enumerate(phase.rules):
            spec = pack.due_rules.get(rule.due) if rule.due is not None else None
            if spec is None or not spec.same_visit:
                continue
            for ci, channel in enumerate(rule.channels):
                if channel not in pack.same_visit.channels:
                    raise refuse(
                        "pack_schema_invalid",
                        f"规则“{rule.id}”当场制卡（{rule.due}），但渠道“{channel}”不在 "
                        "same_visit.channels 之中。",
                        f"The rule “{rule.id}” makes the card in the visit ({rule.due}), but the "
                        f"channel “{channel}” is not one of same_visit.channels.",
                        f"phases[{pi}].rules[{ri}].channels[{ci}]",
                        value=channel,
                    )


def _outcome(rule: Rule) -> tuple[Any, ...]:
    return (
        rule.effect,
        rule.reason_code,
        rule.generation,
        rule.redirect_to,
        rule.due,
        frozenset(rule.pickup),
        rule.bank.choice if rule.bank else None,
        frozenset(rule.banks) if rule.banks is not None else None,
    )


def _check_phase_conflicts(pack: Pack) -> None:
    """Two phases in force on the same day must not answer one question differently.

    Inside a phase, order decides (a deny rule before an allow rule is how a notice's
    prohibition is written). Across phases, the order of the file would decide silently; so a
    pair of rules of overlapping phases that can match the same request — a common action and
    channel, and groups some person (or employer) can belong to at once — must agree.
    """
    phases = pack.phases
    for i, first in enumerate(phases):
        for j in range(i + 1, len(phases)):
            second = phases[j]
            if not first.overlaps(second):
                continue
            for ri, r1 in enumerate(first.rules):
                for rj, r2 in enumerate(second.rules):
                    if not set(r1.actions) & set(r2.actions):
                        continue
                    if not set(r1.channels) & set(r2.channels):
                        continue
                    if _outcome(r1) == _outcome(r2):
                        continue
                    if _groups_meet(pack, r1, r2):
                        raise refuse(
                            "pack_phases_conflict",
                            f"阶段“{first.id}”与“{second.id}”时间重叠，其规则“{r1.id}”与"
                            f"“{r2.id}”对同一申请给出不同的答复。",
                            f"The phases “{first.id}” and “{second.id}” overlap, and their "
                            f"rules “{r1.id}” and “{r2.id}” answer the same request "
                            "differently.",
                            f"phases[{j}].rules[{rj}]",
                            other=f"phases[{i}].rules[{ri}]",
                        )


def _groups_meet(pack: Pack, r1: Rule, r2: Rule) -> bool:
    for g1 in r1.groups:
        for g2 in r2.groups:
            a, b = pack.groups[g1], pack.groups[g2]
            if a.subject != b.subject:
                continue
            if may_overlap(a.predicate, b.predicate, employer=a.subject == "employer"):
                return True
    return False


def _check_network_and_contacts(pack: Pack) -> None:
    """One figure per part of the network; a text names the directory's numbers through
    ``{hotline}`` (the first hotline), never as a literal, and uses it only where there is one."""
    if found := _duplicates(f.kind for f in pack.network):
        index, kind = found
        raise refuse(
            "pack_duplicate_id",
            f"网络规模“{kind}”重复。",
            f"The network figure “{kind}” is given twice.",
            f"network[{index}]",
        )
    phones = [c.phone for c in pack.contacts if c.kind == "hotline" and c.phone]
    for key, template in pack.templates.items():
        for name in ("text_zh", "text_en"):
            text: str = getattr(template, name)
            for phone in phones:
                if phone in text:
                    raise refuse(
                        "pack_template_invalid",
                        f"模板“{key}”直接写了热线号码 {phone}：请写 {{hotline}}，由通讯录填入。",
                        f"The template “{key}” writes the hotline {phone} out: write {{hotline}}"
                        " and let the contact directory fill it in.",
                        f"templates.{key}.{name}",
                    )
        if "hotline" in template.placeholders and not phones:
            raise refuse(
                "pack_template_invalid",
                f"模板“{key}”使用 {{hotline}}，但通讯录中没有热线。",
                f"The template “{key}” uses {{hotline}} but the contact directory has no hotline.",
                f"templates.{key}",
            )


def directory_values(pack: Pack) -> dict[str, str]:
    """The values a message template takes from the pack's contact directory: ``hotline``, the
    first hotline the directory lists (the one for applying and replacing)."""
    for contact in pack.contacts:
        if contact.kind == "hotline" and contact.phone:
            return {"hotline": contact.phone}
    return {}

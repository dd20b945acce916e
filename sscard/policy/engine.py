"""The decision engine: one question, one answer with its reason, for every part of sscard.

``decide(pack, request, facts)`` answers whether a person (or an employer) may do an action
through a channel on a day, and if so with which card generation, pickup methods, banks and due
date. Pages, the API and the bulk paths all ask it, so they all answer alike.

How an answer is found: the phases in force on the day are taken in the pack's order, and in
each the rules in order; the first rule whose actions, channels and groups match decides. A
deny or redirect rule answers with its own reason code and message and the clause it comes
from. No phase in force: ``no_campaign_in_force``; no rule matches: ``no_rule``.

The engine is total: whatever it is given, it answers and never raises. Anything unexpected is
answered ``allowed=False, reason_code="engine_error"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from sscard.kernel.workdays import CalendarCoverageError, WorkCalendar
from sscard.policy.errors import PackError
from sscard.policy.predicates import (
    EmployerFacts,
    PersonFacts,
    evaluate,
    is_constant_true,
)
from sscard.policy.schema import (
    ACTIONS,
    CHANNELS,
    Action,
    Channel,
    Pack,
    Phase,
    Rule,
)

__all__ = [
    "ACTION_NAMES",
    "CHANNEL_NAMES",
    "Action",
    "Channel",
    "Decision",
    "DecisionRequest",
    "counter_channels",
    "decide",
    "due_counts_postage",
    "due_date",
    "eligible_groups",
    "instant_pickup",
    "made_in_the_visit",
    "replacement_channel",
]

ACTION_NAMES: Final[dict[str, tuple[str, str]]] = {
    "first": ("首次申领", "a first application"),
    "migrate": ("换领新卡", "a change to the new card"),
    "replace_lost": ("丢失补领", "a replacement of a lost card"),
    "replace_damaged": ("损坏换领", "a replacement of a damaged card"),
    "collective": ("单位集体申领", "a collective application"),
    "renewal": ("到期换卡", "a renewal of a card that runs out"),
}
CHANNEL_NAMES: Final[dict[str, tuple[str, str]]] = {
    "bank_outlet": ("合作银行网点", "a partner bank outlet"),
    "online": ("网上自助办理", "online self-service"),
    "community_centre": ("社区事务受理中心", "a community acceptance centre"),
    "instant_outlet": ("即时制卡网点", "an instant-issuance outlet"),
    "collective_online": ("单位线上集体申领", "the employer's online collective application"),
    "collective_offline": (
        "单位到合作银行网点集体申领",
        "the employer's collective application at a bank outlet",
    ),
    "enterprise_point": ("银行在单位设立的受理点", "a bank's acceptance point at the employer"),
    "community_stall": ("银行社区设摊", "a bank's stall in a residential community"),
    "home_visit": ("银行上门服务", "a bank's home visit"),
    "parent_online": ("家长网上代办", "a parent's online application for a child"),
}


@dataclass(frozen=True)
class DecisionRequest:
    """The question: this action, through this channel, on this day (with this bank/pickup)."""

    action: Action
    channel: str
    day: date
    bank: str | None = None
    pickup: str | None = None


@dataclass(frozen=True)
class Decision:
    """The answer, with everything needed to explain it and to act on it."""

    allowed: bool
    reason_code: str
    message_zh: str
    message_en: str
    pack_id: str
    pack_hash: str
    phase_id: str | None
    rule_id: str | None
    clause: str | None
    card_generation: int | None
    pickup_methods: tuple[str, ...]
    banks: tuple[str, ...]
    bank_default: str | None
    due_date: date | None
    due_rule: str | None
    redirect_to: str | None

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready dict (dates as ISO strings, tuples as lists)."""
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out


# --------------------------------------------------------------------------------------------
# Due dates
# --------------------------------------------------------------------------------------------


def due_date(
    pack: Pack, rule: str, submitted: date, *, calendar: WorkCalendar | None = None
) -> date | None:
    """The last day to make the card under due rule ``rule`` for an application of ``submitted``.

    Calendar days and working days are counted as the Civil Code says (the start day is not
    counted; a period ending on a rest day ends on the next working day) with the official
    holiday calendar. ``same_visit`` is the day itself; ``no_limit`` is ``None``. Raises
    :class:`PackError` ``pack_due_rule_unknown`` for a rule the pack lacks, and
    :class:`~sscard.kernel.workdays.CalendarCoverageError` for a year the calendar lacks.
    """
    spec = pack.due_rules.get(rule)
    if spec is None:
        raise PackError(
            "pack_due_rule_unknown",
            f"政策包{pack.id}中没有时限规则“{rule}”。",
            f"The pack {pack.id} has no due rule “{rule}”.",
            {"rule": rule},
        )
    if spec.same_visit:  # BJ-11, SH-12: made in the visit
        return submitted
    if spec.no_limit:  # SH-10: made in batches, no time limit
        return None
    cal = calendar or WorkCalendar.default()
    if spec.calendar_days is not None:  # BJ-11: collective applications within 30 days
        return cal.add_calendar_days(submitted, spec.calendar_days)
    assert spec.working_days is not None  # BJ-11: a non-instant branch within 4 working days
    return cal.add_working_days(submitted, spec.working_days)


def due_counts_postage(pack: Pack, *, rule_id: str, pickup: str) -> bool:
    """Whether a card decided under rule ``rule_id`` and collected by ``pickup`` meets its due
    date only when it reaches the holder, rather than when it is made.

    BJ-11's times exclude postage: a due rule with ``excludes: [postage]`` is met by making the
    card. A period without it (calendar or working days) counts the time in the post, for a card
    that is posted (a postal pickup method); any other card is met by making it. False for a
    rule or pickup method the pack lacks.
    """
    method = pack.pickup_methods.get(pickup)
    if method is None or not method.postal:
        return False
    rule = next((r for p in pack.phases for r in p.rules if r.id == rule_id), None)
    spec = pack.due_rules.get(rule.due) if rule is not None and rule.due is not None else None
    if spec is None or spec.no_limit or spec.same_visit:  # no period for the post to count in
        return False
    return "postage" not in spec.excludes  # BJ-11


# --------------------------------------------------------------------------------------------
# The counter: channels made in the visit, the instant pickup, the replacement channel
# --------------------------------------------------------------------------------------------


def made_in_the_visit(pack: Pack, channel: str) -> bool:
    """Whether a card applied for on ``channel`` is made and handed over in the same visit
    (BJ-11: an instant-issuance branch makes it on the spot; SH-12: 即到即补、即补即领)."""
    return channel in pack.same_visit.channels  # BJ-11, SH-12


def counter_channels(
    pack: Pack, offered: Sequence[str], *, instant_issuance: bool
) -> tuple[str, ...]:
    """The channels a counter takes applications on: those its kind of outlet ``offered``,
    less the ones the pack makes in the visit where the outlet cannot make a card on the spot
    (BJ-11, SH-12)."""
    if instant_issuance:
        return tuple(offered)
    return tuple(c for c in offered if not made_in_the_visit(pack, c))  # BJ-11, SH-12


def instant_pickup(pack: Pack) -> str | None:
    """The pickup method of a card made in the visit: the pack's first one handed over on the
    spot (BJ-11, SH-12), or None when the pack has none."""
    return next((m.id for m in pack.pickup_methods.values() if m.handover == "on_the_spot"), None)


def replacement_channel(
    pack: Pack, offered: Sequence[str], *, same_visit: bool = False
) -> str | None:
    """The channel a replacement taken at a counter that offers ``offered`` goes by.

    An instant replacement (``same_visit``) goes by a channel the pack makes in the visit
    (BJ-11, SH-12), a regular one by a channel it does not. Among those, the first the pack's
    replacement channels name (SH-18), else the counter's first (the decision then answers for
    it: SH-06 redirects a bank outlet's replacement to a community centre). None when the
    counter offers no such channel.
    """
    kind = [c for c in offered if made_in_the_visit(pack, c) == same_visit]
    named = [c for c in pack.loss.replacement_channels if c in kind]  # SH-18
    return (named or kind or [None])[0]


# --------------------------------------------------------------------------------------------
# Eligibility
# --------------------------------------------------------------------------------------------


def eligible_groups(pack: Pack, facts: PersonFacts, day: date) -> tuple[str, ...]:
    """The person groups ``facts`` belongs to on ``day`` that a rule in force names."""
    named = {g for phase in pack.phases_on(day) for rule in phase.rules for g in rule.groups}
    return tuple(
        gid
        for gid, group in pack.groups.items()
        if gid in named and group.subject == "person" and evaluate(group.predicate, facts, day)
    )


# --------------------------------------------------------------------------------------------
# decide
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    pack: Pack
    request: DecisionRequest
    day: date
    facts: PersonFacts | EmployerFacts | None


def decide(
    pack: Pack,
    request: DecisionRequest,
    facts: PersonFacts | EmployerFacts | None,
    *,
    calendar: WorkCalendar | None = None,
) -> Decision:
    """Answer ``request`` for ``facts`` (a person, an employer, or nobody in particular).

    Never raises: a malformed request is answered ``request_invalid``, anything unexpected
    ``engine_error``.
    """
    try:
        return _decide(pack, request, facts, calendar)
    except Exception as exc:  # the engine is total: every failure is an answer
        return _engine_error(pack, exc)


def _decide(
    pack: Pack,
    request: DecisionRequest,
    facts: PersonFacts | EmployerFacts | None,
    calendar: WorkCalendar | None,
) -> Decision:
    if not isinstance(pack, Pack):
        return _engine_error(pack, TypeError("not a policy pack"))
    problem = _request_problem(request, facts)
    if problem is not None:
        return _answer(
            pack,
            allowed=False,
            reason="request_invalid",
            zh=f"申请信息不完整或有误：{problem[0]}",
            en=f"The request is malformed: {problem[1]}",
        )
    day = _local_day(request.day, pack.timezone)
    ctx = _Context(pack, request, day, facts)
    phases = pack.phases_on(day)
    if not phases:  # BJ-02, SH-01: outside the pilot's or the campaign's window
        return _answer(
            pack,
            allowed=False,
            reason="no_campaign_in_force",
            zh=f"{day.isoformat()}没有正在实施的换发工作（{pack.title}）。",
            en=f"There is no campaign in force on {day.isoformat()} ({pack.title_en}).",
        )
    needs_facts = False
    # BJ-14: the later phases are rules of their own; first matching rule of the first phase
    # in force decides (a deny before an allow is how a prohibition is written, BJ-05).
    for phase in phases:
        for rule in phase.rules:
            if request.action not in rule.actions or request.channel not in rule.channels:
                continue
            match = _groups_match(pack, rule, facts, day)
            if match is None:
                needs_facts = True
            elif match:
                return _apply(ctx, phase, rule, calendar)
    action_zh, action_en = ACTION_NAMES[request.action]
    channel_zh, channel_en = CHANNEL_NAMES[request.channel]
    if needs_facts:
        return _answer(
            pack,
            allowed=False,
            reason="facts_required",
            zh=f"需要申请人或单位的信息，才能判断能否通过{channel_zh}办理{action_zh}。",
            en=f"Whether {action_en} through {channel_en} is allowed depends on who applies; "
            "give the person's or the employer's facts.",
        )
    titles_zh = "、".join(p.title_zh for p in phases)
    titles_en = "; ".join(p.title_en for p in phases)
    return _answer(
        pack,
        allowed=False,
        reason="no_rule",
        zh=f"{day.isoformat()}正在实施的阶段（{titles_zh}）中，没有允许通过{channel_zh}办理"
        f"{action_zh}的规定。",
        en=f"No rule of the phases in force on {day.isoformat()} ({titles_en}) allows "
        f"{action_en} through {channel_en} for this applicant.",
    )


def _groups_match(
    pack: Pack, rule: Rule, facts: PersonFacts | EmployerFacts | None, day: date
) -> bool | None:
    """True/False; None when the answer depends on facts that were not given."""
    if facts is None:
        if any(is_constant_true(pack.groups[g].predicate) for g in rule.groups):
            return True
        return None
    # BJ-03 (the employer's insured district, the person's category), SH-05 (hukou or insured)
    subject = "employer" if isinstance(facts, EmployerFacts) else "person"
    return any(
        pack.groups[g].subject == subject and evaluate(pack.groups[g].predicate, facts, day)
        for g in rule.groups
    )


def _apply(ctx: _Context, phase: Phase, rule: Rule, calendar: WorkCalendar | None) -> Decision:
    pack, request = ctx.pack, ctx.request
    where: dict[str, Any] = {"phase_id": phase.id, "rule_id": rule.id, "clause": rule.clause}
    if rule.effect != "allow":  # BJ-05 deny; SH-06 redirect (to a community centre)
        assert rule.message_zh is not None
        assert rule.message_en is not None
        return _answer(
            pack,
            allowed=False,
            reason=rule.reason_code,
            zh=rule.message_zh,
            en=rule.message_en,
            redirect_to=rule.redirect_to,
            **where,
        )
    banks, bank_default = _banks(pack, rule, ctx.facts)
    offer: dict[str, Any] = {
        "card_generation": rule.generation,
        "pickup_methods": rule.pickup,
        "banks": banks,
        "bank_default": bank_default,
    }
    if request.bank is not None and request.bank not in banks:  # BJ-09, SH-03: partners only
        # a person reads banks' names, never their codes
        asked, offered = _bank_names(pack, (request.bank,)), _bank_names(pack, banks)
        return _answer(
            pack,
            allowed=False,
            reason="bank_not_partner",
            zh=f"银行“{asked[0]}”不在本次可选的合作银行之中（可选：{offered[0]}）。",
            en=f"The bank “{asked[1]}” is not among the partner banks on offer here "
            f"({offered[1]}).",
            **where,
            **offer,
        )
    if request.pickup is not None and request.pickup not in rule.pickup:  # BJ-08: the three
        asked = _pickup_titles(pack, (request.pickup,))
        offered = _pickup_titles(pack, rule.pickup)
        return _answer(
            pack,
            allowed=False,
            reason="pickup_not_offered",
            zh=f"不能选择领卡方式“{asked[0] or request.pickup}”（可选：{offered[0] or '无'}）。",
            en=f"The pickup method “{asked[1] or request.pickup}” is not offered here "
            f"(offered: {offered[1] or 'none'}).",
            **where,
            **offer,
        )
    reason = rule.reason_code
    due: date | None = None
    due_zh = due_en = ""
    if rule.due is not None:  # BJ-11
        try:
            due = due_date(pack, rule.due, ctx.day, calendar=calendar)
        except CalendarCoverageError as exc:
            reason = "calendar_not_covered"
            due_zh = f"暂无法计算制卡期限：{exc.message_zh}"
            due_en = f"The due date cannot be computed yet: {exc.message_en}"
        else:
            due_zh, due_en = _due_text(pack, rule.due, due)
    zh, en = _allowed_text(pack, rule, request)
    return _answer(
        pack,
        allowed=True,
        reason=reason,
        zh=zh + due_zh,
        en=en + (" " + due_en if due_en else ""),
        due_date=due,
        due_rule=rule.due,
        **where,
        **offer,
    )


def _banks(
    pack: Pack, rule: Rule, facts: PersonFacts | EmployerFacts | None
) -> tuple[tuple[str, ...], str | None]:
    """The banks on offer and the default one, by the rule's bank choice."""
    base = rule.banks if rule.banks is not None else pack.bank_codes
    # applicant_picks, parent_picks (SH-09), employer_picks (BJ-04), issuing_bank: the bank
    # named in the request, among ``base``
    choice = rule.bank.choice if rule.bank is not None else "applicant_picks"
    if choice == "pension_bank_if_partner":  # SH-07
        pension = facts.pension_bank if isinstance(facts, PersonFacts) else ""
        return base, pension if pension in base else None
    if choice == "payroll_bank_if_partner":  # SH-08
        payroll: Sequence[str] = facts.payroll_banks if facts is not None else ()
        partners = tuple(b for b in base if b in payroll)
        if not partners:
            return base, None
        return partners, partners[0] if len(partners) == 1 else None
    return base, None


def _bank_names(pack: Pack, codes: Sequence[str]) -> tuple[str, str]:
    """The banks' names in both languages (a code the pack does not name stays a code)."""
    named = {b.code: b for b in pack.banks}
    return (
        "、".join(named[c].name_zh if c in named else c for c in codes),
        ", ".join(named[c].name_en if c in named else c for c in codes),
    )


def _pickup_titles(pack: Pack, ids: Sequence[str]) -> tuple[str, str]:
    methods = [pack.pickup_methods[i] for i in ids if i in pack.pickup_methods]
    return "、".join(m.title_zh for m in methods), ", ".join(m.title_en for m in methods)


def _allowed_text(pack: Pack, rule: Rule, request: DecisionRequest) -> tuple[str, str]:
    if rule.message_zh is not None and rule.message_en is not None:
        return rule.message_zh, rule.message_en
    action_zh, action_en = ACTION_NAMES[request.action]
    channel_zh, channel_en = CHANNEL_NAMES[request.channel]
    card = pack.card(rule.generation or 0)
    card_zh = card.title_zh if card else f"第{rule.generation}代社会保障卡"
    card_en = card.title_en if card else f"generation {rule.generation} card"
    return (
        f"可以办理{action_zh}（渠道：{channel_zh}），制发{card_zh}。依据：{rule.title_zh}。",
        f"{action_en[0].upper()}{action_en[1:]} through {channel_en} is allowed; the card "
        f"issued is the {card_en}. Rule: {rule.title_en}.",
    )


def _due_text(pack: Pack, rule_id: str, due: date | None) -> tuple[str, str]:
    spec = pack.due_rules[rule_id]
    if spec.same_visit:  # BJ-11, SH-12
        return "当场制卡、当场领取。", "The card is made and handed over in the same visit."
    if due is None:
        return "", ""
    postage = "postage" in spec.excludes  # BJ-11: times exclude postage
    return (
        f"制卡期限：{due.isoformat()}前完成{'（不含邮寄在途时间）' if postage else ''}。",
        f"The card is to be made by {due.isoformat()}"
        f"{' (time in the post excluded)' if postage else ''}.",
    )


def _answer(
    pack: Pack,
    *,
    allowed: bool,
    reason: str,
    zh: str,
    en: str,
    phase_id: str | None = None,
    rule_id: str | None = None,
    clause: str | None = None,
    card_generation: int | None = None,
    pickup_methods: tuple[str, ...] = (),
    banks: tuple[str, ...] = (),
    bank_default: str | None = None,
    due_date: date | None = None,
    due_rule: str | None = None,
    redirect_to: str | None = None,
) -> Decision:
    return Decision(
        allowed=allowed,
        reason_code=reason,
        message_zh=zh,
        message_en=en,
        pack_id=pack.id,
        pack_hash=pack.content_hash,
        phase_id=phase_id,
        rule_id=rule_id,
        clause=clause,
        card_generation=card_generation,
        pickup_methods=tuple(pickup_methods),
        banks=tuple(banks),
        bank_default=bank_default,
        due_date=due_date,
        due_rule=due_rule,
        redirect_to=redirect_to,
    )


def _engine_error(pack: object, exc: BaseException) -> Decision:
    pack_id = getattr(pack, "id", "")
    pack_hash = getattr(pack, "content_hash", "")
    return Decision(
        allowed=False,
        reason_code="engine_error",
        message_zh="系统暂时无法判断，请稍后再试或联系经办机构。",
        message_en="The system cannot decide this request right now; try again later or ask "
        f"the office ({type(exc).__name__}).",
        pack_id=pack_id if isinstance(pack_id, str) else "",
        pack_hash=pack_hash if isinstance(pack_hash, str) else "",
        phase_id=None,
        rule_id=None,
        clause=None,
        card_generation=None,
        pickup_methods=(),
        banks=(),
        bank_default=None,
        due_date=None,
        due_rule=None,
        redirect_to=None,
    )


# --------------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------------


def _local_day(day: date, tz: str) -> date:
    """The date in the pack's time zone (an aware datetime is converted; a date is kept)."""
    if isinstance(day, datetime):
        if day.tzinfo is not None:
            return day.astimezone(ZoneInfo(tz)).date()
        return day.date()
    return day


def _is_str_tuple(value: object) -> bool:
    return isinstance(value, tuple | list) and all(isinstance(v, str) for v in value)


def _request_problem(request: object, facts: object) -> tuple[str, str] | None:
    if not isinstance(request, DecisionRequest):
        return "不是一个申请。", "it is not a DecisionRequest."
    if request.action not in ACTIONS:
        return (
            f"未知的办理事项“{request.action}”。",
            f"unknown action “{request.action}” (one of {', '.join(ACTIONS)}).",
        )
    if request.channel not in CHANNELS:
        return (
            f"未知的办理渠道“{request.channel}”。",
            f"unknown channel “{request.channel}” (one of {', '.join(CHANNELS)}).",
        )
    if not isinstance(request.day, date):
        return "缺少办理日期。", "the day is not a date."
    if request.bank is not None and not isinstance(request.bank, str):
        return "银行代码无效。", "the bank is not a code."
    if request.pickup is not None and not isinstance(request.pickup, str):
        return "领卡方式无效。", "the pickup method is not an id."
    if facts is None:
        return None
    if isinstance(facts, PersonFacts):
        ok = (
            isinstance(facts.category, str)
            and (facts.employer_district is None or isinstance(facts.employer_district, str))
            and isinstance(facts.hukou_region, str)
            and isinstance(facts.insured_region, str)
            and isinstance(facts.birth_date, date)
            and (facts.school_notified_on is None or isinstance(facts.school_notified_on, date))
            and isinstance(facts.pension_bank, str)
            and _is_str_tuple(facts.payroll_banks)
        )
        return None if ok else ("申请人信息有误。", "the person's facts are malformed.")
    if isinstance(facts, EmployerFacts):
        ok = isinstance(facts.insured_district, str) and _is_str_tuple(facts.payroll_banks)
        return None if ok else ("单位信息有误。", "the employer's facts are malformed.")
    return "申请人信息有误。", "the facts are neither a person's nor an employer's."

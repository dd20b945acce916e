"""What the cards ask of the policy packs: the pack a card was decided under, its pickup
method's activation paths, loss-report terms, and the electronic card rule — and the
predicates every action on a card is decided by.

A rule of a notice is read here from the pack, never written as an ``if`` about a city. Each
``*_refusal`` predicate answers the error its service would raise for this actor, card and
day, or ``None`` when the service would accept: the service raises it under its row lock, and
a page offers the action only when it answers ``None`` (one predicate, so they cannot drift).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from sscard.applications.choices import OPEN_STATUSES, OUTLET_CHANNELS
from sscard.applications.models import Application
from sscard.campaigns.models import Campaign
from sscard.campaigns.selectors import (
    campaign_pack,
    city_of_person,
    decision_for_person,
    pack_in_force_or_none,
)
from sscard.cards.choices import (
    CardStage,
    CardStatus,
    FinancialFunction,
    LossChannel,
    LossKind,
    SocialSecurityFunction,
)
from sscard.cards.errors import CardsErrorCode
from sscard.cards.models import Card, LossReport
from sscard.cards.status import card_status
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError, PermissionDenied
from sscard.network.choices import OutletKind
from sscard.network.models import Bank, Outlet
from sscard.policy import DecisionRequest, Pack, replacement_channel
from sscard.policy.schema import DEFAULT_SAME_VISIT, Loss, PasswordReset, PickupMethod

# Every activation path, for a card that was not issued through an application of a pack
# (a card of the earlier generation taken over from the old system).
ALL_PATHS = ("on_site", "online", "issuing_bank_outlet", "community_centre")

PATH_TITLES: dict[str, tuple[str, str]] = {
    "on_site": ("在领卡网点现场", "on site, where the card was handed over"),
    "online": ("线上由持卡人本人", "online, by the holder"),
    "issuing_bank_outlet": ("发卡银行任一服务网点", "at any outlet of the issuing bank"),
    "community_centre": ("社区事务受理中心", "at a community acceptance centre"),
}


# Packs found by their content hash: the same hash is the same pack, whichever campaign put it
# in force and whenever, so one found is kept for the process (a handful of packs).
_PACKS_FOUND: dict[str, Pack] = {}


def pack_by_hash(pack_hash: str) -> Pack | None:
    """The pack with this content hash, as a campaign put it in force (parsed once, and
    looked up once per process)."""
    if not pack_hash:
        return None
    found = _PACKS_FOUND.get(pack_hash)
    if found is not None:
        return found
    campaign = Campaign.objects.filter(pack_hash=pack_hash).order_by("-pk").first()
    if campaign is None:
        return None
    found = _PACKS_FOUND[pack_hash] = campaign_pack(campaign)
    return found


def packs_by_hash(hashes: Iterable[str]) -> dict[str, Pack]:
    """Many packs by content hash, in one query."""
    wanted = {h for h in hashes if h}
    found: dict[str, Pack] = {}
    for campaign in Campaign.objects.filter(pack_hash__in=wanted).order_by("pk"):
        found[campaign.pack_hash] = campaign_pack(campaign)
    return found


def card_pickup(card: Card) -> PickupMethod | None:
    """The pickup method the card's application chose, as its pack defines it."""
    if card.application is None:
        return None
    pack = pack_by_hash(card.pack_hash)
    if pack is None:
        return None
    return pack.pickup_methods.get(card.application.pickup)


def enable_paths(card: Card) -> tuple[str, ...]:
    """Where the card's social-security function may be enabled (BJ-08, SH-16)."""
    pickup = card_pickup(card)
    return tuple(pickup.enable_ss) if pickup is not None else ALL_PATHS


def financial_paths(card: Card) -> tuple[str, ...]:
    """Where the card's financial function may be activated (BJ-08)."""
    pickup = card_pickup(card)
    return tuple(pickup.activate_financial) if pickup is not None else ALL_PATHS


def financial_enables_ss(card: Card) -> bool:
    """Whether activating the financial function also enables the SS function (the pack's)."""
    pickup = card_pickup(card)
    return bool(pickup is not None and pickup.financial_enables_ss)


def paths_at(outlet: Outlet | None, card: Card) -> set[str]:
    """The activation paths a clerk at ``outlet`` stands on for ``card``."""
    paths: set[str] = set()
    if outlet is None:
        return paths
    if card.handed_over_outlet_id is not None and card.handed_over_outlet_id == outlet.pk:
        paths.add("on_site")
    if outlet.kind == OutletKind.COMMUNITY_CENTRE:
        paths.add("community_centre")
    if outlet.bank is not None and outlet.bank.code == card.bank_code:
        paths.add("issuing_bank_outlet")
    return paths


def paths_text(paths: Iterable[str]) -> tuple[str, str]:
    """The paths in Chinese and in English, for a refusal that says where to go instead."""
    titles = [PATH_TITLES[p] for p in paths if p in PATH_TITLES]
    return "、".join(t[0] for t in titles) or "无", "; ".join(t[1] for t in titles) or "none"


# --------------------------------------------------------------------------------------------
# Predicates: the service's answer for this actor, card and day (None: it would accept)
# --------------------------------------------------------------------------------------------

CLERK_ROLES = frozenset({Role.BANK_CLERK, Role.COMMUNITY_CLERK})
# Counter clerks switch the SS function on at hand-over; the holder may do it online (BJ-08).
ENABLE_ROLES = frozenset({Role.BANK_CLERK, Role.COMMUNITY_CLERK, Role.CARDHOLDER, Role.SYSTEM})
# The holder is among them only to be told that online activation is refused, and where to go.
FINANCIAL_ACTIVATE_ROLES = CLERK_ROLES | {Role.CARDHOLDER, Role.SYSTEM}
FINANCIAL_CLOSE_ROLES = frozenset({Role.BANK_CLERK, Role.SYSTEM})
# chosen: only a card in the holder's hands is enabled (SH-16: "once the new card is collected
# and opened"); a card still at the factory, in the post or at the outlet is refused.
ENABLEABLE_STAGES = frozenset({CardStage.HANDED_OVER})
# Who takes a loss report on each channel: the holder online, a clerk at the counter, and the
# bureau's hotline staff (or its voice system) by phone.
LOSS_CHANNEL_ROLES: dict[str, frozenset[Role]] = {
    LossChannel.ONLINE: frozenset({Role.CARDHOLDER}),
    LossChannel.COUNTER: CLERK_ROLES,
    LossChannel.PHONE: frozenset({Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM}),
}
LOSS_WITHDRAW_ROLES = CLERK_ROLES | {Role.CARDHOLDER, Role.CITY_OFFICER, Role.SYSTEM}
# The engine's action for each reason a card is replaced (补换).
REPLACE_ACTIONS = {"lost": "replace_lost", "damaged": "replace_damaged"}
# A renewal (到期换卡) replaces the card that runs out as a replacement does (``cards.expiry``).
RENEWAL_ACTION = "renewal"
REPLACING_ACTIONS = frozenset({*REPLACE_ACTIONS.values(), RENEWAL_ACTION})
# Statuses a card can be reported lost or replaced in: in force, blocked, or not yet enabled.
REPORTABLE = frozenset(
    {
        CardStatus.VALID,
        CardStatus.NOT_ENABLED,
        CardStatus.BLOCKED_TEMPORARY,
        CardStatus.BLOCKED_FORMAL,
    }
)


def _not_handed_over(card: Card) -> ApplicationError:
    return CardsErrorCode.CARD_NOT_HANDED_OVER.error(stage=card.stage)


def path_refusal(
    actor: Actor, card: Card, allowed: Sequence[str], outlet: Outlet | None, *, what: str
) -> ApplicationError | None:
    """The actor must stand on one of the pack's paths for this card (``what``: ss or
    financial)."""
    if actor.role is Role.SYSTEM:
        return None
    standing = {"online"} if actor.role is Role.CARDHOLDER else paths_at(outlet, card)
    if standing & set(allowed):
        return None
    zh, en = paths_text(allowed)
    code = (
        CardsErrorCode.ENABLE_PATH_NOT_ALLOWED
        if what == "ss"
        else CardsErrorCode.FINANCIAL_ACTIVATION_PATH
    )
    return code.error_with({"paths_zh": zh, "paths_en": en}, allowed=list(allowed))


def enableable_refusal(card: Card, today: date) -> ApplicationError | None:
    """The card's own state must allow enabling: handed over, not enabled yet, not blocked."""
    if card.ss_function != SocialSecurityFunction.NOT_ENABLED:
        return CardsErrorCode.CARD_NOT_ENABLEABLE.error(ss_function=card.ss_function)
    if card.stage not in ENABLEABLE_STAGES:
        return _not_handed_over(card)
    status = card_status(card, today=today)
    if status != CardStatus.NOT_ENABLED:
        return CardsErrorCode.CARD_NOT_ENABLEABLE.error(status_now=str(status))
    return None


def enable_refusal(
    *, actor: Actor, card: Card, outlet: Outlet | None, today: date
) -> ApplicationError | None:
    """Why ``card_enable`` would refuse: role, the card's state, then the pack's path."""
    if actor.role not in ENABLE_ROLES:
        return PermissionDenied("enable cards", "启用社会保障卡")
    return enableable_refusal(card, today) or path_refusal(
        actor, card, enable_paths(card), outlet, what="ss"
    )


def issuing_bank_refusal(
    actor: Actor, card: Card, outlet: Outlet | None
) -> ApplicationError | None:
    """The financial function is the issuing bank's: never online, never at another bank."""
    if actor.role is Role.CARDHOLDER:
        return CardsErrorCode.FINANCIAL_ACTIVATION_ONLINE_REFUSED.error(bank=card.bank_code)
    if actor.role is Role.SYSTEM:
        return None
    bank = outlet.bank.code if outlet is not None and outlet.bank is not None else None
    if bank != card.bank_code:
        # A person reads the bank's name, never its code.
        issuer = Bank.objects.filter(code=card.bank_code).first()
        name_zh, name_en = (
            (issuer.name_zh, issuer.name_en) if issuer else (card.bank_code, card.bank_code)
        )
        return CardsErrorCode.FINANCIAL_ACTIVATION_WRONG_BANK.error_with(
            {"bank_zh": name_zh, "bank_en": name_en}, bank=card.bank_code, here=bank
        )
    return None


def financial_activation_refusal(
    *, actor: Actor, card: Card, outlet: Outlet | None, today: date
) -> ApplicationError | None:
    """Why ``card_activate_financial`` would refuse (BJ-08): role, online or another bank,
    a card not in the holder's hands, the pack's path (a posted card: any outlet of the
    issuing bank), then the function's state."""
    if actor.role not in FINANCIAL_ACTIVATE_ROLES:
        return PermissionDenied("activate the financial function", "激活金融功能")
    refused = issuing_bank_refusal(actor, card, outlet)
    if refused is not None:
        return refused
    if card.stage not in ENABLEABLE_STAGES:
        return _not_handed_over(card)
    refused = path_refusal(actor, card, financial_paths(card), outlet, what="financial")
    if refused is not None:
        return refused
    status = card_status(card, today=today)
    if card.financial_function != FinancialFunction.NOT_ACTIVATED or status not in (
        CardStatus.VALID,
        CardStatus.NOT_ENABLED,
    ):
        return CardsErrorCode.FINANCIAL_NOT_ACTIVATABLE.error(
            financial_function=card.financial_function, status_now=str(status)
        )
    return None


def financial_close_refusal(
    *, actor: Actor, card: Card, outlet: Outlet | None
) -> ApplicationError | None:
    """Why ``card_close_financial`` would refuse: role, another bank, nothing to close."""
    if actor.role not in FINANCIAL_CLOSE_ROLES:
        return PermissionDenied("close the financial function", "注销金融功能")
    refused = issuing_bank_refusal(actor, card, outlet)
    if refused is not None:
        return refused
    if card.financial_function != FinancialFunction.ACTIVATED:
        return CardsErrorCode.FINANCIAL_NOT_ACTIVE.error(financial_function=card.financial_function)
    return None


def loss_channel_refusal(*, actor: Actor, channel: str) -> ApplicationError | None:
    """A channel loss reports are taken on, and an actor who takes them there (SH-18): what
    ``card_report_loss`` checks before it asks the pack."""
    if channel not in LOSS_CHANNEL_ROLES:
        return CardsErrorCode.LOSS_CHANNEL_NOT_OFFERED.error(channel=channel)
    if actor.role not in LOSS_CHANNEL_ROLES[channel]:
        return PermissionDenied("take a loss report on this channel", "受理该方式的挂失")
    return None


def loss_kind(terms: Loss, *, formal: bool) -> LossKind:
    """A formal report, or a temporary one where the pack's terms have a temporary block."""
    if formal or terms.temporary_block_days is None:
        return LossKind.FORMAL
    return LossKind.TEMPORARY


def loss_report_refusal(
    *,
    actor: Actor,
    card: Card,
    channel: str,
    formal: bool,
    terms: Loss,
    standing: LossReport | None,
    today: date,
) -> ApplicationError | None:
    """Why ``card_report_loss`` would refuse (SH-18): the channel and who takes it there, the
    pack's channels, a card in use and in its holder's hands, and no report standing (a
    formal report confirms a temporary one). ``standing`` is the card's standing report."""
    refused = loss_channel_refusal(actor=actor, channel=channel)
    if refused is not None:
        return refused
    if channel not in terms.report_channels:
        return CardsErrorCode.LOSS_CHANNEL_NOT_OFFERED.error(
            channel=channel, offered=list(terms.report_channels)
        )
    if formal and channel not in terms.formal_report_channels:
        return CardsErrorCode.LOSS_FORMAL_NOT_HERE.error(offered=list(terms.formal_report_channels))
    status = card_status(card, today=today)
    if status not in REPORTABLE:
        return CardsErrorCode.CARD_NOT_REPORTABLE.error(status_now=str(status))
    if card.stage not in ENABLEABLE_STAGES:
        # chosen: a card never handed over cannot be lost by its holder; the pages never
        # offered it, and now the service agrees.
        return _not_in_holders_hands(card)
    kind = loss_kind(terms, formal=formal)
    if standing is not None and not (
        standing.kind == LossKind.TEMPORARY and kind == LossKind.FORMAL
    ):
        return CardsErrorCode.LOSS_ALREADY_REPORTED.error(report_id=standing.pk, kind=standing.kind)
    return None


def loss_withdraw_refusal(
    *, actor: Actor, standing: LossReport | None, replacement_applied: bool
) -> ApplicationError | None:
    """Why ``card_loss_withdraw`` would refuse: role, no standing report, or a replacement
    already applied for (SH-18, the packs' ``withdrawable_until: replacement_ordered``),
    whatever its reason: a report confirmed by a replacement for a lost card, or one made
    before a replacement for a damaged card. ``standing`` is the card's standing report,
    ``replacement_applied`` the answer of :func:`replacements_applied` for the card."""
    if actor.role not in LOSS_WITHDRAW_ROLES:
        return PermissionDenied("withdraw a loss report", "撤销挂失")
    if standing is None:
        return CardsErrorCode.LOSS_NOT_REPORTED.error()
    if standing.replacement_id is not None or replacement_applied:
        return CardsErrorCode.LOSS_WITHDRAW_AFTER_REPLACEMENT.error(
            replacement_id=standing.replacement_id
        )
    return None


def replacement_refusal(
    *, actor: Actor, card: Card, today: date, replacement_applied: bool
) -> ApplicationError | None:
    """Why ``card_replacement_apply`` would refuse before asking the engine: role, a card in
    use and in its holder's hands, and no replacement of it applied for already
    (``replacement_applied``: :func:`replacements_applied`). The engine then decides on the
    channel and pickup."""
    if actor.role not in CLERK_ROLES:
        return PermissionDenied("take a replacement application", "受理补换申请")
    status = card_status(card, today=today)
    if status not in REPORTABLE:
        return CardsErrorCode.CARD_NOT_REPLACEABLE.error(status_now=str(status))
    if card.stage not in ENABLEABLE_STAGES:
        return _not_in_holders_hands(card)
    if replacement_applied:
        return CardsErrorCode.REPLACEMENT_ALREADY_APPLIED.error()
    return None


def replacements_applied(cards: Iterable[Card]) -> set[int]:
    """The cards among ``cards`` whose replacement (补换) has been applied for, in one query:
    a card ordered to take its place (``replaced_by``), or — before that card is ordered — an
    open replacement application of its holder while it still holds its holder's place (one
    open application per person, so it can only be this card's)."""
    cards = list(cards)
    applied = {c.pk for c in cards if c.replaced_by_id is not None}
    waiting = {c.person_id for c in cards if c.pk not in applied}
    if waiting:
        persons = set(
            Application.objects.filter(
                person_id__in=waiting,
                status__in=OPEN_STATUSES,
                action__in=sorted(REPLACING_ACTIONS),
            ).values_list("person_id", flat=True)
        )
        applied |= {c.pk for c in cards if c.person_id in persons and _holds_place(c)}
    return applied


def _holds_place(card: Card) -> bool:
    """The card holds its person's place for its generation (``cards.models.CURRENT_CARD``)."""
    return (
        card.replaced_by_id is None
        and card.stage != CardStage.DEFECTIVE
        and card.ss_function
        not in (SocialSecurityFunction.INVALID, SocialSecurityFunction.CANCELLED)
    )


def _not_in_holders_hands(card: Card) -> ApplicationError:
    """A card not yet handed over can be neither reported lost nor replaced."""
    return CardsErrorCode.CARD_NOT_IN_HOLDERS_HANDS.error(stage=card.stage)


def _stands(report: LossReport | None, today: date) -> LossReport | None:
    if report is None:
        return None
    lapsed = (
        report.kind == LossKind.TEMPORARY
        and report.blocked_until is not None
        and report.blocked_until < today
        and report.replacement_id is None
    )
    return None if lapsed else report


def standing_loss_report(card: Card, *, today: date) -> LossReport | None:
    """The card's loss report that still stands on ``today`` (a temporary one lapses)."""
    report = LossReport.objects.filter(card=card, ended_at__isnull=True).order_by("-pk").first()
    return _stands(report, today)


def standing_loss_reports(cards: Iterable[Card], *, today: date) -> dict[int, LossReport]:
    """The standing loss report of each of these cards that has one, in one query."""
    latest: dict[int, LossReport] = {}
    ids = [c.pk for c in cards]
    for report in LossReport.objects.filter(card_id__in=ids, ended_at__isnull=True).order_by("pk"):
        latest[report.card_id] = report
    return {pk: r for pk, r in latest.items() if _stands(r, today) is not None}


def made_in_the_visit_q() -> Q:
    """The applications whose card is made in the visit that took them (BJ-11, SH-12): on a
    channel their own pack makes in the visit, each pack as a campaign put it in force (one
    query). Production does not batch them; a clerk orders their card."""
    found = Q(pk__in=[])
    seen: set[str] = set()
    for campaign in Campaign.objects.order_by("pk"):
        if campaign.pack_hash in seen:
            continue
        seen.add(campaign.pack_hash)
        channels = campaign_pack(campaign).same_visit.channels
        if channels:
            found |= Q(pack_hash=campaign.pack_hash, channel__in=channels)
    return found


def counter_replacement_channel(outlet: Outlet, card: Card, *, same_visit: bool = False) -> str:
    """The channel a replacement of ``card`` taken at ``outlet``'s counter goes by (page, API
    and the instant replacement): the engine chooses it from the pack in force for the holder
    (``policy.replacement_channel``: SH-18, BJ-11, SH-12).

    Where it has none to give — no pack in force, or no such channel at this counter — the
    counter's first channel, or for an instant replacement the pack's first same-visit one:
    the decision (``no_campaign_in_force``) or the channel check then refuses it.
    """
    offered = OUTLET_CHANNELS.get(outlet.kind, ("bank_outlet",))
    in_force = pack_in_force_or_none(city_of_person(card.person))
    if in_force is not None:
        chosen = replacement_channel(in_force.pack, offered, same_visit=same_visit)
        if chosen is not None:
            return chosen
    if not same_visit:
        return offered[0]
    instant = in_force.pack.same_visit.channels if in_force else DEFAULT_SAME_VISIT.channels
    return instant[0] if instant else ""


@dataclass(frozen=True, slots=True)
class ReplacementDefaults:
    """What a counter's replacement goes by when the clerk leaves it to the policy."""

    pickup: str | None
    backup_centre_id: int | None


def counter_replacement_defaults(
    outlet: Outlet, card: Card, *, reason: str, channel: str, day: date
) -> ReplacementDefaults:
    """The pickup method and backup centre of a replacement taken at ``outlet``'s counter when
    the clerk (or the counter system, through the API) names none.

    The pickup is the decision's own where it leaves one; where it offers several (BJ-14's
    staff: at the branch or by post), the first handed over at an outlet, since the holder
    stands at one. A pickup that needs a backup centre for an undeliverable card (SH-13) falls
    back to the card's own application's centre, else this counter when it is a community
    centre. Nothing is decided where the engine refuses: the service then says why. A renewal
    (``reason`` ``renewal``) takes its defaults the same way.
    """
    action = RENEWAL_ACTION if reason == RENEWAL_ACTION else REPLACE_ACTIONS.get(reason)
    in_force = pack_in_force_or_none(city_of_person(card.person))
    if action is None or in_force is None:
        return ReplacementDefaults(None, None)
    request = DecisionRequest(action, channel, day, bank=card.bank_code or None)  # type: ignore[arg-type]
    decision = decision_for_person(person=card.person, request=request)
    if decision is None or not decision.allowed or not decision.pickup_methods:
        return ReplacementDefaults(None, None)
    methods = decision.pickup_methods
    at_outlet = [m for m in methods if _handover(in_force.pack, m) == "outlet"]
    pickup = methods[0] if len(methods) == 1 else (at_outlet or list(methods))[0]
    centre: int | None = None
    if in_force.pickup_needs_backup_centre(pickup):
        previous = card.application
        if previous is not None and previous.backup_centre_id is not None:
            centre = previous.backup_centre_id
        elif outlet.kind == OutletKind.COMMUNITY_CENTRE:
            centre = outlet.pk
    return ReplacementDefaults(pickup, centre)


def _handover(pack: Pack, pickup: str) -> str | None:
    method = pack.pickup_methods.get(pickup)
    return method.handover if method is not None else None


# --------------------------------------------------------------------------------------------
# The service password reset at a counter (社保卡密码重置; the pack's ``password_reset``)
# --------------------------------------------------------------------------------------------

OUTLET_KIND_TITLES: dict[str, tuple[str, str]] = {
    OutletKind.BANK_BRANCH: ("合作银行服务网点", "a partner bank outlet"),
    OutletKind.COMMUNITY_CENTRE: ("社区事务受理中心", "a community acceptance centre"),
    OutletKind.ENTERPRISE_POINT: ("企业受理点", "an enterprise acceptance point"),
    OutletKind.COMMUNITY_STALL: ("社区服务摊点", "a community stall"),
    OutletKind.HOME_VISIT_TEAM: ("上门服务团队", "a home-visit team"),
}
# A card that is no longer this holder's card: cancelled, or void once its replacement was
# enabled. Its own refusal, since looking the holder up again will not help.
PASSWORD_RESET_VOID = frozenset({CardStatus.CANCELLED, CardStatus.REPLACED})
# The names of a field that would carry a secret (a password, a PIN, a PIN block), in a
# request's body or a page's form: refused with ``password_not_accepted``, never read.
_SECRET_TOKENS = frozenset(
    {"password", "passwd", "pwd", "passcode", "pin", "pinblock", "secret", "密码", "口令"}
)
_SECRET_SPLIT = re.compile(r"[^0-9a-z\u4e00-\u9fff]+")


def password_reset_refusal(
    *,
    actor: Actor,
    card: Card,
    outlet: Outlet | None,
    terms: PasswordReset | None,
    today: date,
) -> ApplicationError | None:
    """Why ``card_password_reset_record`` would refuse before it checks the ID presented: a
    clerk, a pack that provides the service, an outlet of a kind it names, a card that is still
    the holder's, in the holder's hands and in a status the pack allows (a card in force)."""
    if actor.role not in CLERK_ROLES:
        return PermissionDenied("reset a card's password", "重置社会保障卡密码")
    if terms is None:
        return CardsErrorCode.PASSWORD_RESET_NOT_OFFERED.error()
    here = outlet.kind if outlet is not None else ""
    if here not in terms.outlet_kinds:
        titles = [OUTLET_KIND_TITLES[k] for k in terms.outlet_kinds if k in OUTLET_KIND_TITLES]
        return CardsErrorCode.PASSWORD_RESET_OUTLET_KIND.error_with(
            {
                "where_zh": "、".join(t[0] for t in titles),
                "where_en": " or ".join(t[1] for t in titles),
            },
            outlet_kind=here,
            offered=list(terms.outlet_kinds),
        )
    status = card_status(card, today=today)
    if status in PASSWORD_RESET_VOID:
        return CardsErrorCode.PASSWORD_RESET_CARD_CANCELLED.error(status_now=str(status))
    if card.stage not in ENABLEABLE_STAGES or status not in terms.card_statuses:
        return CardsErrorCode.PASSWORD_RESET_CARD_STATE.error(
            status_now=str(status), stage=card.stage, allowed=list(terms.card_statuses)
        )
    return None


def secret_fields(names: Iterable[str]) -> list[str]:
    """The field names among ``names`` that would carry a password, a PIN or a PIN block
    (``password``, ``new_pin``, ``pinBlock``, ``密码`` ...)."""
    found = []
    for name in names:
        lowered = re.sub(r"([a-z])([A-Z])", r"\1_\2", str(name)).lower()
        tokens = {t for t in _SECRET_SPLIT.split(lowered) if t}
        joined = lowered.replace("_", "").replace("-", "")
        if tokens & _SECRET_TOKENS or any(w in joined for w in ("password", "pinblock", "密码")):
            found.append(str(name))
    return found


def password_fields_refusal(names: Iterable[str]) -> ApplicationError | None:
    """``password_not_accepted`` when a request carries a field meant for a secret: sscard
    never takes one (the holder keys it on the bank's PIN pad). The refusal names the fields,
    never their values."""
    found = secret_fields(names)
    if found:
        return CardsErrorCode.PASSWORD_NOT_ACCEPTED.error(fields=sorted(found))
    return None


def counter_id_number(raw: str | None) -> str:
    """The ID number a clerk typed or a counter system sent, trimmed and upper-cased;
    ``id_number_required`` when there is none (its form is checked where it is looked up)."""
    value = (raw or "").strip().upper()
    if not value:
        raise CardsErrorCode.ID_NUMBER_REQUIRED.error()
    return value


MASS_ACTION_ROLES = frozenset({Role.CITY_OFFICER, Role.DISTRICT_OFFICER})


def mass_action_refusal(actor: Actor) -> ApplicationError | None:
    """Why ``actor`` may not prepare a mass action on cards (``cards.services.mass``), or
    ``None``: officers only; the page offers the form by this predicate. Which cards they may
    take (their area) is checked against the selection."""
    if actor.role not in MASS_ACTION_ROLES:
        return PermissionDenied("prepare a mass action on cards", "发起卡片批量处理")
    return None

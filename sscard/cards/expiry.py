"""Reads and predicates of expiry and renewal (到期换卡, issue 15 point 4).

A card runs out on its ``valid_until`` (its pack's term by generation and the holder's age at
issue). From the pack's ``renewal.notice_days`` before that day it is *expiring*: the bureau
lists it, its holder is told once (``cards.services.expiry``), and a renewal application may be
taken on the pack's renewal channels (``cards.services.renewal``); after it, verification
answers ``expired`` and a renewal is still taken. The page, its export, the API and the sweep
all read :func:`expiring_cards`; the page's buttons and the services ask the same predicates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from sscard.applications.choices import OPEN_STATUSES, OUTLET_CHANNELS
from sscard.applications.models import Application
from sscard.campaigns.choices import CampaignStatus
from sscard.campaigns.models import Campaign
from sscard.campaigns.selectors import campaign_pack, city_of_person, pack_in_force_or_none
from sscard.cards.choices import CardStage, SocialSecurityFunction
from sscard.cards.errors import CardsErrorCode
from sscard.cards.models import CURRENT_CARD, Card, CardRenewalNotice
from sscard.cards.rules import RENEWAL_ACTION
from sscard.cards.selectors import card_visible
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError, PermissionDenied
from sscard.core.scope import person_in_city
from sscard.kernel.regions import city_prefix as city_prefix_of
from sscard.policy.schema import Renewal
from sscard.registry.selectors import region_names

#: Who reads the list of expiring cards: the bureau (city, district), an employer's HR for its
#: staff, a holder their own, and the sweep.
EXPIRY_READERS = frozenset(
    {Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.EMPLOYER_HR, Role.CARDHOLDER, Role.SYSTEM}
)
#: Who tells the holders (the page's button, the API and the daily sweep).
EXPIRY_TELLERS = frozenset({Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM})
#: Who takes a renewal: a clerk at the counter, the holder online.
RENEWAL_TAKERS = frozenset({Role.BANK_CLERK, Role.COMMUNITY_CLERK, Role.CARDHOLDER})


def renewal_terms_for_person_city(city: str) -> Renewal | None:
    """The renewal section of the pack in force for ``city`` (None: no pack, or none there)."""
    in_force = pack_in_force_or_none(city)
    return in_force.pack.renewal if in_force is not None else None


def renewal_terms_for_card(card: Card) -> Renewal | None:
    """The renewal terms of the pack in force for the card's holder's city."""
    return renewal_terms_for_person_city(city_of_person(card.person))


def _in_holders_hands(card: Card) -> bool:
    """The card holds its place (not void, not replaced) and its holder has it."""
    return (
        card.replaced_by_id is None
        and card.stage == CardStage.HANDED_OVER
        and card.ss_function
        not in (SocialSecurityFunction.INVALID, SocialSecurityFunction.CANCELLED)
    )


def in_notice_period(card: Card, terms: Renewal | None, *, today: date) -> bool:
    """Whether the card runs out within the pack's notice period from ``today`` (or has run
    out already): the days a renewal is taken and the holder is shown "renew"."""
    if terms is None:
        return False
    return card.valid_until <= today + timedelta(days=terms.notice_days)


def renewal_refusal(
    *,
    actor: Actor,
    card: Card,
    terms: Renewal | None,
    today: date,
    renewal_applied: bool,
    channel: str | None = None,
) -> ApplicationError | None:
    """Why ``card`` may not be renewed now on ``channel`` (None: it may).

    The pack must set renewal (``renewal_not_offered``) on this channel
    (``renewal_channel_not_offered``); the card must be in its holder's hands and hold its place
    (``card_not_renewable``), have no renewal or replacement applied for
    (``renewal_already_applied``), and be within the notice period or expired
    (``renewal_not_due``). A holder renews only their own card (the service finds no other).
    """
    if actor.role not in RENEWAL_TAKERS | {Role.SYSTEM}:
        return PermissionDenied("take a renewal application", "受理到期换卡申请")
    if terms is None:
        return CardsErrorCode.RENEWAL_NOT_OFFERED.error()
    if channel is not None and channel not in terms.channels:
        return CardsErrorCode.RENEWAL_CHANNEL_NOT_OFFERED.error(
            channel=channel, channels=list(terms.channels)
        )
    if card.replaced_by_id is not None or renewal_applied:
        return CardsErrorCode.RENEWAL_ALREADY_APPLIED.error()
    if not _in_holders_hands(card):
        return CardsErrorCode.CARD_NOT_RENEWABLE.error(stage=card.stage)
    if not in_notice_period(card, terms, today=today):
        return CardsErrorCode.RENEWAL_NOT_DUE.error_with(
            {"days": terms.notice_days},
            valid_until=card.valid_until.isoformat(),
            notice_days=terms.notice_days,
        )
    return None


# --------------------------------------------------------------------------------------------
# The list of expiring cards
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExpiryQuery:
    """What the list shows: cards running out within the notice period (default) or those run
    out already (``expired``), narrowed by district, by whether the holder was told, by whether
    a renewal is open, and by the days left."""

    expired: bool = False
    district: str = ""
    told: bool | None = None
    renewal_open: bool | None = None
    within_days: int | None = None


def _windows(today: date, within_days: int | None) -> Q:
    """Cards of each city whose pack in force sets renewal, running out within its notice
    period (or ``within_days``, if shorter). One ``Q``: a city without renewal lists none."""
    found = Q(pk__in=[])
    campaigns = Campaign.objects.filter(status=CampaignStatus.IN_FORCE).order_by("city_code")
    for campaign in campaigns:
        terms = campaign_pack(campaign).renewal
        if terms is None:
            continue
        days = terms.notice_days if within_days is None else min(within_days, terms.notice_days)
        prefix = city_prefix_of(campaign.city_code)
        found |= person_in_city(prefix, "person__") & Q(
            valid_until__lte=today + timedelta(days=days)
        )
    return found


def expiring_cards(
    *, actor: Actor, today: date, query: ExpiryQuery | None = None
) -> QuerySet[Card]:
    """The cards in their holders' hands that run out within their pack's notice period from
    ``today`` (or have run out, ``query.expired``), in the actor's scope: the city's for its
    officers, the district's, an employer's staff's, a holder's own. Each carries ``told``
    (the holder was told of this term), ``told_at`` and ``renewal_open`` (an open renewal
    application); soonest first."""
    if actor.role not in EXPIRY_READERS:
        raise PermissionDenied("list the cards that run out", "查看即将到期的社保卡")
    query = query or ExpiryQuery()
    notices = CardRenewalNotice.objects.filter(
        card_id=OuterRef("pk"), valid_until=OuterRef("valid_until")
    )
    renewals = Application.objects.filter(
        person_id=OuterRef("person_id"), status__in=OPEN_STATUSES, action=RENEWAL_ACTION
    )
    cards = card_visible(actor=actor).filter(CURRENT_CARD, stage=CardStage.HANDED_OVER)
    if query.expired:
        cards = cards.filter(valid_until__lt=today)
        if query.within_days is not None:
            cards = cards.filter(valid_until__gte=today - timedelta(days=query.within_days))
    else:
        cards = cards.filter(_windows(today, query.within_days), valid_until__gte=today)
    if query.district:
        cards = cards.filter(
            Q(person__insured_region=query.district)
            | Q(person__insured_region="", person__hukou_region=query.district)
        )
    cards = cards.annotate(
        told=Exists(notices),
        told_at=Subquery(notices.order_by("-pk").values("told_at")[:1]),
        told_texts=Subquery(notices.order_by("-pk").values("texts")[:1]),
        renewal_open=Exists(renewals),
    )
    if query.told is not None:
        cards = cards.filter(told=query.told)
    if query.renewal_open is not None:
        cards = cards.filter(renewal_open=query.renewal_open)
    return cards.select_related("person").order_by("valid_until", "pk")


def tell_refusal(actor: Actor) -> ApplicationError | None:
    """Whether the actor may tell the holders of the expiring cards in their scope."""
    if actor.role not in EXPIRY_TELLERS:
        return PermissionDenied("tell the holders of expiring cards", "提醒即将到期卡的持卡人")
    return None


@dataclass(frozen=True, slots=True)
class ExpiryRow:
    """One expiring card as people read it: the holder's name and ID number masked, the
    district by its name, the last day, the days left, whether the holder was told and
    whether a renewal is open."""

    card_id: int
    card_number: str
    generation: int
    masked_name: str
    masked_id_number: str
    district: str
    district_name: str
    valid_until: date
    days_left: int
    told: bool
    told_at: datetime | None
    texts: int
    renewal_open: bool


def _district(card: Card) -> str:
    return card.person.insured_region or card.person.hukou_region


def expiry_rows(cards: Iterable[Card], *, today: date, english: bool) -> list[ExpiryRow]:
    """The rows of a page (or a chunk of an export) of :func:`expiring_cards`: the districts
    named in one query."""
    found = list(cards)
    names = region_names({_district(c) for c in found if _district(c)}, english=english)
    return [
        ExpiryRow(
            card_id=c.pk,
            card_number=c.card_number,
            generation=c.generation,
            masked_name=c.person.masked_name,
            masked_id_number=c.person.masked_id_number,
            district=_district(c),
            district_name=names.get(_district(c), ""),
            valid_until=c.valid_until,
            days_left=(c.valid_until - today).days,
            told=bool(getattr(c, "told", False)),
            told_at=getattr(c, "told_at", None),
            texts=getattr(c, "told_texts", None) or 0,
            renewal_open=bool(getattr(c, "renewal_open", False)),
        )
        for c in found
    ]


def counter_renewal_channel(outlet_kind: str, terms: Renewal | None) -> str:
    """The channel a renewal taken at a counter of ``outlet_kind`` goes by: the first the
    counter offers that the pack's renewal ``terms`` take, else the counter's first (the
    service then says ``renewal_channel_not_offered``)."""
    offered = OUTLET_CHANNELS.get(outlet_kind, ("bank_outlet",))
    named = [c for c in offered if terms is not None and c in terms.channels]
    return named[0] if named else offered[0]

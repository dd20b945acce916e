"""What a counter may do with each card of the person it serves, for the counter page and its
API twin alike.

Each action is offered only when the predicate its service checks (``cards.rules``, and the
outlet's stock for a hand-over) accepts it for this clerk, card and day: the page draws a
button and the API lists the action from the same answer, so neither offers what the service
would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sscard.campaigns.selectors import city_of_person, pack_in_force_for_person
from sscard.cards.choices import CardStatus, LossChannel
from sscard.cards.expiry import (
    counter_renewal_channel,
    renewal_refusal,
    renewal_terms_for_person_city,
)
from sscard.cards.models import Card, LossReport
from sscard.cards.rules import (
    enable_refusal,
    financial_activation_refusal,
    financial_close_refusal,
    loss_report_refusal,
    loss_withdraw_refusal,
    password_reset_refusal,
    replacement_refusal,
    replacements_applied,
    standing_loss_reports,
)
from sscard.cards.selectors import CounterView, cards_at_counter
from sscard.cards.status import card_status
from sscard.core.actors import Actor
from sscard.core.errors import ApplicationError
from sscard.delivery.choices import ShipmentMethod, ShipmentStatus
from sscard.delivery.models import Shipment
from sscard.delivery.selectors import open_shipments_here
from sscard.network.models import Outlet
from sscard.policy import Pack, instant_pickup
from sscard.policy.schema import NOTICE_DAYS_MAX, Loss, PasswordReset, Renewal
from sscard.registry.choices import DisclosurePurpose
from sscard.registry.services import CARD_COUNTER_FIELDS, disclosure_record

# Every action of the counter, in the order the page shows them; the API names them the same.
HAND_OVER = "hand-over"
VISIT_HAND_OVER = "visit-hand-over"
ENABLE = "enable"
ACTIVATE_FINANCIAL = "activate-financial"
CLOSE_FINANCIAL = "close-financial"
REPORT_LOSS = "report-loss"
REPORT_LOSS_TEMPORARY = "report-loss-temporary"
WITHDRAW_LOSS = "withdraw-loss"
REPLACE = "replace"
INSTANT_REPLACEMENT = "instant-replacement"
PASSWORD_RESET = "password-reset"  # noqa: S105 (an action name, not a password)
RENEW = "renew"  # 到期换卡: a card within its pack's notice period, or run out
COUNTER_ACTIONS = (
    HAND_OVER,
    VISIT_HAND_OVER,
    ENABLE,
    ACTIVATE_FINANCIAL,
    CLOSE_FINANCIAL,
    REPORT_LOSS,
    REPORT_LOSS_TEMPORARY,
    WITHDRAW_LOSS,
    REPLACE,
    INSTANT_REPLACEMENT,
    RENEW,
    PASSWORD_RESET,
)
# Actions that cannot be taken back at the counter (a block, a lifted block, a closed account,
# a replacement applied for, a password reset and its text to the holder): the page asks the
# clerk to confirm each before it acts; the API, a counter system's call, acts at once.
CONFIRMED_ACTIONS = frozenset(
    {
        CLOSE_FINANCIAL,
        REPORT_LOSS,
        REPORT_LOSS_TEMPORARY,
        WITHDRAW_LOSS,
        REPLACE,
        RENEW,
        PASSWORD_RESET,
    }
)


@dataclass(frozen=True, slots=True)
class CounterCard:
    """A card of the person at the counter: its status, its way here, and what may be done."""

    card: Card
    status: CardStatus
    shipment: Shipment | None
    actions: frozenset[str]


def holder_serve(*, actor: Actor, id_number: str) -> CounterView:
    """The person whose ID card is presented at the counter and their cards (page and API).

    Serving them shows their cards beside the number: an access event the holder can read,
    within the clerk's and the outlet's hourly limits (``registry.services.disclosure_record``).
    The card actions that follow carry the same number and are audited as what they change.
    """
    view = cards_at_counter(actor=actor, id_number=id_number)
    disclosure_record(
        actor=actor,
        person=view.person,
        purpose=DisclosurePurpose.CARD_COUNTER,
        fields=CARD_COUNTER_FIELDS,
    )
    return view


def _pack_of(view: CounterView) -> Pack | None:
    try:
        return pack_in_force_for_person(view.person).pack
    except ApplicationError:  # no pack in force for the person's city: no loss actions
        return None


def instant_offered(outlet: Outlet, pack: Pack | None) -> bool:
    """An instant-issuance point, under a pack that makes cards in the visit with a pickup
    method handed over on the spot (BJ-11, SH-12); without a pack the service refuses."""
    if not outlet.instant_issuance:
        return False
    return pack is None or (bool(pack.same_visit.channels) and instant_pickup(pack) is not None)


def counter_cards(
    *, actor: Actor, view: CounterView, outlet: Outlet, today: date
) -> list[CounterCard]:
    """The person's cards with the actions this clerk may take on each, newest first."""
    shipments = open_shipments_here(actor=actor, card_ids=[c.pk for c in view.cards])
    standing = standing_loss_reports(view.cards, today=today)
    replaced = replacements_applied(view.cards)
    pack = _pack_of(view)
    terms = pack.loss if pack is not None else None
    reset = pack.password_reset if pack is not None else None
    instant = instant_offered(outlet, pack)
    renewal = _renewal_terms(view, today)
    rows = []
    for card in view.cards:
        card.person = view.person  # the one person served: no query per card for it
        shipment = shipments.get(card.pk)
        rows.append(
            CounterCard(
                card=card,
                status=card_status(card, today=today),
                shipment=shipment,
                actions=frozenset(
                    _actions(
                        actor,
                        card,
                        shipment,
                        outlet,
                        terms,
                        _Loss(standing.get(card.pk), card.pk in replaced),
                        today,
                        instant,
                    )
                    + _password_reset(actor, card, outlet, reset, today)
                    + _renew(actor, card, outlet, renewal, card.pk in replaced, today)
                ),
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class _Loss:
    """The card's standing loss report, and whether its replacement has been applied for."""

    report: LossReport | None
    replacement_applied: bool


def _loss_report_offered(
    actor: Actor, card: Card, terms: Loss | None, loss: _Loss, today: date, *, formal: bool
) -> bool:
    return (
        terms is not None
        and loss_report_refusal(
            actor=actor,
            card=card,
            channel=LossChannel.COUNTER,
            formal=formal,
            terms=terms,
            standing=loss.report,
            today=today,
        )
        is None
    )


def _password_reset(
    actor: Actor, card: Card, outlet: Outlet, terms: PasswordReset | None, today: date
) -> list[str]:
    """The password reset, where the pack in force provides it at this kind of outlet for a
    card in this state (the ID presented is checked when the clerk acts)."""
    refused = password_reset_refusal(
        actor=actor, card=card, outlet=outlet, terms=terms, today=today
    )
    return [PASSWORD_RESET] if refused is None else []


def _renewal_terms(view: CounterView, today: date) -> Renewal | None:
    """The renewal terms of the pack in force for the person, asked only when one of their
    cards may be within a notice period (none is longer than ``NOTICE_DAYS_MAX``)."""
    horizon = today + timedelta(days=NOTICE_DAYS_MAX)
    if not any(c.valid_until <= horizon for c in view.cards):
        return None
    return renewal_terms_for_person_city(city_of_person(view.person))


def _renew(
    actor: Actor,
    card: Card,
    outlet: Outlet,
    terms: Renewal | None,
    applied: bool,
    today: date,
) -> list[str]:
    """The renewal, where the pack takes it at this counter's channel for a card within the
    notice period or run out (``cards.expiry.renewal_refusal``, the service's predicate)."""
    if terms is None:
        return []
    refused = renewal_refusal(
        actor=actor,
        card=card,
        terms=terms,
        today=today,
        renewal_applied=applied,
        channel=counter_renewal_channel(outlet.kind, terms),
    )
    return [RENEW] if refused is None else []


def _actions(
    actor: Actor,
    card: Card,
    shipment: Shipment | None,
    outlet: Outlet,
    terms: Loss | None,
    loss: _Loss,
    today: date,
    instant: bool,
) -> list[str]:
    visiting = shipment is not None and shipment.method == ShipmentMethod.VISIT
    offered = {
        # card_hand_over takes a card in this outlet's stock; visit_hand_over a card the
        # outlet's team carries (selectors.open_shipments_here: this outlet's open shipments)
        HAND_OVER: shipment is not None
        and shipment.status == ShipmentStatus.AT_OUTLET
        and not visiting,
        VISIT_HAND_OVER: visiting,
        ENABLE: enable_refusal(actor=actor, card=card, outlet=outlet, today=today) is None,
        ACTIVATE_FINANCIAL: financial_activation_refusal(
            actor=actor, card=card, outlet=outlet, today=today
        )
        is None,
        CLOSE_FINANCIAL: financial_close_refusal(actor=actor, card=card, outlet=outlet) is None,
        REPORT_LOSS: _loss_report_offered(actor, card, terms, loss, today, formal=True),
        # A temporary report (临时挂失) at the counter, as the holder makes one online: only
        # where the pack's terms have a temporary block (else every report is formal).
        REPORT_LOSS_TEMPORARY: terms is not None
        and terms.temporary_block_days is not None
        and _loss_report_offered(actor, card, terms, loss, today, formal=False),
        WITHDRAW_LOSS: loss_withdraw_refusal(
            actor=actor, standing=loss.report, replacement_applied=loss.replacement_applied
        )
        is None,
        REPLACE: replacement_refusal(
            actor=actor, card=card, today=today, replacement_applied=loss.replacement_applied
        )
        is None,
    }
    offered[INSTANT_REPLACEMENT] = offered[REPLACE] and instant
    return [name for name in COUNTER_ACTIONS if offered.get(name)]

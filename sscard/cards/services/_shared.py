"""What the card services share: the audit object, the clerks' roles, the card acted on
(locked with every card of its holder) and the clerk's outlet. Not services: each helper runs
inside the transaction of the service that calls it."""

from __future__ import annotations

from django.db import transaction

from sscard.cards.models import Card
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError, NotFound
from sscard.network.models import Outlet

CARD_OBJECT = "card"
CLERKS = frozenset({Role.BANK_CLERK, Role.COMMUNITY_CLERK})


def in_transaction_or_fail(name: str) -> None:
    """Refuse to run ``name`` outside the transaction of the change that calls it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{name} must run inside the transaction of the change")


def actor_outlet(actor: Actor) -> Outlet | None:
    """The outlet the actor stands at, with its bank (the paths a clerk stands on)."""
    if actor.outlet_id is None:
        return None
    return Outlet.objects.select_related("bank").filter(pk=actor.outlet_id).first()


def _person_cards_locked(person_id: int) -> list[Card]:
    # Every card of the person, in primary-key order: two clerks serving one person queue here
    # instead of deadlocking, and the second sees the first's result.
    return list(
        Card.objects.select_for_update(of=("self",))
        .select_related("application")
        .filter(person_id=person_id)
        .order_by("pk")
    )


def target_locked(actor: Actor, card: Card) -> tuple[Card, list[Card]]:
    """The card acted on and every card of its holder, locked in primary-key order; a holder
    reaches only their own (``not_found``, as for a card that does not exist)."""
    if actor.role is Role.CARDHOLDER and actor.person_id != card.person_id:
        raise NotFound("card", what_zh="该卡")
    cards = _person_cards_locked(card.person_id)
    this = next((c for c in cards if c.pk == card.pk), None)
    if this is None:
        raise NotFound("card", what_zh="该卡")
    return this, cards


def refuse_if(refused: ApplicationError | None) -> None:
    """Raise the predicate's refusal, if it has one (see ``cards.rules``)."""
    if refused is not None:
        raise refused

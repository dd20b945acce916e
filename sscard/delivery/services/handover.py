"""Hand-over to the holder against their ID: at the counter from the outlet's stock, by the
visiting bank team at the employer (BJ-08 (3), SH-14), and an instant replacement made and
handed over in one visit (BJ-11, SH-12)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sscard.campaigns.selectors import city_of_person, pack_in_force_or_none
from sscard.cards.choices import CardStage, SocialSecurityFunction
from sscard.cards.milestones import card_milestones_record
from sscard.cards.models import Card
from sscard.cards.rules import counter_replacement_channel
from sscard.cards.services import (
    card_activate_financial,
    card_enable,
    card_replacement_apply,
    cards_advance,
    cards_order,
)
from sscard.core import clock
from sscard.core.actors import Actor
from sscard.core.audit import AuditFact, audit_append
from sscard.core.crypto import id_number_index_matches
from sscard.core.errors import ApplicationError, NotFound
from sscard.core.models import MilestoneKind
from sscard.delivery.choices import ShipmentMethod, ShipmentStatus
from sscard.delivery.errors import DeliveryErrorCode
from sscard.delivery.models import Shipment
from sscard.delivery.selectors import STOCK
from sscard.delivery.services._shared import clerk_outlet_or_refuse
from sscard.kernel import idnumber
from sscard.kernel.errors import KernelError
from sscard.network.models import Outlet
from sscard.policy import instant_pickup
from sscard.production.services.personalise import cards_personalise_in_transaction


def _check_holder(card: Card, id_number: str) -> None:
    """The ID presented must be the holder's (compared by keyed index, never decrypted)."""
    try:
        presented = idnumber.parse(id_number, today=date.max).value
    except KernelError as exc:
        raise ApplicationError.from_coded(exc, status=422) from exc
    if not id_number_index_matches(presented, card.person.id_number_index):
        raise DeliveryErrorCode.HOLDER_ID_MISMATCH.error()


def _hand_over_locked(
    card: Card, shipment: Shipment | None, outlet: Outlet | None, *, day: date
) -> None:
    now = timezone.now()
    if shipment is not None:
        shipment.status = ShipmentStatus.HANDED_OVER
        shipment.closed_at = now
        shipment.save(update_fields=["status", "closed_at"])
    card.stage = CardStage.HANDED_OVER
    card.handed_over_at = now
    card.handed_over_outlet = outlet
    card.save(update_fields=["stage", "handed_over_at", "handed_over_outlet"])
    card_milestones_record(MilestoneKind.ISSUED, [card.pk], day=day, at=now)


def _hand_over_from_stock(
    actor: Actor, card: Card, id_number: str, outlet: Outlet, shipments: Q, *, what: str, day: date
) -> Card:
    """Lock the card and its open shipment to ``outlet`` (matching ``shipments``), check the
    holder's ID and hand the card over, audited; ``not_found`` when there is no such shipment."""
    this = (
        Card.objects.select_for_update(of=("self",))
        .select_related("person")
        .filter(pk=card.pk)
        .first()
    )
    shipment = (
        Shipment.objects.select_for_update(of=("self",))
        .filter(shipments, card_id=card.pk, outlet=outlet)
        .first()
    )
    if this is None or shipment is None:
        raise NotFound(what, what_zh="本网点的该卡")
    before = this.stage
    _check_holder(this, id_number)
    if this.ss_function == SocialSecurityFunction.CANCELLED:
        # Its holder died or left while it waited here (the departure locked it first).
        raise DeliveryErrorCode.HAND_OVER_CARD_CANCELLED.error()
    _hand_over_locked(this, shipment, outlet, day=day)
    audit_append(
        actor=actor,
        fact=AuditFact(
            action="card_hand_over",
            object_type="card",
            object_id=str(this.pk),
            changes={
                "stage": [before, CardStage.HANDED_OVER],
                "outlet_id": outlet.pk,
                "method": shipment.method,
            },
            pack_hash=this.pack_hash,
        ),
    )
    return this


def card_hand_over(*, actor: Actor, card: Card, id_number: str) -> Card:
    """Hand a card in the outlet's stock to its holder against their ID. Enabling and
    activating in the same visit are the clerk's next steps (``card_enable``,
    ``card_activate_financial``), each with its own rule."""
    outlet = clerk_outlet_or_refuse(actor)
    with transaction.atomic():
        return _hand_over_from_stock(
            actor,
            card,
            id_number,
            outlet,
            Q(status=ShipmentStatus.AT_OUTLET),
            what="card in this outlet's stock",
            day=clock.today(),
        )


def visit_hand_over(*, actor: Actor, card: Card, id_number: str, today: date) -> Card:
    """The visiting bank team hands the card over at the employer and switches on both its
    functions there, in one step (BJ-08 (3), SH-14)."""
    outlet = clerk_outlet_or_refuse(actor)
    with transaction.atomic():
        this = _hand_over_from_stock(
            actor,
            card,
            id_number,
            outlet,
            Q(method=ShipmentMethod.VISIT, status__in=[*STOCK]),
            what="card for this team's visit",
            day=today,
        )
        card_enable(actor=actor, card=this, today=today)
        this = card_activate_financial(actor=actor, card=this, today=today)
    return this


# --------------------------------------------------------------------------------------------
# Instant replacement: made and handed over in one visit (BJ-11, SH-12)
# --------------------------------------------------------------------------------------------


def replacement_instant(
    *, actor: Actor, card: Card, reason: str, id_number: str, day: date
) -> Card:
    """Replace a lost or damaged card at an instant-issuance point while the holder waits:
    the application, the new card's key and certificate, the hand-over and the enabling of
    its functions happen in one transaction, or none of it does."""
    outlet = clerk_outlet_or_refuse(actor)
    with transaction.atomic():
        holder_card = Card.objects.select_related("person").filter(pk=card.pk).first()
        if holder_card is None:
            raise NotFound("card", what_zh="该卡")
        _check_holder(holder_card, id_number)
        # The channel and the pickup method made in the visit are the pack's (BJ-11, SH-12).
        in_force = pack_in_force_or_none(city_of_person(holder_card.person))
        application = card_replacement_apply(
            actor=actor,
            card=holder_card,
            reason=reason,
            channel=counter_replacement_channel(outlet, holder_card, same_visit=True),
            day=day,
            pickup=instant_pickup(in_force.pack) if in_force is not None else None,
        )
        if outlet.bank is not None and outlet.bank.code != application.bank_code:
            # A bank's instant-issuance machine makes that bank's cards only.
            raise DeliveryErrorCode.INSTANT_OTHER_BANK.error_with(
                {"bank": application.bank_code}, bank=application.bank_code, here=outlet.bank.code
            )
        new = _instant_card_made_and_handed_over(actor, application.pk, outlet, day)
        new = card_enable(actor=actor, card=new, today=day)
        issuing_bank_here = outlet.bank is not None and outlet.bank.code == new.bank_code
        if issuing_bank_here:
            new = card_activate_financial(actor=actor, card=new, today=day)
    return new


def _instant_card_made_and_handed_over(
    actor: Actor, application_id: int, outlet: Outlet, day: date
) -> Card:
    """Order, personalise and make the application's card here, and hand it over, audited."""
    (new_id,) = cards_order(actor=actor, application_ids=[application_id], today=day)
    cards_personalise_in_transaction(card_ids=[new_id])
    made_at = timezone.now()
    cards_advance(
        card_ids=[new_id],
        from_stages=[CardStage.PERSONALISED],
        to_stage=CardStage.PRODUCED,
        produced_at=made_at,
    )
    card_milestones_record(MilestoneKind.MADE, [new_id], day=day, at=made_at)
    new = Card.objects.select_for_update().get(pk=new_id)
    _hand_over_locked(new, None, outlet, day=day)
    audit_append(
        actor=actor,
        fact=AuditFact(
            action="card_hand_over",
            object_type="card",
            object_id=str(new.pk),
            changes={"stage": ["produced", "handed_over"], "instant": outlet.pk},
            pack_hash=new.pack_hash,
        ),
    )
    return new

"""An outlet's stock: the cards on their way to it are taken in, and each holder is told by
SMS that the card is ready (BJ-08 (1))."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from sscard.cards.choices import CardStage
from sscard.cards.progress import AT_OUTLET, progress_sms
from sscard.cards.rules import packs_by_hash
from sscard.cards.services import cards_advance
from sscard.core.actors import Actor
from sscard.core.audit import AuditFact, audit_append
from sscard.core.bulk import id_ranges
from sscard.delivery.choices import ShipmentMethod, ShipmentStatus
from sscard.delivery.models import Shipment
from sscard.delivery.services._shared import OBJECT, clerk_outlet_or_refuse, tell_holders


def outlet_receive(*, actor: Actor, shipment_ids: Sequence[int] | None = None) -> int:
    """Take the cards on their way to the clerk's outlet into stock (all of them, or these);
    each holder is told by SMS that the card is ready (BJ-08 (1)), with the text of the step
    their page now shows (``cards.progress.progress_sms``). Answers how many."""
    outlet = clerk_outlet_or_refuse(actor)
    with transaction.atomic():
        incoming = Shipment.objects.select_for_update(of=("self",)).filter(
            outlet=outlet,
            status=ShipmentStatus.IN_TRANSIT,
            method__in=[ShipmentMethod.OUTLET, ShipmentMethod.REROUTE],
        )
        if shipment_ids is not None:
            incoming = incoming.filter(pk__in=shipment_ids)
        rows = list(
            incoming.order_by("pk").values_list(
                "pk",
                "card_id",
                "card__pack_hash",
                "card__application_id",
                "card__application__pickup",
                "card__application__action",
            )
        )
        if not rows:
            return 0
        now = timezone.now()
        Shipment.objects.filter(pk__in=[r[0] for r in rows]).update(
            status=ShipmentStatus.AT_OUTLET, received_at=now
        )
        card_ids = [r[1] for r in rows]
        cards_advance(
            card_ids=card_ids,
            from_stages=[CardStage.DISPATCHED],
            to_stage=CardStage.AT_OUTLET,
            arrived_at=now,
            pickup_outlet_id=outlet.pk,
        )
        packs = packs_by_hash(r[2] for r in rows)
        ready: dict[tuple[str, str], list[int]] = defaultdict(list)
        for _pk, _card, pack_hash, application_id, pickup, action in rows:
            # The text of the step the holder's page now shows: ready for collection here.
            template = (
                progress_sms(pack=packs[pack_hash], pickup=pickup, action=action, step=AT_OUTLET)
                if pack_hash in packs
                else None
            )
            if template is not None:
                ready[(pack_hash, template)].append(application_id)
        for (pack_hash, template), application_ids in ready.items():
            tell_holders(actor, packs[pack_hash], template, application_ids, outlet=outlet.name)
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="outlet_receive",
                object_type=OBJECT,
                object_id=f"outlet:{outlet.pk}",
                changes={"shipment_ids": id_ranges([r[0] for r in rows]), "cards": len(rows)},
            ),
        )
    return len(rows)

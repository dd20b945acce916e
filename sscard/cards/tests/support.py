"""Set-ups the card tests share: a campaign in force, an application, cards in any state."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from sscard.applications.models import Application, Photo
from sscard.campaigns.models import Campaign
from sscard.campaigns.services import campaign_put_in_force
from sscard.cards.choices import CardStage
from sscard.cards.models import Card
from sscard.core.actors import Actor, Role
from sscard.kernel.cardcodes import card_identification_code, card_number
from sscard.policy import builtin_pack
from sscard.registry.models import Person
from sscard.testing.factories import XICHENG, OutletFactory, PersonFactory

SYSTEM = Actor.system("test")
TODAY = date(2024, 3, 4)
_serials = iter(range(9_000_000, 10_000_000))


def in_force(pack_id: str = "beijing-2024") -> Campaign:
    return campaign_put_in_force(actor=SYSTEM, pack=builtin_pack(pack_id))


def person(**kwargs: Any) -> Person:
    values: dict[str, Any] = {"hukou_region": XICHENG, "insured_region": XICHENG}
    values.update(kwargs)
    return PersonFactory.create(**values)


def application(campaign: Campaign, holder: Person, *, generation: int = 3) -> Application:
    photo = Photo.objects.create(
        digest=f"{holder.pk:064x}",
        source="captured",
        content_type="image/jpeg",
        width=358,
        height=441,
        bytes=1000,
        person=holder,
        created_at=timezone.now(),
    )
    return Application.objects.create(
        person=holder,
        channel="community_centre",
        action="first",
        applied_on=TODAY,
        bank_code="ICBC",
        pickup="at_outlet",
        photo_source="captured_on_site",
        photo=photo,
        taken_by="clerk",
        taken_by_role="community_clerk",
        submitted_at=timezone.now(),
        pack_id=campaign.pack_id,
        pack_hash=campaign.pack_hash,
        phase_id="",
        rule_id="",
        clause="BJ-10",
        reason_code="allowed",
        card_generation=generation,
    )


def card(holder: Person, **kwargs: Any) -> Card:
    """A card of ``holder`` as the old system left it (no application, no pack), handed over
    and not yet enabled unless told otherwise: the given state of unit tests and the card a
    person holds before the campaign. The behaviour under test always goes through services.
    """
    serial = next(_serials)
    generation = kwargs.pop("generation", 3)
    values: dict[str, Any] = {
        "generation": generation,
        "interfaces": ["contact", "contactless"] if generation == 3 else ["contact"],
        "functions": ["medical_settlement", "self_query", "financial"],
        "bank_code": "ICBC",
        "card_number": card_number("ABC"[generation - 1], serial),
        "card_id_code": card_identification_code(XICHENG, serial),
        "stage": CardStage.HANDED_OVER,
        "issued_on": date(2020, 1, 1),
        "valid_until": date(2029, 12, 31),
    }
    values.update(kwargs)
    return Card.objects.create(person=holder, **values)


def clerk() -> Actor:
    """A clerk at a community centre: where a card without a pickup method may be enabled."""
    outlet = OutletFactory.create(community_centre=True)
    return Actor(role=Role.COMMUNITY_CLERK, label="clerk", outlet_id=outlet.pk)


def holder_actor(holder: Person) -> Actor:
    return Actor(role=Role.CARDHOLDER, label=f"holder{holder.pk}", person_id=holder.pk)

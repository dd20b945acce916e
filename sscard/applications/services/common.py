"""Steps the individual and the collective flows share. Not services: nothing here is exported,
and what writes runs inside its caller's transaction (the name says so)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sscard.applications.choices import SHARED_ORIGINS, PhotoOrigin
from sscard.applications.errors import ApplicationsErrorCode
from sscard.applications.models import Photo
from sscard.applications.selectors import photo_usable
from sscard.applications.services.photos import (
    photo_from_source,
    photos_from_source_many_in_transaction,
)
from sscard.campaigns.errors import CampaignErrorCode
from sscard.campaigns.selectors import PackInForce, city_of_person, pack_in_force_or_none
from sscard.core.actors import Actor
from sscard.core.errors import ApplicationError, NotFound
from sscard.network.choices import OutletKind
from sscard.network.models import Outlet
from sscard.policy import Decision
from sscard.registry.models import Person


def decided_fields(decision: Decision) -> dict[str, object]:
    """The columns that record the decision that allowed an application."""
    return {
        "pack_id": decision.pack_id,
        "pack_hash": decision.pack_hash,
        "phase_id": decision.phase_id or "",
        "rule_id": decision.rule_id or "",
        "clause": decision.clause or "",
        "reason_code": decision.reason_code,
        "card_generation": decision.card_generation,
        "due_date": decision.due_date,
    }


@dataclass(slots=True)
class QueueMemo:
    """What a queue of calls (a counter's day, a day's confirmations) reads once for all of
    them: the outlets, the backup centres and the packs in force by city. A single call uses a
    memo of its own, so it reads exactly what it did before."""

    outlets: dict[int, Outlet | None] = field(default_factory=dict)
    centres: dict[int, Outlet | None] = field(default_factory=dict)
    packs: dict[str, PackInForce | None] = field(default_factory=dict)

    def outlet(self, outlet_id: int | None) -> Outlet | None:
        if outlet_id is None:
            return None
        if outlet_id not in self.outlets:
            self.outlets[outlet_id] = (
                Outlet.objects.select_related("bank").filter(pk=outlet_id).first()
            )
        return self.outlets[outlet_id]

    def centre(self, outlet_id: int | None) -> Outlet | None:
        """:func:`backup_centre_or_none`, remembered (its refusal is raised every time)."""
        if outlet_id is None:
            return None
        if outlet_id not in self.centres:
            self.centres[outlet_id] = backup_centre_or_none(outlet_id)
        return self.centres[outlet_id]

    def pack_or_none(self, city: str) -> PackInForce | None:
        if city not in self.packs:
            self.packs[city] = pack_in_force_or_none(city)
        return self.packs[city]

    def pack_for_person(self, person: Person) -> PackInForce:
        """:func:`pack_in_force_for_person`, remembered by city."""
        city = city_of_person(person)
        found = self.pack_or_none(city)
        if found is None:
            raise CampaignErrorCode.NO_CAMPAIGN_IN_FORCE.error(city=city)
        return found


def backup_centre_or_none(outlet_id: int | None) -> Outlet | None:
    """The backup community centre named (SH-13); ``backup_centre_invalid`` for another kind."""
    if outlet_id is None:
        return None
    centre = Outlet.objects.filter(pk=outlet_id, kind=OutletKind.COMMUNITY_CENTRE).first()
    if centre is None:
        raise ApplicationsErrorCode.BACKUP_CENTRE_INVALID.error(outlet_id=outlet_id)
    return centre


def posting_checked(
    in_force: PackInForce, *, pickup: str, address: str, centre: Outlet | None
) -> str:
    """A posted card needs an address and, where the pack says so, a backup centre (SH-13).

    Answers the address to keep: the one given for a posted card, none for another pickup.
    """
    postal = in_force.pickup_is_postal(pickup)
    if postal and not address:
        raise ApplicationsErrorCode.MAILING_ADDRESS_REQUIRED.error()
    if in_force.pickup_needs_backup_centre(pickup) and centre is None:
        raise ApplicationsErrorCode.BACKUP_CENTRE_REQUIRED.error()
    return address if postal else ""


def usable_photo_in_transaction(
    *,
    actor: Actor,
    person: Person,
    origin: PhotoOrigin,
    photo_id: int | None,
) -> Photo:
    """The photo the application will carry: fetched from a shared source (which stores it, in
    the caller's transaction), or one stored; ``photo_required`` / ``photo_not_usable``."""
    if photo_id is not None:
        photo = Photo.objects.filter(pk=photo_id, person=person).first()
        if photo is None:
            raise NotFound("photo", what_zh="该照片")
    elif origin in SHARED_ORIGINS:
        photo = photo_from_source(actor=actor, person=person, source=origin)
    else:
        photo = Photo.objects.filter(person=person, source=origin).order_by("-pk").first()
    if photo is None:
        raise ApplicationsErrorCode.PHOTO_REQUIRED.error()
    if not photo_usable(photo):
        raise ApplicationsErrorCode.PHOTO_NOT_USABLE.error(photo_id=photo.pk)
    return photo


def usable_photos_many_in_transaction(
    wanted: Sequence[tuple[Actor, Person, PhotoOrigin]],
) -> list[Photo | ApplicationError]:
    """:func:`usable_photo_in_transaction` (no photo named) for many at once, each answered in
    its place: the shared photos fetched and stored together, any other found as one call
    finds it."""
    answers: list[Photo | ApplicationError | None] = [None] * len(wanted)
    shared = [n for n, (_, _, origin) in enumerate(wanted) if origin in SHARED_ORIGINS]
    stored = photos_from_source_many_in_transaction(
        [(wanted[n][0], wanted[n][1], str(wanted[n][2])) for n in shared]
    )
    for n, photo in zip(shared, stored, strict=True):
        if isinstance(photo, Photo) and not photo_usable(photo):
            photo = ApplicationsErrorCode.PHOTO_NOT_USABLE.error(photo_id=photo.pk)
        answers[n] = photo
    for n, (actor, person, origin) in enumerate(wanted):
        if answers[n] is None:
            try:
                answers[n] = usable_photo_in_transaction(
                    actor=actor, person=person, origin=origin, photo_id=None
                )
            except ApplicationError as error:
                answers[n] = error
    return [a for a in answers if a is not None]

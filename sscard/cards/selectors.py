"""Reads of the cards, scoped to the actor: a holder's cards and their timeline, the holder's
applications with how far each has come (``cards.progress``), a counter's view of the person in
front of it, the electronic card's status."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _lazy

from sscard.applications.models import Application
from sscard.applications.selectors import application_list
from sscard.cards.choices import CardStage, CardStatus
from sscard.cards.models import Card, CardReissueFlag, LossReport
from sscard.cards.progress import HolderProgress, ProgressStep, progress_of
from sscard.cards.rules import pack_by_hash, packs_by_hash
from sscard.cards.status import card_status
from sscard.core.actors import Actor, Role
from sscard.core.errors import NotFound
from sscard.core.scope import city_prefix, person_in_city
from sscard.policy import Pack
from sscard.registry.models import Person
from sscard.registry.selectors import person_find_by_id_number


def card_visible(*, actor: Actor) -> QuerySet[Card]:
    """The cards the actor may open: the holder's own (and their children's), the cards of the
    person a counter serves (found by ID number, :func:`cards_at_counter`), an employer's
    staff's, a district's, or all of them for the city bureau and production."""
    cards = Card.objects.all()
    match actor.role:
        case Role.CITY_OFFICER | Role.SYSTEM | Role.PRODUCTION_OPERATOR:
            prefix = city_prefix(actor)
            return cards.filter(person_in_city(prefix, "person__")) if prefix else cards
        case Role.DISTRICT_OFFICER:
            return cards.filter(
                Q(person__insured_region=actor.district_code)
                | Q(person__hukou_region=actor.district_code)
            )
        case Role.CARDHOLDER:
            return cards.filter(
                Q(person_id=actor.person_id) | Q(person__guardian_id=actor.person_id)
            )
        case Role.EMPLOYER_HR if actor.employer_id is not None:
            return cards.filter(person__employer_id=actor.employer_id)
        case Role.BANK_CLERK | Role.COMMUNITY_CLERK:
            # What the outlet handed over; the outlet's stock is delivery's to show, and anyone
            # else's cards are reached through the holder's ID number at the counter.
            return cards.filter(handed_over_outlet_id=actor.outlet_id)
        case _:
            return cards.none()


def card_get(*, actor: Actor, card_id: int) -> Card:
    found = (
        card_visible(actor=actor)
        .select_related("person", "application", "handed_over_outlet", "pickup_outlet")
        .filter(pk=card_id)
        .first()
    )
    if found is None:
        raise NotFound("card", what_zh="该卡")
    return found


@dataclass(frozen=True, slots=True)
class CounterView:
    """The person at the counter and their cards, newest first."""

    person: Person
    cards: list[Card]


def cards_at_counter(*, actor: Actor, id_number: str) -> CounterView:
    """A clerk types the ID number from the holder's ID card: the person and all their cards."""
    person = person_find_by_id_number(actor=actor, id_number=id_number)
    flagged = CardReissueFlag.objects.filter(card_id=OuterRef("pk"))
    cards: list[Card] = []
    cards.extend(
        Card.objects.filter(person=person)
        .select_related("application", "handed_over_outlet", "pickup_outlet")
        .annotate(reissue_flagged=Exists(flagged))  # to reissue after a correction
        .order_by("-pk")
    )
    return CounterView(person, cards)


def card_for_counter(*, actor: Actor, id_number: str, card_id: int) -> Card:
    """One card of the person whose ID number the clerk typed (else ``not_found``)."""
    view = cards_at_counter(actor=actor, id_number=id_number)
    found = next((c for c in view.cards if c.pk == card_id), None)
    if found is None:
        raise NotFound("card", what_zh="该卡")
    return found


def cards_of_holder(*, actor: Actor) -> list[Card]:
    """The signed-in holder's cards (and their children's), newest first."""
    return list(
        card_visible(actor=actor)
        .select_related("person", "application", "handed_over_outlet", "pickup_outlet")
        .order_by("-pk")
    )


@dataclass(frozen=True, slots=True)
class ElectronicCardStatus:
    """The electronic card (电子社保卡): what it answers, and which physical card it follows."""

    status: CardStatus
    follows_card_id: int | None
    mirrors_physical: bool


def electronic_card_status(*, person_id: int, today: date) -> ElectronicCardStatus:
    """The person's electronic card, derived from their physical cards (never stored).

    Where the pack says the electronic card mirrors the physical one, it answers exactly what
    the person's current card answers (blocked while it is reported lost); otherwise it is
    valid while the person has a card in force, blocked or not.
    """
    current = (
        Card.objects.filter(person_id=person_id, ss_function="enabled").order_by("-pk").first()
    )
    if current is None:
        return ElectronicCardStatus(CardStatus.NOT_ENABLED, None, True)
    pack = pack_by_hash(current.pack_hash)
    mirrors = pack.electronic_card.mirrors_physical if pack and pack.electronic_card else True
    status = card_status(current, today=today)
    if not mirrors and status in (CardStatus.BLOCKED_TEMPORARY, CardStatus.BLOCKED_FORMAL):
        status = CardStatus.VALID
    return ElectronicCardStatus(status, current.pk, mirrors)


def card_timeline(card: Card, *, pack: Pack | None = None) -> list[ProgressStep]:
    """The card's life on the holder's page: the steps of :func:`card_progress`, and its
    latest loss report (standing, or history)."""
    steps = list(card_progress(card, pack=pack).steps)
    report = LossReport.objects.filter(card=card).order_by("-pk").first()
    if report is not None:
        steps.append(
            ProgressStep("loss", _lazy("Reported lost"), report.created_at, report.ended_at is None)
        )
    return steps


def card_progress(card: Card, *, pack: Pack | None = None) -> HolderProgress:
    """How far the card (and the application it was ordered for) has come: the one derivation
    of ``cards.progress``, for the holder's pages and the API alike. ``pack``: the card's, when
    the caller has it already (else it is looked up)."""
    if pack is None:
        pack = pack_by_hash(card.pack_hash)
    return progress_of(application=card.application, card=card, pack=pack)


@dataclass(frozen=True, slots=True)
class ApplicationProgress:
    """One of the holder's applications, its good card (if ordered) and how far they have
    come."""

    application: Application
    card: Card | None
    progress: HolderProgress


def holder_applications(*, actor: Actor, limit: int = 20) -> list[ApplicationProgress]:
    """The signed-in holder's applications (and their children's), newest first, each with its
    card and its progress (``cards.progress``): three queries whatever their number."""
    applications = list(application_list(actor=actor)[:limit])
    # One good card per application (a remake where the first was defective).
    cards = {
        c.application_id: c
        for c in Card.objects.filter(application__in=applications)
        .exclude(stage=CardStage.DEFECTIVE)
        .select_related("pickup_outlet")
    }
    packs = packs_by_hash(a.pack_hash for a in applications)
    found = []
    for application in applications:
        card = cards.get(application.pk)
        if card is not None:
            card.application = application
        progress = progress_of(
            application=application, card=card, pack=packs.get(application.pack_hash)
        )
        found.append(ApplicationProgress(application, card, progress))
    return found


# --------------------------------------------------------------------------------------------
# A person list's status filter (the registry offers these; see ``registry.statuses``)
# --------------------------------------------------------------------------------------------


def persons_without_card() -> Q:
    """Persons with no current card (none ordered, or only replaced, cancelled or defective)."""
    return ~Q(Exists(Card.current().filter(person=OuterRef("pk"))))


def persons_whose_card(condition: Q) -> Callable[[], Q]:
    """The persons whose current card meets ``condition``, as a condition over ``Person``."""
    return lambda: Q(Exists(Card.current().filter(condition, person=OuterRef("pk"))))


CARD_STAGES_BEING_MADE = (
    CardStage.ORDERED,
    CardStage.PERSONALISED,
    CardStage.PRODUCED,
    CardStage.DISPATCHED,
)

"""Writes of the cards: issuing a card for an application and enabling it (BJ-10, SH-16)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from sscard.applications.choices import ApplicationStatus
from sscard.applications.models import Application
from sscard.campaigns.models import Campaign
from sscard.campaigns.selectors import campaign_pack
from sscard.cards.choices import CardStage, SocialSecurityFunction
from sscard.cards.models import Card, CardCounter
from sscard.cards.status import card_status
from sscard.core.actors import Actor, Role
from sscard.core.audit import AuditFact, audit_append, audit_append_many
from sscard.core.errors import ApplicationError, NotFound, PermissionDenied
from sscard.kernel.cardcodes import card_identification_code, card_number
from sscard.policy import Pack

CARD_OBJECT = "card"
ISSUERS = frozenset({Role.SYSTEM, Role.CITY_OFFICER, Role.PRODUCTION_OPERATOR})
# Counter clerks switch the SS function on at hand-over; the holder may do it (e.g. in the
# app, BJ-08); the system does it for the paths a pack automates.
ENABLERS = frozenset({Role.BANK_CLERK, Role.COMMUNITY_CLERK, Role.CARDHOLDER, Role.SYSTEM})
# chosen: only a card in the holder's hands is enabled (SH-16: "once the new card is collected
# and opened"); a card still at the factory, in the post or at the outlet is refused.
ENABLEABLE_STAGES = frozenset({CardStage.HANDED_OVER})
_COUNTER = "card"


def _refuse(code: str, zh: str, en: str, status: int = 409, **details: object) -> ApplicationError:
    return ApplicationError(code, zh, en, dict(details), status=status)


def _pack_of(application: Application) -> Pack:
    campaign = Campaign.objects.filter(pack_hash=application.pack_hash).order_by("-pk").first()
    if campaign is None:
        raise _refuse(
            "card_pack_unknown",
            "找不到该申请所依据的政策包。",
            "The policy pack the application was decided under is not known.",
            status=422,
        )
    return campaign_pack(campaign)


def valid_until(issued_on: date, years: int) -> date:
    """The last day a card issued on ``issued_on`` is valid: the day before the anniversary."""
    try:
        anniversary = issued_on.replace(year=issued_on.year + years)
    except ValueError:  # 29 February into a common year
        anniversary = date(issued_on.year + years, 3, 1)
    return anniversary - timedelta(days=1)


def _next_serial() -> int:
    CardCounter.objects.get_or_create(name=_COUNTER)
    counter = CardCounter.objects.select_for_update().get(name=_COUNTER)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value


def _series_letter(generation: int) -> str:
    # chosen: the series letter tells the generation apart at a glance (A, B, C, ...).
    return "ABCDEFGHJ"[generation - 1]


def card_issue_for_application(*, actor: Actor, application: Application, today: date) -> Card:
    """Order the card an application decided on: generation, interfaces, functions and
    validity from the pack the application was decided under; codes from the sequence."""
    if actor.role not in ISSUERS:
        raise PermissionDenied("issue cards", "制发社会保障卡")
    pack = _pack_of(application)
    generation = application.card_generation
    spec = pack.card(generation) if generation is not None else None
    if generation is None or spec is None:
        raise _refuse(
            "card_generation_unknown",
            "政策包中没有该申请的卡代次。",
            "The pack does not issue the card generation of this application.",
            status=422,
            generation=generation,
        )
    years = pack.validity_years(generation)
    if years is None:
        raise _refuse(
            "card_validity_unknown",
            "政策包未规定该代卡的有效期。",
            "The pack gives no validity for this card generation.",
            status=422,
            generation=generation,
        )
    with transaction.atomic():
        locked = Application.objects.select_for_update().filter(pk=application.pk).first()
        if locked is None:
            raise NotFound("application", what_zh="该申请")
        if (
            locked.status != ApplicationStatus.SUBMITTED
            or Card.objects.filter(application=locked).exists()
        ):
            raise _refuse(
                "application_not_open",
                "该申请已不在办理中。",
                "That application is no longer open.",
                application_status=locked.status,
            )
        person = locked.person
        region = person.insured_region or person.hukou_region
        serial = _next_serial()
        card = Card.objects.create(
            person=person,
            application=locked,
            generation=generation,
            interfaces=[str(i) for i in spec.interfaces],
            functions=[str(f) for f in spec.functions],
            bank_code=locked.bank_code,
            card_number=card_number(_series_letter(generation), serial),
            card_id_code=card_identification_code(region, serial),
            issued_on=today,
            valid_until=valid_until(today, years),
            pack_hash=locked.pack_hash,
        )
        locked.status = ApplicationStatus.COMPLETED
        locked.save(update_fields=["status"])
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="card_issue",
                object_type=CARD_OBJECT,
                object_id=str(card.pk),
                changes={
                    "application_id": locked.pk,
                    "person_id": person.pk,
                    "generation": generation,
                    "card_number": card.card_number,
                    "valid_until": card.valid_until.isoformat(),
                },
                pack_hash=locked.pack_hash,
            ),
        )
    return card


def card_enable(*, actor: Actor, card: Card, today: date) -> Card:
    """Switch on the card's social-security function; the person's previously enabled card
    becomes invalid (replaced) in the same transaction (BJ-10, SH-16)."""
    if actor.role not in ENABLERS:
        raise PermissionDenied("enable cards", "启用社会保障卡")
    if actor.role is Role.CARDHOLDER and actor.person_id != card.person_id:
        raise NotFound("card", what_zh="该卡")
    with transaction.atomic():
        # Every card of the person, in primary-key order: two enablings of one person's cards
        # queue here instead of deadlocking, and the second sees the first's result.
        cards = list(
            Card.objects.select_for_update().filter(person_id=card.person_id).order_by("pk")
        )
        this = next((c for c in cards if c.pk == card.pk), None)
        if this is None:
            raise NotFound("card", what_zh="该卡")
        if this.ss_function != SocialSecurityFunction.NOT_ENABLED:
            raise _refuse(
                "card_not_enableable",
                "该卡的社保功能不能启用。",
                "The social-security function of this card cannot be enabled.",
                ss_function=this.ss_function,
            )
        if this.stage not in ENABLEABLE_STAGES:
            raise _refuse(
                "card_not_handed_over",
                "该卡尚未交到持卡人手中，不能启用。",
                "The card has not been handed to its holder yet and cannot be enabled.",
                stage=this.stage,
            )
        if card_status(this, today=today) != "not_enabled":
            raise _refuse(
                "card_not_enableable",
                "该卡的社保功能不能启用。",
                "The social-security function of this card cannot be enabled.",
                status_now=str(card_status(this, today=today)),
            )
        facts = []
        for old in cards:
            if old.ss_function == SocialSecurityFunction.ENABLED:
                old.ss_function = SocialSecurityFunction.INVALID
                old.save(update_fields=["ss_function"])
                facts.append(
                    AuditFact(
                        action="card_invalidate",
                        object_type=CARD_OBJECT,
                        object_id=str(old.pk),
                        changes={
                            "ss_function": ["enabled", "invalid"],
                            "replaced_by": this.pk,
                        },
                        pack_hash=this.pack_hash,
                    )
                )
        this.ss_function = SocialSecurityFunction.ENABLED
        this.enabled_at = timezone.now()
        this.save(update_fields=["ss_function", "enabled_at"])
        facts.append(
            AuditFact(
                action="card_enable",
                object_type=CARD_OBJECT,
                object_id=str(this.pk),
                changes={"ss_function": ["not_enabled", "enabled"]},
                pack_hash=this.pack_hash,
            )
        )
        audit_append_many(actor=actor, facts=facts)
    return this

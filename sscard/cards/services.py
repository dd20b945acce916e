"""Writes of the cards: ordering cards for applications, enabling the social-security function,
activating and closing the financial one, loss reports and replacements (BJ-08, BJ-10, BJ-11,
SH-12, SH-16, SH-18).

Each service runs in one transaction: it locks what it changes (a person's cards in primary-key
order, so two clerks serving one person queue instead of deadlocking), checks the transition
against the facets and the pack, writes, and appends its audit event.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from sscard.applications.choices import ApplicationStatus
from sscard.applications.models import Application
from sscard.applications.rules import in_force_for_person, template_text
from sscard.applications.services import application_submit, person_recipient
from sscard.cards.choices import (
    CardBlock,
    CardStage,
    CardStatus,
    FinancialFunction,
    LossChannel,
    LossEnd,
    LossKind,
    SocialSecurityFunction,
)
from sscard.cards.models import Card, CardCounter, LossReport
from sscard.cards.rules import (
    enable_paths,
    financial_enables_ss,
    financial_paths,
    packs_by_hash,
    paths_at,
    paths_text,
)
from sscard.cards.status import card_status
from sscard.core.actors import Actor, Role
from sscard.core.audit import AuditFact, audit_append, audit_append_many
from sscard.core.bulk import BulkWriter, id_ranges
from sscard.core.errors import ApplicationError, NotFound, PermissionDenied
from sscard.kernel.cardcodes import card_identification_code, card_number
from sscard.network.models import Outlet
from sscard.notifications.services import message_queue_many
from sscard.policy import Pack

CARD_OBJECT = "card"
ISSUERS = frozenset({Role.SYSTEM, Role.CITY_OFFICER, Role.PRODUCTION_OPERATOR})
CLERKS = frozenset({Role.BANK_CLERK, Role.COMMUNITY_CLERK})
# Counter clerks switch the SS function on at hand-over; the holder may do it online (BJ-08).
ENABLERS = frozenset({Role.BANK_CLERK, Role.COMMUNITY_CLERK, Role.CARDHOLDER, Role.SYSTEM})
# chosen: only a card in the holder's hands is enabled (SH-16: "once the new card is collected
# and opened"); a card still at the factory, in the post or at the outlet is refused.
ENABLEABLE_STAGES = frozenset({CardStage.HANDED_OVER})
# Who takes a loss report on each channel: the holder online, a clerk at the counter, and the
# bureau's hotline staff (or its voice system) by phone.
LOSS_CHANNEL_ROLES: dict[str, frozenset[Role]] = {
    LossChannel.ONLINE: frozenset({Role.CARDHOLDER}),
    LossChannel.COUNTER: CLERKS,
    LossChannel.PHONE: frozenset({Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM}),
}
# Statuses a card can be reported lost in: a card in force, or one not yet enabled.
REPORTABLE = frozenset(
    {
        CardStatus.VALID,
        CardStatus.NOT_ENABLED,
        CardStatus.BLOCKED_TEMPORARY,
        CardStatus.BLOCKED_FORMAL,
    }
)
_COUNTER = "card"
# Channels whose card is made in the visit that takes the application (BJ-11, SH-12).
SAME_VISIT_CHANNELS = frozenset({"instant_outlet"})


def _refuse(code: str, zh: str, en: str, status: int = 409, **details: object) -> ApplicationError:
    return ApplicationError(code, zh, en, dict(details), status=status)


def valid_until(issued_on: date, years: int) -> date:
    """The last day a card issued on ``issued_on`` is valid: the day before the anniversary."""
    try:
        anniversary = issued_on.replace(year=issued_on.year + years)
    except ValueError:  # 29 February into a common year
        anniversary = date(issued_on.year + years, 3, 1)
    return anniversary - timedelta(days=1)


def _series_letter(generation: int) -> str:
    # chosen: the series letter tells the generation apart at a glance (A, B, C, ...).
    return "ABCDEFGHJ"[generation - 1]


def _reserve_serials(count: int) -> int:
    """Reserve ``count`` consecutive serials; answer the first. The counter row is locked
    until the caller's transaction ends, so two orders never share a serial."""
    CardCounter.objects.get_or_create(name=_COUNTER)
    counter = CardCounter.objects.select_for_update().get(name=_COUNTER)
    first = counter.value + 1
    counter.value += count
    counter.save(update_fields=["value"])
    return first


# --------------------------------------------------------------------------------------------
# Ordering cards (set-based: a batch of 100,000 is one COPY)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CardOrder:
    """One card to make: for an application, or to remake a defective card."""

    application_id: int
    person_id: int
    region: str
    generation: int
    pack_hash: str
    bank_code: str
    remake_of_id: int | None = None


_CARD_COLUMNS = (
    "id", "person_id", "application_id", "generation", "interfaces", "functions", "bank_code",
    "card_number", "card_id_code", "stage", "ss_function", "financial_function", "block",
    "blocked_until", "issued_on", "valid_until", "enabled_at", "financial_changed_at",
    "pack_hash", "remake_of_id", "produced_at", "handed_over_at", "handed_over_outlet_id",
)  # fmt: skip


def _spec(packs: dict[str, Pack], order: CardOrder) -> tuple[list[str], list[str], int]:
    pack = packs.get(order.pack_hash)
    spec = pack.card(order.generation) if pack is not None else None
    years = pack.validity_years(order.generation) if pack is not None else None
    if pack is None:
        raise _refuse(
            "card_pack_unknown",
            "找不到该申请所依据的政策包。",
            "The policy pack the application was decided under is not known.",
            status=422,
            application_id=order.application_id,
        )
    if spec is None:
        raise _refuse(
            "card_generation_unknown",
            "政策包中没有该申请的卡代次。",
            "The pack does not issue the card generation of this application.",
            status=422,
            generation=order.generation,
        )
    if years is None:
        raise _refuse(
            "card_validity_unknown",
            "政策包未规定该代卡的有效期。",
            "The pack gives no validity for this card generation.",
            status=422,
            generation=order.generation,
        )
    return [str(i) for i in spec.interfaces], [str(f) for f in spec.functions], years


def cards_create(*, actor: Actor, orders: Sequence[CardOrder], today: date) -> list[int]:
    """Write one card per order (stage ``ordered``) with fresh codes; answer their ids.

    Runs inside the caller's transaction. Generation, interfaces, functions and validity come
    from the pack each application was decided under (BJ-01, SH-04); the card number (卡号) and
    the card identification code (卡识别码) come from one reserved run of serials, so they are
    unique whatever else is ordering at the same time.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("cards_create must run inside the transaction of the change")
    if not orders:
        return []
    packs = packs_by_hash(o.pack_hash for o in orders)
    specs = {(o.pack_hash, o.generation): _spec(packs, o) for o in orders}
    writer = BulkWriter()
    table = Card._meta.db_table
    ids = writer.allocate_ids(table, len(orders))
    first = _reserve_serials(len(orders))
    issued = writer.date(today)
    rows: list[tuple[object, ...]] = []
    for n, (pk, order) in enumerate(zip(ids, orders, strict=True)):
        serial = first + n
        interfaces, functions, years = specs[(order.pack_hash, order.generation)]
        rows.append(
            (pk, order.person_id, order.application_id, order.generation,
             json.dumps(interfaces), json.dumps(functions),
             order.bank_code, card_number(_series_letter(order.generation), serial),
             card_identification_code(order.region, serial), CardStage.ORDERED.value,
             SocialSecurityFunction.NOT_ENABLED.value, FinancialFunction.NOT_ACTIVATED.value,
             CardBlock.NONE.value, None, issued, writer.date(valid_until(today, years)),
             None, None, order.pack_hash, order.remake_of_id, None, None, None)
        )  # fmt: skip
    writer.insert(table, _CARD_COLUMNS, rows)
    hashes = sorted({o.pack_hash for o in orders})
    audit_append(
        actor=actor,
        fact=AuditFact(
            action="card_order",
            object_type=CARD_OBJECT,
            object_id=f"{ids[0]}-{ids[-1]}",
            changes={
                "cards": len(ids),
                "card_ids": id_ranges(ids),
                "application_ids": id_ranges(sorted({o.application_id for o in orders})),
                "remakes": sum(1 for o in orders if o.remake_of_id is not None),
                "serials": [first, first + len(orders) - 1],
            },
            pack_hash=hashes[0] if len(hashes) == 1 else "",
        ),
    )
    return ids


def _region(person_insured: str, person_hukou: str, pack: Pack | None) -> str:
    region = person_insured or person_hukou
    if len(region) == 6 and region.isdigit():
        return region
    return pack.city if pack is not None else "000000"


def _orders(rows: Sequence[tuple[Any, ...]]) -> list[CardOrder]:
    """Card orders from ``(remake of, application, person, generation, pack hash, bank,
    insured region, hukou region)`` rows, the card's region from the person."""
    packs = packs_by_hash(row[4] for row in rows)
    return [
        CardOrder(
            application_id=app_id,
            person_id=person_id,
            region=_region(insured, hukou, packs.get(pack_hash)),
            generation=generation,
            pack_hash=pack_hash,
            bank_code=bank,
            remake_of_id=remake_of,
        )
        for remake_of, app_id, person_id, generation, pack_hash, bank, insured, hukou in rows
    ]


def cards_order(*, actor: Actor, application_ids: Sequence[int], today: date) -> list[int]:
    """Order the card of each submitted application (set-based); the applications complete.

    Applications that are no longer submitted, or that already have a card, are refused as a
    whole (``application_not_open``): nothing is written.
    """
    if actor.role not in ISSUERS | CLERKS:
        raise PermissionDenied("issue cards", "制发社会保障卡")
    if not application_ids:
        return []
    with transaction.atomic():
        locked = list(
            Application.objects.select_for_update(of=("self",))
            .filter(pk__in=application_ids)
            .order_by("pk")
            .values_list(
                "pk", "status", "person_id", "card_generation", "pack_hash", "bank_code",
                "person__insured_region", "person__hukou_region", "channel",
            )
        )  # fmt: skip
        # A clerk orders a card only where it is made while the holder waits (BJ-11, SH-12).
        if actor.role in CLERKS and any(row[8] not in SAME_VISIT_CHANNELS for row in locked):
            raise PermissionDenied("issue cards", "制发社会保障卡")
        with_card = set(
            Card.objects.filter(application_id__in=application_ids)
            .exclude(stage=CardStage.DEFECTIVE)
            .values_list("application_id", flat=True)
        )
        not_open = [
            row[0] for row in locked if row[1] != ApplicationStatus.SUBMITTED or row[0] in with_card
        ]
        missing = set(application_ids) - {row[0] for row in locked}
        if missing:
            raise NotFound("application", what_zh="该申请")
        if not_open:
            raise _refuse(
                "application_not_open",
                "该申请已不在办理中。",
                "That application is no longer open.",
                application_ids=not_open[:20],
            )
        for row in locked:
            if row[3] is None:
                raise _refuse(
                    "card_generation_unknown",
                    "政策包中没有该申请的卡代次。",
                    "The pack does not issue the card generation of this application.",
                    status=422,
                    application_id=row[0],
                )
        orders = _orders([(None, row[0], *row[2:8]) for row in locked])
        ids = cards_create(actor=actor, orders=orders, today=today)
        Application.objects.filter(pk__in=[o.application_id for o in orders]).update(
            status=ApplicationStatus.COMPLETED
        )
    return ids


def card_issue_for_application(*, actor: Actor, application: Application, today: date) -> Card:
    """Order the card one application decided on (see :func:`cards_order`)."""
    (card_id,) = cards_order(actor=actor, application_ids=[application.pk], today=today)
    return Card.objects.get(pk=card_id)


def cards_remake(*, actor: Actor, card_ids: Sequence[int], today: date) -> list[int]:
    """Order a new card for each defective card, for the same application; answer their ids.

    Runs inside the caller's transaction (the factory-result import). The remake gets new
    codes: the card identification code belongs to the chip, and the defective chip is gone.
    """
    defective = list(
        Card.objects.filter(pk__in=card_ids, stage=CardStage.DEFECTIVE)
        .order_by("pk")
        .values_list(
            "pk", "application_id", "person_id", "generation", "pack_hash", "bank_code",
            "person__insured_region", "person__hukou_region",
        )
    )  # fmt: skip
    orders = _orders(defective)  # the defective card is what the remake remakes
    return cards_create(actor=actor, orders=orders, today=today)


def cards_advance(
    *, card_ids: Sequence[int], from_stages: Sequence[str], to_stage: str, **values: Any
) -> int:
    """Move cards from one of ``from_stages`` to ``to_stage`` in one statement; answer how many.

    Runs inside the caller's transaction, which audits the change: production and delivery
    move cards in bulk through here, so every stage change goes through one place.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("cards_advance must run inside the transaction of the change")
    if not card_ids:
        return 0
    moved = 0
    for start in range(0, len(card_ids), 20000):
        part = card_ids[start : start + 20000]
        moved += Card.objects.filter(pk__in=part, stage__in=from_stages).update(
            stage=to_stage, **values
        )
    return moved


# --------------------------------------------------------------------------------------------
# Enabling the social-security function (BJ-10, SH-16)
# --------------------------------------------------------------------------------------------


def _actor_outlet(actor: Actor) -> Outlet | None:
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


def _check_path(
    actor: Actor, card: Card, allowed: Sequence[str], outlet: Outlet | None, *, what: str
) -> None:
    """The actor must stand on one of the pack's paths for this card."""
    if actor.role is Role.SYSTEM:
        return
    standing = {"online"} if actor.role is Role.CARDHOLDER else paths_at(outlet, card)
    if standing & set(allowed):
        return
    zh, en = paths_text(allowed)
    if what == "ss":
        raise _refuse(
            "enable_path_not_allowed",
            f"该卡的社会保障功能须通过以下方式启用：{zh}。",
            f"This card's social-security function is enabled {en}.",
            status=422,
            allowed=list(allowed),
        )
    raise _refuse(
        "financial_activation_path",
        f"该卡的金融功能须通过以下方式激活：{zh}。",
        f"This card's financial function is activated {en}.",
        status=422,
        allowed=list(allowed),
    )


def _check_enableable(this: Card, today: date) -> None:
    """The card's own state must allow enabling: handed over, not enabled yet, not blocked."""
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
    if card_status(this, today=today) != CardStatus.NOT_ENABLED:
        raise _refuse(
            "card_not_enableable",
            "该卡的社保功能不能启用。",
            "The social-security function of this card cannot be enabled.",
            status_now=str(card_status(this, today=today)),
        )


def _enable_locked(actor: Actor, this: Card, cards: Sequence[Card], today: date) -> list[AuditFact]:
    """Enable ``this`` (locked) and invalidate the person's previous card in the same
    transaction; answer the audit facts."""
    _check_enableable(this, today)
    facts = []
    for old in cards:
        if old.pk != this.pk and old.ss_function == SocialSecurityFunction.ENABLED:
            old.ss_function = SocialSecurityFunction.INVALID
            old.save(update_fields=["ss_function"])
            facts.append(
                AuditFact(
                    action="card_invalidate",
                    object_type=CARD_OBJECT,
                    object_id=str(old.pk),
                    changes={"ss_function": ["enabled", "invalid"], "replaced_by": this.pk},
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
            changes={"ss_function": ["not_enabled", "enabled"], "by": str(actor.role)},
            pack_hash=this.pack_hash,
        )
    )
    return facts


def _locked_target(actor: Actor, card: Card) -> tuple[Card, list[Card]]:
    if actor.role is Role.CARDHOLDER and actor.person_id != card.person_id:
        raise NotFound("card", what_zh="该卡")
    cards = _person_cards_locked(card.person_id)
    this = next((c for c in cards if c.pk == card.pk), None)
    if this is None:
        raise NotFound("card", what_zh="该卡")
    return this, cards


def card_enable(*, actor: Actor, card: Card, today: date) -> Card:
    """Switch on the card's social-security function where its pickup method allows (online by
    the holder, on site, at a community centre ...); the person's previously enabled card
    becomes invalid (replaced) in the same transaction (BJ-10, SH-16)."""
    if actor.role not in ENABLERS:
        raise PermissionDenied("enable cards", "启用社会保障卡")
    outlet = _actor_outlet(actor)
    with transaction.atomic():
        this, cards = _locked_target(actor, card)
        _check_enableable(this, today)
        _check_path(actor, this, enable_paths(this), outlet, what="ss")
        facts = _enable_locked(actor, this, cards, today)
        audit_append_many(actor=actor, facts=facts)
    return this


# --------------------------------------------------------------------------------------------
# The financial function (BJ-08): at the issuing bank only; closing is the holder's choice
# --------------------------------------------------------------------------------------------


def _check_issuing_bank(actor: Actor, card: Card, outlet: Outlet | None) -> None:
    if actor.role is Role.CARDHOLDER:
        raise _refuse(
            "financial_activation_online_refused",
            "金融功能不能在线上激活，请持卡到发卡银行任一服务网点办理。",
            "The financial function cannot be activated online; take the card to any outlet "
            "of the issuing bank.",
            status=422,
            bank=card.bank_code,
        )
    if actor.role is Role.SYSTEM:
        return
    bank = outlet.bank.code if outlet is not None and outlet.bank is not None else None
    if bank != card.bank_code:
        raise _refuse(
            "financial_activation_wrong_bank",
            f"金融功能只能在发卡银行（{card.bank_code}）的服务网点办理。",
            f"The financial function is handled only at an outlet of the issuing bank "
            f"({card.bank_code}).",
            status=422,
            bank=card.bank_code,
            here=bank,
        )


def card_activate_financial(*, actor: Actor, card: Card, today: date) -> Card:
    """Activate the card's financial function at an outlet of the issuing bank (BJ-08).

    Online is refused (``financial_activation_online_refused``), another bank's outlet too
    (``financial_activation_wrong_bank``). Where the pack says so (``financial_enables_ss``),
    the SS function is enabled in the same transaction, and with it the old card invalid.
    """
    if actor.role not in (*CLERKS, Role.CARDHOLDER, Role.SYSTEM):
        raise PermissionDenied("activate the financial function", "激活金融功能")
    outlet = _actor_outlet(actor)
    with transaction.atomic():
        this, cards = _locked_target(actor, card)
        _check_issuing_bank(actor, this, outlet)
        if this.stage not in ENABLEABLE_STAGES:
            raise _refuse(
                "card_not_handed_over",
                "该卡尚未交到持卡人手中，不能启用。",
                "The card has not been handed to its holder yet and cannot be enabled.",
                stage=this.stage,
            )
        _check_path(actor, this, financial_paths(this), outlet, what="financial")
        status = card_status(this, today=today)
        if this.financial_function != FinancialFunction.NOT_ACTIVATED or status not in (
            CardStatus.VALID,
            CardStatus.NOT_ENABLED,
        ):
            raise _refuse(
                "financial_not_activatable",
                "该卡的金融功能不能激活。",
                "The financial function of this card cannot be activated.",
                financial_function=this.financial_function,
                status_now=str(status),
            )
        this.financial_function = FinancialFunction.ACTIVATED
        this.financial_changed_at = timezone.now()
        this.save(update_fields=["financial_function", "financial_changed_at"])
        facts = [
            AuditFact(
                action="card_activate_financial",
                object_type=CARD_OBJECT,
                object_id=str(this.pk),
                changes={"financial_function": ["not_activated", "activated"]},
                pack_hash=this.pack_hash,
            )
        ]
        if financial_enables_ss(this) and this.ss_function == SocialSecurityFunction.NOT_ENABLED:
            facts += _enable_locked(actor, this, cards, today)
        audit_append_many(actor=actor, facts=facts)
    return this


def card_close_financial(*, actor: Actor, card: Card) -> Card:
    """Close the card's bank account at the issuing bank: the holder's choice, separate from
    the SS function (BJ-10: the old card's account may be closed, or kept)."""
    if actor.role not in (Role.BANK_CLERK, Role.SYSTEM):
        raise PermissionDenied("close the financial function", "注销金融功能")
    outlet = _actor_outlet(actor)
    with transaction.atomic():
        this = Card.objects.select_for_update().filter(pk=card.pk).first()
        if this is None:
            raise NotFound("card", what_zh="该卡")
        _check_issuing_bank(actor, this, outlet)
        if this.financial_function != FinancialFunction.ACTIVATED:
            raise _refuse(
                "financial_not_active",
                "该卡的金融功能未激活，无需注销。",
                "The card's financial function is not active; there is nothing to close.",
                financial_function=this.financial_function,
            )
        this.financial_function = FinancialFunction.CLOSED
        this.financial_changed_at = timezone.now()
        this.save(update_fields=["financial_function", "financial_changed_at"])
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="card_close_financial",
                object_type=CARD_OBJECT,
                object_id=str(this.pk),
                changes={"financial_function": ["activated", "closed"]},
                pack_hash=this.pack_hash,
            ),
        )
    return this


# --------------------------------------------------------------------------------------------
# Loss reports (挂失) and their withdrawal (SH-18)
# --------------------------------------------------------------------------------------------


def _loss_terms(card: Card) -> Pack:
    """The pack whose loss terms apply: the one in force for the card's city now."""
    return in_force_for_person(card.person).pack


def _require_in_use(card: Card, today: date, code: str, zh: str, en: str) -> None:
    """A card that is in force, blocked or not yet enabled; a replaced, cancelled or expired
    one is refused with ``code``."""
    status = card_status(card, today=today)
    if status not in REPORTABLE:
        raise _refuse(code, zh, en, status_now=str(status))


def standing_loss_report(card: Card, *, today: date) -> LossReport | None:
    """The card's loss report that still stands on ``today`` (a temporary one lapses)."""
    report = LossReport.objects.filter(card=card, ended_at__isnull=True).order_by("-pk").first()
    if report is None:
        return None
    lapsed = (
        report.kind == LossKind.TEMPORARY
        and report.blocked_until is not None
        and report.blocked_until < today
        and report.replacement_id is None
    )
    return None if lapsed else report


def card_report_loss(
    *, actor: Actor, card: Card, channel: str, today: date, formal: bool = False
) -> LossReport:
    """Report a card lost: it is blocked at once (SH-18).

    A report by phone or online is temporary and lifts itself after the pack's term; a formal
    report (only where the pack allows it, the counter) stands. A formal report on a
    temporarily blocked card confirms it. Refusals: ``loss_channel_not_offered``,
    ``loss_formal_not_here``, ``loss_already_reported``, ``card_not_reportable``.
    """
    if channel not in LOSS_CHANNEL_ROLES:
        raise _refuse(
            "loss_channel_not_offered",
            "不受理该方式的挂失。",
            "Loss reports are not taken that way.",
            status=422,
            channel=channel,
        )
    if actor.role not in LOSS_CHANNEL_ROLES[channel]:
        raise PermissionDenied("take a loss report on this channel", "受理该方式的挂失")
    pack = _loss_terms(card)
    terms = pack.loss
    if channel not in terms.report_channels:
        raise _refuse(
            "loss_channel_not_offered",
            "不受理该方式的挂失。",
            "Loss reports are not taken that way.",
            status=422,
            channel=channel,
            offered=list(terms.report_channels),
        )
    if formal and channel not in terms.formal_report_channels:
        raise _refuse(
            "loss_formal_not_here",
            "正式挂失须到柜台办理。",
            "A formal loss report is taken only at a counter.",
            status=422,
            offered=list(terms.formal_report_channels),
        )
    kind = LossKind.FORMAL if formal or terms.temporary_block_days is None else LossKind.TEMPORARY
    until = (
        None if kind == LossKind.FORMAL else today + timedelta(days=terms.temporary_block_days or 0)
    )
    outlet = _actor_outlet(actor)
    with transaction.atomic():
        this, _cards = _locked_target(actor, card)
        _require_in_use(
            this,
            today,
            "card_not_reportable",
            "该卡已失效，无需挂失。",
            "This card is no longer in use; there is nothing to report.",
        )
        standing = standing_loss_report(this, today=today)
        now = timezone.now()
        if standing is not None and not (
            standing.kind == LossKind.TEMPORARY and kind == LossKind.FORMAL
        ):
            raise _refuse(
                "loss_already_reported",
                "该卡已挂失。",
                "This card has already been reported lost.",
                report_id=standing.pk,
                kind=standing.kind,
            )
        # A lapsed temporary report is closed by the new one; a confirmed one is replaced.
        LossReport.objects.filter(card=this, ended_at__isnull=True).update(
            ended_at=now,
            end_reason=LossEnd.CONFIRMED if standing is not None else LossEnd.LAPSED,
        )
        report = LossReport.objects.create(
            card=this,
            channel=channel,
            kind=kind,
            reported_on=today,
            blocked_until=until,
            outlet=outlet,
            reported_by=actor.label,
            reported_by_role=str(actor.role),
            created_at=now,
            replacement_id=standing.replacement_id if standing is not None else None,
        )
        before = this.block
        this.block = CardBlock.FORMAL if kind == LossKind.FORMAL else CardBlock.TEMPORARY
        this.blocked_until = until
        this.save(update_fields=["block", "blocked_until"])
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="card_report_loss",
                object_type=CARD_OBJECT,
                object_id=str(this.pk),
                changes={
                    "report_id": report.pk,
                    "channel": channel,
                    "kind": kind,
                    "block": [before, this.block],
                    "blocked_until": until.isoformat() if until else None,
                },
                pack_hash=pack.content_hash,
            ),
        )
        _tell_holder(actor, this, pack, "loss_reported")
    return report


def _tell_holder(actor: Actor, card: Card, pack: Pack, template: str, **values: object) -> None:
    """Queue the pack's template to the holder, if the pack has one and the holder a phone."""
    text = template_text(pack, template, **values)
    recipient = person_recipient(card.person)
    if text is not None and recipient is not None:
        message_queue_many(
            actor=actor,
            recipients=[recipient],
            text=text,
            template_key=template,
            pack_hash=pack.content_hash,
        )


def card_loss_withdraw(*, actor: Actor, card: Card, today: date) -> LossReport:
    """Withdraw the card's standing loss report and lift the block — only while no
    replacement has been applied for (``loss_withdraw_after_replacement``)."""
    if actor.role not in (*CLERKS, Role.CARDHOLDER, Role.CITY_OFFICER, Role.SYSTEM):
        raise PermissionDenied("withdraw a loss report", "撤销挂失")
    with transaction.atomic():
        this, _cards = _locked_target(actor, card)
        report = standing_loss_report(this, today=today)
        if report is None:
            raise _refuse(
                "loss_not_reported",
                "该卡没有有效的挂失。",
                "This card has no standing loss report.",
            )
        if report.replacement_id is not None:
            raise _refuse(
                "loss_withdraw_after_replacement",
                "已申请补换新卡，挂失不能撤销。",
                "A replacement has been applied for; the loss report can no longer be withdrawn.",
                replacement_id=report.replacement_id,
            )
        report.ended_at = timezone.now()
        report.end_reason = LossEnd.WITHDRAWN
        report.save(update_fields=["ended_at", "end_reason"])
        before = this.block
        this.block = CardBlock.NONE
        this.blocked_until = None
        this.save(update_fields=["block", "blocked_until"])
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="card_loss_withdraw",
                object_type=CARD_OBJECT,
                object_id=str(this.pk),
                changes={"report_id": report.pk, "block": [before, CardBlock.NONE]},
                pack_hash=this.pack_hash,
            ),
        )
    return report


# --------------------------------------------------------------------------------------------
# Replacement (补换, BJ-11, SH-12, SH-18)
# --------------------------------------------------------------------------------------------

REPLACE_ACTIONS = {"lost": "replace_lost", "damaged": "replace_damaged"}


def card_replacement_apply(
    *,
    actor: Actor,
    card: Card,
    reason: str,
    channel: str,
    day: date,
    pickup: str | None = None,
    bank: str | None = None,
    mailing_address: str = "",
    backup_centre_id: int | None = None,
    photo_source: str | None = None,
) -> Application:
    """Apply for a replacement of a lost or damaged card, as the pack in force decides.

    The engine answers for the person (BJ-10: a pilot target gets a third-generation card,
    anyone else the old style), the channel (SH-06: replacements at community centres) and
    the due date (BJ-11: N working days, or the same visit). For a lost card the loss stands
    formally from now on, and the report can no longer be withdrawn (SH-18). The bank is the
    issuing bank of the card replaced unless another is named; the photo is the one the card
    was made with unless another source is named.
    """
    action = REPLACE_ACTIONS.get(reason)
    if action is None:
        raise _refuse(
            "replacement_reason_invalid",
            "补换原因须为遗失或损坏。",
            "A replacement is for a lost or a damaged card.",
            status=422,
            reason=reason,
        )
    if actor.role not in CLERKS:
        raise PermissionDenied("take a replacement application", "受理补换申请")
    with transaction.atomic():
        this, _cards = _locked_target(actor, card)
        _require_in_use(
            this,
            day,
            "card_not_replaceable",
            "该卡已失效，不能补换。",
            "This card is no longer in use and cannot be replaced.",
        )
        previous = this.application
        if photo_source is None and previous is not None:
            photo_source, photo_id = previous.photo_source, previous.photo_id
        else:
            # chosen: a card from the old system has no photo on record here; the one shared
            # from the holder's ID card is used unless the clerk names another source.
            photo_source, photo_id = photo_source or "id_card", None
        application = application_submit(
            actor=actor,
            person=this.person,
            channel=channel,
            action=action,
            day=day,
            photo_source=photo_source,
            photo_id=photo_id,
            bank=bank or this.bank_code or None,
            pickup=pickup,
            mailing_address=mailing_address,
            backup_centre_id=backup_centre_id,
        )
        if reason == "lost":
            report = standing_loss_report(this, today=day)
            if report is None or report.kind == LossKind.TEMPORARY:
                report = card_report_loss(
                    actor=actor, card=this, channel=LossChannel.COUNTER, today=day, formal=True
                )
            LossReport.objects.filter(pk=report.pk).update(replacement=application)
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="card_replacement_apply",
                object_type=CARD_OBJECT,
                object_id=str(this.pk),
                changes={"application_id": application.pk, "reason": reason, "channel": channel},
                pack_hash=application.pack_hash,
            ),
        )
    return application

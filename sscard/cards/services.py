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
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from sscard.applications.choices import ApplicationStatus
from sscard.applications.models import Application
from sscard.applications.rules import in_force_for_person, template_text
from sscard.applications.services import (
    application_submit,
    card_already_held,
    person_recipient,
)
from sscard.cards.choices import (
    CardBlock,
    CardStage,
    FinancialFunction,
    LossChannel,
    LossEnd,
    LossKind,
    SocialSecurityFunction,
)
from sscard.cards.models import Card, CardCounter, LossReport
from sscard.cards.rules import (
    ENABLE_ROLES,
    FINANCIAL_ACTIVATE_ROLES,
    FINANCIAL_CLOSE_ROLES,
    LOSS_CHANNEL_ROLES,
    LOSS_WITHDRAW_ROLES,
    enable_refusal,
    enableable_refusal,
    financial_activation_refusal,
    financial_close_refusal,
    financial_enables_ss,
    loss_report_refusal,
    loss_withdraw_refusal,
    packs_by_hash,
    replacement_refusal,
    standing_loss_report,
)
from sscard.core.actors import Actor, Role
from sscard.core.audit import AuditFact, audit_append, audit_append_many
from sscard.core.bulk import BulkWriter, id_ranges
from sscard.core.errors import ApplicationError, NotFound, PermissionDenied
from sscard.kernel.cardcodes import card_identification_code, card_number
from sscard.network.models import Outlet
from sscard.notifications.services import message_queue_many
from sscard.policy import Pack
from sscard.registry.models import Person

CARD_OBJECT = "card"
ISSUERS = frozenset({Role.SYSTEM, Role.CITY_OFFICER, Role.PRODUCTION_OPERATOR})
CLERKS = frozenset({Role.BANK_CLERK, Role.COMMUNITY_CLERK})
# Who may do what, the statuses a card can be reported lost in, and every refusal of the
# card-life services below are the predicates of ``cards.rules``: the counter page and the
# holder's page offer an action only when the same predicate accepts it.
_COUNTER = "card"
# The partial unique index that holds one current card per person and generation.
SLOT_CONSTRAINT = "one_current_card_per_person_and_generation"
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
    # The card this one replaces (补换): it gives up its place for the generation to this one.
    replaces_id: int | None = None


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
    replaced = {o.replaces_id: pk for pk, o in zip(ids, orders, strict=True) if o.replaces_id}
    if replaced:
        # The card replaced gives up its place first, so the new one can take it.
        Card.objects.filter(pk__in=replaced).update(
            replaced_by_id=Case(*(When(pk=old, then=Value(new)) for old, new in replaced.items()))
        )
    try:
        with transaction.atomic():
            writer.insert(table, _CARD_COLUMNS, rows)
    except Exception as exc:
        _raise_if_slot_taken(exc, orders)
        raise
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
                "replaces": {str(new): old for old, new in replaced.items()},
                "serials": [first, first + len(orders) - 1],
            },
            pack_hash=hashes[0] if len(hashes) == 1 else "",
        ),
    )
    return ids


def _raise_if_slot_taken(exc: Exception, orders: Sequence[CardOrder]) -> None:
    """Answer ``card_already_held`` when the write broke the one-card-per-generation index."""
    # The raw write raises the driver's own IntegrityError, not Django's.
    driver_error = connection.Database.IntegrityError  # type: ignore[attr-defined]
    text = str(exc)
    if isinstance(exc, IntegrityError | driver_error) and (
        SLOT_CONSTRAINT in text or "cards_card.person_id, cards_card.generation" in text
    ):
        order = orders[0]
        raise card_already_held(person_id=order.person_id, generation=order.generation) from exc


def card_order_conflicts(
    rows: Sequence[tuple[int, int, int, str]],
) -> tuple[dict[int, int], list[int]]:
    """Which card each application's card replaces, and which applications may not have one.

    ``rows`` are ``(application, person, generation, action)``. The rule (issue 9, point 6):
    a person holds at most one *current* card per generation — a card in force or on its way
    (ordered, in production, in the post, at the outlet, handed over), that is every card
    except a void one (SS function invalid or cancelled, or defective: its remake takes its
    place) and except one whose replacement has been ordered. So:

    * a first application, a change to the new card or a collective one gets no card of a
      generation the person already holds a current card of (``card_already_held``);
    * a replacement (lost or damaged) replaces the person's current card of the generation it
      orders, if any: the old card gives up its place to the new one when the new one is
      ordered (``replaced_by``), and keeps answering as before — blocked if it was reported
      lost, valid if merely damaged — until the new card is enabled and it becomes invalid;
    * a card of another generation is no conflict: enabling the new card invalidates the old
      one (BJ-10, SH-16).

    Submission checks the same rule for the generation the engine decided
    (``application_submit``, ``collective_submit``), and the partial unique index
    ``one_current_card_per_person_and_generation`` holds it against any race.
    """
    persons = {row[1] for row in rows}
    held = {
        (person, generation): pk
        for pk, person, generation in Card.current()
        .select_for_update(of=("self",))
        .filter(person_id__in=persons)
        .order_by("pk")
        .values_list("pk", "person_id", "generation")
    }
    replaces: dict[int, int] = {}
    refused: list[int] = []
    for application_id, person, generation, action in rows:
        current = held.get((person, generation))
        if current is None:
            continue
        if action in REPLACE_ACTIONS.values():
            replaces[application_id] = current
        else:
            refused.append(application_id)
    return replaces, refused


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
    whole (``application_not_open``), and so is one for a person who already holds a current
    card of its generation (``card_already_held``, see :func:`card_order_conflicts`): nothing
    is written. A replacement's card takes the place of the card it replaces.
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
                "person__insured_region", "person__hukou_region", "channel", "action",
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
        # Lock the persons, in primary-key order, as a counter application does: an application
        # taken at this moment waits, then sees the card (``card_already_held``).
        persons = sorted({r[2] for r in locked})
        list(Person.objects.select_for_update().filter(pk__in=persons).order_by("pk").values("pk"))
        # (Every generation is known here: ``card_generation_unknown`` was refused above.)
        wanted = [(r[0], r[2], r[3], r[9]) for r in locked if r[3] is not None]
        replaces, held = card_order_conflicts(wanted)
        if held:
            _app, person, generation, _action = next(w for w in wanted if w[0] == held[0])
            raise card_already_held(person_id=person, generation=generation, application_ids=held)
        orders = [
            replace(order, replaces_id=replaces.get(order.application_id))
            for order in _orders([(None, row[0], *row[2:8]) for row in locked])
        ]
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


def _refuse_if(refused: ApplicationError | None) -> None:
    if refused is not None:
        raise refused


def _enable_locked(actor: Actor, this: Card, cards: Sequence[Card], today: date) -> list[AuditFact]:
    """Enable ``this`` (locked) and invalidate the person's previous card in the same
    transaction; answer the audit facts."""
    _refuse_if(enableable_refusal(this, today))
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
    if actor.role not in ENABLE_ROLES:
        raise PermissionDenied("enable cards", "启用社会保障卡")
    outlet = _actor_outlet(actor)
    with transaction.atomic():
        this, cards = _locked_target(actor, card)
        _refuse_if(enable_refusal(actor=actor, card=this, outlet=outlet, today=today))
        facts = _enable_locked(actor, this, cards, today)
        audit_append_many(actor=actor, facts=facts)
    return this


# --------------------------------------------------------------------------------------------
# The financial function (BJ-08): at the issuing bank only; closing is the holder's choice
# --------------------------------------------------------------------------------------------


def card_activate_financial(*, actor: Actor, card: Card, today: date) -> Card:
    """Activate the card's financial function at an outlet of the issuing bank (BJ-08).

    Online is refused (``financial_activation_online_refused``), another bank's outlet too
    (``financial_activation_wrong_bank``). Where the pack says so (``financial_enables_ss``),
    the SS function is enabled in the same transaction, and with it the old card invalid.
    """
    if actor.role not in FINANCIAL_ACTIVATE_ROLES:
        raise PermissionDenied("activate the financial function", "激活金融功能")
    outlet = _actor_outlet(actor)
    with transaction.atomic():
        this, cards = _locked_target(actor, card)
        _refuse_if(financial_activation_refusal(actor=actor, card=this, outlet=outlet, today=today))
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
    if actor.role not in FINANCIAL_CLOSE_ROLES:
        raise PermissionDenied("close the financial function", "注销金融功能")
    outlet = _actor_outlet(actor)
    with transaction.atomic():
        this = Card.objects.select_for_update().filter(pk=card.pk).first()
        if this is None:
            raise NotFound("card", what_zh="该卡")
        _refuse_if(financial_close_refusal(actor=actor, card=this, outlet=outlet))
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
    kind = LossKind.FORMAL if formal or terms.temporary_block_days is None else LossKind.TEMPORARY
    until = (
        None if kind == LossKind.FORMAL else today + timedelta(days=terms.temporary_block_days or 0)
    )
    outlet = _actor_outlet(actor)
    with transaction.atomic():
        this, _cards = _locked_target(actor, card)
        standing = standing_loss_report(this, today=today)
        _refuse_if(
            loss_report_refusal(
                actor=actor,
                card=this,
                channel=channel,
                formal=formal,
                terms=terms,
                standing=standing,
                today=today,
            )
        )
        now = timezone.now()
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
    if actor.role not in LOSS_WITHDRAW_ROLES:
        raise PermissionDenied("withdraw a loss report", "撤销挂失")
    with transaction.atomic():
        this, _cards = _locked_target(actor, card)
        report = standing_loss_report(this, today=today)
        _refuse_if(loss_withdraw_refusal(actor=actor, standing=report))
        assert report is not None  # the predicate refuses a card without one
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
    was made with unless another source is named. The new card may be of the generation of
    the card replaced, but not of one the person holds another current card of
    (``card_already_held``, see :func:`card_order_conflicts`).
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
        _refuse_if(replacement_refusal(actor=actor, card=this, today=day))
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
            replaces_card_id=this.pk,
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

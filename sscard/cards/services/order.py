"""Ordering cards (set-based: a batch of 100,000 is one ``COPY``): for submitted applications,
to remake defective cards, and moving cards from stage to stage for production and delivery
(BJ-01, BJ-11, SH-04, SH-12).

Each card gets fresh codes from one reserved run of serials; the rule of one current card per
person and generation (:func:`card_order_conflicts_in_transaction`) is checked under the
persons' row locks and held by a partial unique index against any race.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Value, When

from sscard.applications.choices import ApplicationStatus
from sscard.applications.errors import ApplicationsErrorCode, card_already_held
from sscard.applications.models import Application
from sscard.cards.choices import CardBlock, CardStage, FinancialFunction, SocialSecurityFunction
from sscard.cards.errors import CardsErrorCode
from sscard.cards.milestones import card_milestones_record
from sscard.cards.models import Card, CardCounter
from sscard.cards.rules import REPLACING_ACTIONS, packs_by_hash
from sscard.cards.services._shared import CARD_OBJECT, CLERKS, in_transaction_or_fail
from sscard.core.actors import Actor, Role
from sscard.core.audit import AuditFact, audit_append
from sscard.core.bulk import BulkWriter, id_ranges
from sscard.core.errors import NotFound, PermissionDenied
from sscard.core.models import MilestoneKind
from sscard.kernel.cardcodes import card_identification_code, card_number
from sscard.policy import Pack, made_in_the_visit
from sscard.policy.predicates import age_on
from sscard.policy.schema import Validity
from sscard.registry.departure_errors import DepartureErrorCode
from sscard.registry.models import Person

ISSUERS = frozenset({Role.SYSTEM, Role.CITY_OFFICER, Role.PRODUCTION_OPERATOR})
_COUNTER = "card"
# The partial unique index that holds one current card per person and generation.
SLOT_CONSTRAINT = "one_current_card_per_person_and_generation"
# What ``cards_order`` reads of each application it locks, in this order.
_APPLICATION_FIELDS = (
    "pk", "status", "person_id", "card_generation", "pack_hash", "bank_code",
    "person__insured_region", "person__hukou_region", "channel", "action",
)  # fmt: skip


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


def _spec(packs: dict[str, Pack], order: CardOrder) -> tuple[list[str], list[str], Validity]:
    pack = packs.get(order.pack_hash)
    spec = pack.card(order.generation) if pack is not None else None
    validity = pack.validity_of(order.generation) if pack is not None else None
    if pack is None:
        raise CardsErrorCode.CARD_PACK_UNKNOWN.error(application_id=order.application_id)
    if spec is None:
        raise CardsErrorCode.CARD_GENERATION_UNKNOWN.error(generation=order.generation)
    if validity is None:
        raise CardsErrorCode.CARD_VALIDITY_UNKNOWN.error(generation=order.generation)
    return [str(i) for i in spec.interfaces], [str(f) for f in spec.functions], validity


def cards_create(*, actor: Actor, orders: Sequence[CardOrder], today: date) -> list[int]:
    """Write one card per order (stage ``ordered``) with fresh codes; answer their ids.

    Runs inside the caller's transaction. Generation, interfaces, functions and validity come
    from the pack each application was decided under (BJ-01, SH-04), the validity by the
    holder's age on ``today`` (the pack's age bands); the card number (卡号) and
    the card identification code (卡识别码) come from one reserved run of serials, so they are
    unique whatever else is ordering at the same time.
    """
    in_transaction_or_fail("cards_create")
    if not orders:
        return []
    packs = packs_by_hash(o.pack_hash for o in orders)
    specs = {(o.pack_hash, o.generation): _spec(packs, o) for o in orders}
    writer = BulkWriter()
    table = Card._meta.db_table
    ids = writer.allocate_ids(table, len(orders))
    first = _reserve_serials(len(orders))
    births = dict(
        Person.objects.filter(pk__in={o.person_id for o in orders}).values_list("pk", "birth_date")
    )
    rows = _card_rows(
        writer, zip(ids, orders, strict=True), specs, births, first=first, today=today
    )
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
    _audit_order(actor, ids, orders, replaced, first=first)
    return ids


def _card_rows(
    writer: BulkWriter,
    numbered: Iterable[tuple[int, CardOrder]],
    specs: dict[tuple[str, int], tuple[list[str], list[str], Validity]],
    births: dict[int, date],
    *,
    first: int,
    today: date,
) -> list[tuple[object, ...]]:
    """The new cards' rows in :data:`_CARD_COLUMNS` order, serials from ``first`` on."""
    issued = writer.date(today)
    rows: list[tuple[object, ...]] = []
    for n, (pk, order) in enumerate(numbered):
        serial = first + n
        interfaces, functions, validity = specs[(order.pack_hash, order.generation)]
        # The pack's term for the holder's age on the day the card is issued (a child's card
        # may run shorter).
        birth = births.get(order.person_id)
        years = validity.years_at(age_on(birth, today) if birth is not None else None)
        rows.append(
            (pk, order.person_id, order.application_id, order.generation,
             json.dumps(interfaces), json.dumps(functions),
             order.bank_code, card_number(_series_letter(order.generation), serial),
             card_identification_code(order.region, serial), CardStage.ORDERED.value,
             SocialSecurityFunction.NOT_ENABLED.value, FinancialFunction.NOT_ACTIVATED.value,
             CardBlock.NONE.value, None, issued, writer.date(valid_until(today, years)),
             None, None, order.pack_hash, order.remake_of_id, None, None, None)
        )  # fmt: skip
    return rows


def _audit_order(
    actor: Actor,
    ids: Sequence[int],
    orders: Sequence[CardOrder],
    replaced: dict[int, int],
    *,
    first: int,
) -> None:
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


def card_order_conflicts_in_transaction(
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
    * a replacement (lost or damaged) or a renewal replaces the person's current card of the
      generation it orders, if any: the old card gives up its place to the new one when the
      new one is ordered (``replaced_by``), and keeps answering as before — blocked if it was
      reported lost, valid if merely damaged, expired if run out — until the new card is
      enabled and it becomes invalid;
    * a card of another generation is no conflict: enabling the new card invalidates the old
      one (BJ-10, SH-16).

    Submission checks the same rule for the generation the engine decided
    (``application_submit``, ``collective_submit``), and the partial unique index
    ``one_current_card_per_person_and_generation`` holds it against any race. Runs inside the
    caller's transaction: it locks the persons' current cards until that one ends.
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
        if action in REPLACING_ACTIONS:
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
    card of its generation (``card_already_held``, see
    :func:`card_order_conflicts_in_transaction`): nothing is written. A replacement's card
    takes the place of the card it replaces.
    """
    if actor.role not in ISSUERS | CLERKS:
        raise PermissionDenied("issue cards", "制发社会保障卡")
    if not application_ids:
        return []
    with transaction.atomic():
        locked = _applications_locked(actor, application_ids)
        _refuse_unless_open(locked, application_ids)
        replaces = _slots_checked(locked)
        orders = [
            replace(order, replaces_id=replaces.get(order.application_id))
            for order in _orders([(None, row[0], *row[2:8]) for row in locked])
        ]
        ids = cards_create(actor=actor, orders=orders, today=today)
        Application.objects.filter(pk__in=[o.application_id for o in orders]).update(
            status=ApplicationStatus.COMPLETED
        )
        # A remake (``cards_remake``) is no new order: the application's card was ordered once.
        card_milestones_record(MilestoneKind.ORDERED, ids, day=today)
    return ids


def _applications_locked(actor: Actor, application_ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """The applications' :data:`_APPLICATION_FIELDS`, locked in primary-key order."""
    locked = list(
        Application.objects.select_for_update(of=("self",))
        .filter(pk__in=application_ids)
        .order_by("pk")
        .values_list(*_APPLICATION_FIELDS)
    )
    # A clerk orders a card only where its pack makes it while the holder waits (BJ-11, SH-12).
    if actor.role in CLERKS:
        packs = packs_by_hash(row[4] for row in locked)
        if not all(row[4] in packs and made_in_the_visit(packs[row[4]], row[8]) for row in locked):
            raise PermissionDenied("issue cards", "制发社会保障卡")
    return locked


def _refuse_unless_open(locked: Sequence[tuple[Any, ...]], application_ids: Sequence[int]) -> None:
    """Every application exists, is submitted, has no card yet and a known generation."""
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
        raise ApplicationsErrorCode.APPLICATION_NOT_OPEN.error(application_ids=not_open[:20])
    for row in locked:
        if row[3] is None:
            raise CardsErrorCode.CARD_GENERATION_UNKNOWN.error(application_id=row[0])


def _slots_checked(locked: Sequence[tuple[Any, ...]]) -> dict[int, int]:
    """Refuse an application whose person holds a current card of its generation; answer the
    card each replacement's card replaces."""
    # Lock the persons, in primary-key order, as a counter application does: an application
    # taken at this moment waits, then sees the card (``card_already_held``).
    persons = sorted({r[2] for r in locked})
    departed = {
        pk
        for pk, departed_on in Person.objects.select_for_update()
        .filter(pk__in=persons)
        .order_by("pk")
        .values_list("pk", "departed_on")
        if departed_on is not None
    }
    if departed:
        # A death recorded while this order waited for the lock: no card for a departed person.
        raise DepartureErrorCode.PERSON_DEPARTED.error(
            application_ids=[r[0] for r in locked if r[2] in departed]
        )
    # (Every generation is known here: ``card_generation_unknown`` was refused before.)
    wanted = [(r[0], r[2], r[3], r[9]) for r in locked if r[3] is not None]
    replaces, held = card_order_conflicts_in_transaction(wanted)
    if held:
        _app, person, generation, _action = next(w for w in wanted if w[0] == held[0])
        raise card_already_held(person_id=person, generation=generation, application_ids=held)
    return replaces


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
    in_transaction_or_fail("cards_advance")
    if not card_ids:
        return 0
    moved = 0
    for start in range(0, len(card_ids), 20000):
        part = card_ids[start : start + 20000]
        moved += Card.objects.filter(pk__in=part, stage__in=from_stages).update(
            stage=to_stage, **values
        )
    return moved

"""The bureau's numbers: overdue cards (BJ-11) per bank, outlet and district, and the backlog.

A card is overdue when the day its application was due to be made by has passed and the
factory has not made it yet. Only making counts where the pack's due rule excludes the time in
the post (BJ-11), so a card that is made and posted is not overdue however long the post takes;
where a pack's due rule does not exclude it, a posted card is overdue until it is delivered
(``policy.due_counts_postage``). An application not yet in a batch counts too: its card is not
even ordered.

An application whose due date falls in a year without an official holiday schedule has no due
date yet (it is never guessed): it is listed apart, as pending the official calendar, until the
bureau loads that year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from sscard.applications.choices import ApplicationStatus
from sscard.applications.models import Application
from sscard.cards.choices import CardStage
from sscard.cards.models import Card
from sscard.cards.rules import packs_by_hash
from sscard.cards.status import NOT_DELIVERED, NOT_MADE, card_is_overdue
from sscard.core.actors import Actor, Role
from sscard.core.calendar import CALENDAR_PENDING_REASON
from sscard.core.errors import PermissionDenied
from sscard.core.scope import city_prefix, person_in_city
from sscard.policy import due_counts_postage

__all__ = [
    "backlog",
    "card_is_overdue",
    "due_pending_applications",
    "due_pending_by",
    "overdue_applications",
    "overdue_by",
]

READERS = frozenset({Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM})
BACKLOG_STAGES = (
    CardStage.ORDERED,
    CardStage.PERSONALISED,
    CardStage.PRODUCED,
    CardStage.DISPATCHED,
    CardStage.AT_OUTLET,
)


def _check(actor: Actor) -> None:
    if actor.role not in READERS:
        raise PermissionDenied("see the bureau's reports", "查看统计报表")


def _not_made() -> Q:
    """Still waiting for a batch, or with its card ordered or being personalised."""
    in_making = Exists(Card.objects.filter(application_id=OuterRef("pk"), stage__in=NOT_MADE))
    return Q(status=ApplicationStatus.SUBMITTED) | Q(
        Q(status=ApplicationStatus.COMPLETED), in_making
    )


def _scoped(actor: Actor, found: QuerySet[Application]) -> QuerySet[Application]:
    if actor.role is Role.DISTRICT_OFFICER:
        return found.filter(person__insured_region=actor.district_code)
    prefix = city_prefix(actor)
    return found.filter(person_in_city(prefix, "person__")) if prefix else found


def due_pending_applications(*, actor: Actor) -> QuerySet[Application]:
    """Applications not made yet whose due date waits for the official calendar of its year
    (待官方日历公布后确定). Scoped like :func:`overdue_applications`."""
    _check(actor)
    found = Application.objects.filter(
        reason_code=CALENDAR_PENDING_REASON, due_date__isnull=True
    ).filter(_not_made())
    return _scoped(actor, found)


def _in_the_post() -> Q:
    """Made, and not delivered yet."""
    in_post = Exists(Card.objects.filter(application_id=OuterRef("pk"), stage__in=NOT_DELIVERED))
    return Q(Q(status=ApplicationStatus.COMPLETED), in_post)


def _postage_counted(late: QuerySet[Application]) -> Q:
    """Those of the ``late`` applications in the post whose pack's due rule counts the time in
    the post (BJ-11), by pack, rule and pickup method; matches nothing when none does."""
    posted = late.filter(_in_the_post()).values_list("pack_hash", "rule_id", "pickup").distinct()
    found = set(posted)
    packs = packs_by_hash(pack_hash for pack_hash, _, _ in found)
    counted = Q(pk__in=[])
    for pack_hash, rule_id, pickup in found:
        pack = packs.get(pack_hash)
        if pack is not None and due_counts_postage(pack, rule_id=rule_id, pickup=pickup):
            counted |= Q(pack_hash=pack_hash, rule_id=rule_id, pickup=pickup)
    return counted


def overdue_applications(*, actor: Actor, today: date) -> QuerySet[Application]:
    """Applications whose card was due to be made before ``today`` and is not made yet (or, under
    a due rule that counts the time in the post, is posted and not delivered yet).

    One row per application: still waiting for a batch, or with its card ordered or being
    personalised (a remade card counts through the new card). Scoped: a district officer sees
    the applications of persons insured in their district.
    """
    _check(actor)
    late = _scoped(actor, Application.objects.filter(due_date__lt=today))
    return late.filter(_not_made() | (_in_the_post() & _postage_counted(late)))


@dataclass(frozen=True, slots=True)
class OverdueRow:
    """Overdue cards of one bank, outlet or district."""

    key: str
    label: str
    count: int
    oldest_due: date


GROUPS = ("bank", "outlet", "district")


def _group_key(by: str) -> tuple[Any, Any]:
    keys: dict[str, tuple[Any, Any]] = {
        "bank": (F("bank_code"), F("bank_code")),
        # An individual application names its outlet; a collective one its pickup outlet.
        "outlet": (
            Coalesce("outlet__code", "collective__pickup_outlet__code", Value("")),
            Coalesce("outlet__name", "collective__pickup_outlet__name", Value("")),
        ),
        "district": (F("person__insured_region"), F("person__insured_region")),
    }
    if by not in keys:
        raise ValueError(by)
    return keys[by]


def overdue_by(*, actor: Actor, today: date, by: str) -> list[OverdueRow]:
    """Overdue cards grouped ``by`` bank, outlet or district, most first (one query while no
    late card is in the post; then the packs say which of those count, see
    :func:`overdue_applications`)."""
    key, label = _group_key(by)
    _check(actor)
    late = _scoped(actor, Application.objects.filter(due_date__lt=today))
    rows = _grouped(late.filter(_not_made() | _in_the_post()), key, label)
    if any(r["posted"] for r in rows):
        rows = _grouped(overdue_applications(actor=actor, today=today), key, label)
    return [OverdueRow(r["key"] or "", r["label"] or "", r["n"], r["oldest"]) for r in rows]


def _grouped(found: QuerySet[Application], key: Any, label: Any) -> list[dict[str, Any]]:
    rows = (
        found.order_by()
        .values(key=key, label=label)
        .annotate(
            n=Count("pk"),
            oldest=Min("due_date"),
            posted=Count("pk", filter=~_not_made()),
        )
        .order_by("-n", "key")
    )
    return [dict(r) for r in rows]


@dataclass(frozen=True, slots=True)
class PendingRow:
    """Applications of one bank, outlet or district whose due date awaits the calendar."""

    key: str
    label: str
    count: int
    oldest_applied: date


def due_pending_by(*, actor: Actor, by: str) -> list[PendingRow]:
    """Applications pending the official calendar grouped ``by`` bank, outlet or district,
    most first (one query)."""
    key, label = _group_key(by)
    rows = (
        due_pending_applications(actor=actor)
        .order_by()
        .values(key=key, label=label)
        .annotate(n=Count("pk"), oldest=Min("applied_on"))
        .order_by("-n", "key")
    )
    return [PendingRow(r["key"] or "", r["label"] or "", r["n"], r["oldest"]) for r in rows]


@dataclass(frozen=True, slots=True)
class Backlog:
    """Where the cards in the making are, and what waits for a batch."""

    waiting_for_batch: int
    by_stage: dict[str, int]
    by_bank: list[tuple[str, int]]


def backlog(*, actor: Actor) -> Backlog:
    """Applications waiting for a batch, and cards per stage and per bank until handed over."""
    _check(actor)
    applications = Application.objects.filter(status=ApplicationStatus.SUBMITTED)
    cards = Card.objects.filter(stage__in=BACKLOG_STAGES)
    if actor.role is Role.DISTRICT_OFFICER:
        applications = applications.filter(person__insured_region=actor.district_code)
        cards = cards.filter(person__insured_region=actor.district_code)
    elif prefix := city_prefix(actor):
        applications = applications.filter(person_in_city(prefix, "person__"))
        cards = cards.filter(person_in_city(prefix, "person__"))
    stages = dict(cards.values_list("stage").annotate(n=Count("pk")).values_list("stage", "n"))
    banks = list(cards.values_list("bank_code").annotate(n=Count("pk")).order_by("-n", "bank_code"))
    return Backlog(
        waiting_for_batch=applications.count(),
        by_stage={stage: stages.get(stage, 0) for stage in BACKLOG_STAGES},
        by_bank=[(bank, n) for bank, n in banks],
    )

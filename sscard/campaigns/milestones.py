"""The milestones of a campaign's people before they apply: ``eligible`` (the pack in force
reaches them) and ``invited`` (their school was notified, their employer asked them to confirm
their card data). Each is written once per person and campaign, set-based: one ``INSERT …
SELECT`` over the registry, the pack's groups compiled to SQL (``registry.eligibility``), so
a city's millions are recorded without a row passing through Python.

The group a milestone carries is the one the pack in force places the person in on the day
(:func:`groups_in_force`): the groups of the rules that allow something, those allowing a
change to the new card (``migrate``) first, in the pack's order; the first that holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.expressions import Case, When
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import timezone

from sscard.campaigns.models import Campaign
from sscard.campaigns.selectors import campaign_pack, pack_in_force_for_city
from sscard.core import clock
from sscard.core.actors import Actor, Role
from sscard.core.audit import AuditFact, audit_append
from sscard.core.errors import PermissionDenied
from sscard.core.milestones import PREVIOUS_STEP, DaysBetween, milestone_column
from sscard.core.models import Milestone, MilestoneKind
from sscard.core.scope import person_in_city
from sscard.kernel.regions import city_prefix
from sscard.policy import Pack
from sscard.registry.departures import present_on
from sscard.registry.eligibility import predicate_q
from sscard.registry.models import Person

__all__ = [
    "EligibleResult",
    "campaign_invited_record",
    "eligible_record",
    "groups_in_force",
    "persons_milestone_insert",
]

RECORDERS = frozenset({Role.SYSTEM, Role.CITY_OFFICER})
_CHUNK = 100_000


def groups_in_force(pack: Pack, day: date) -> tuple[str, ...]:
    """The person groups the rules in force on ``day`` allow something for, those of rules
    allowing ``migrate`` first, each once, in the pack's order (phases, rules, the rule's
    groups): the groups ``campaigns.selectors.campaign_eligibility`` counts, ordered."""
    first: list[str] = []
    then: list[str] = []
    for phase in pack.phases_on(day):
        for rule in phase.rules:
            if rule.effect != "allow":
                continue
            into = first if "migrate" in rule.actions else then
            into.extend(g for g in rule.groups if pack.groups[g].subject == "person")
    return tuple(dict.fromkeys([*first, *then]))


def _group_case(pack: Pack, groups: tuple[str, ...], day: date) -> Case | Value:
    if not groups:
        return Value("", output_field=CharField())
    return Case(
        *(When(predicate_q(pack.groups[g].predicate, today=day), then=Value(g)) for g in groups),
        default=Value(""),
        output_field=CharField(),
    )


def _columns() -> list[str]:
    names = [
        "kind", "day", "at", "city_code", "district_code", "channel", "group", "bank_code",
        "employer_id", "outlet_id", "person_id", "application_id", "card_id", "campaign_id",
        "first", "gap_days",
    ]  # fmt: skip
    return [milestone_column(n) for n in names]


def persons_milestone_insert(
    *,
    kind: str,
    campaign: Campaign,
    pack: Pack,
    day: date,
    persons: Q,
    at: datetime | None = None,
    channel: str = "",
    bank_code: str = "",
    employer_id: int | None = None,
) -> int:
    """Write a ``kind`` (``eligible`` or ``invited``) milestone of ``campaign`` for each person
    matching ``persons`` who has none yet, in ONE statement; answer how many were written.

    Runs in the caller's transaction. The district is the person's (insured, else household
    registration); the employer ``employer_id`` if given, else the person's.
    """
    if kind not in (MilestoneKind.ELIGIBLE, MilestoneKind.INVITED):
        raise ValueError(f"{kind!r} is not a milestone of a person before applying")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("a milestone is written inside the transaction of its event")
    already = Milestone.objects.filter(campaign_id=campaign.pk, kind=kind, person_id=OuterRef("pk"))
    groups = groups_in_force(pack, day)
    employer = (
        Value(employer_id, output_field=BigIntegerField())
        if employer_id is not None
        else F("employer_id")
    )
    # A bare NULL in a SELECT list is text to PostgreSQL: typed, it fits the column.
    none = Cast(Value(None), output_field=BigIntegerField())
    # The person's first of the kind in any campaign; the days since their first milestone of
    # the funnel's step before, if any (``core.milestones.FUNNEL``).
    ever = Milestone.objects.filter(person_id=OuterRef("pk"), kind=kind)
    previous = PREVIOUS_STEP.get(str(kind))
    gap: Any = Cast(Value(None), output_field=IntegerField())
    if previous is not None:
        since = (
            Milestone.objects.filter(person_id=OuterRef("pk"), kind=previous)
            .order_by()
            .values("person_id")
            .annotate(d=Min("day"))
            .values("d")
        )
        gap = Case(
            When(Exists(ever), then=Cast(Value(None), output_field=IntegerField())),
            default=DaysBetween(Subquery(since), Value(day, output_field=DateField())),
            output_field=IntegerField(),
        )
    select = (
        Person.objects.filter(persons)
        .filter(~Exists(already))
        .order_by()
        .annotate(
            m_kind=Value(str(kind), output_field=CharField()),
            m_day=Value(day, output_field=DateField()),
            m_at=Value(at or timezone.now(), output_field=DateTimeField()),
            m_city=Value(campaign.city_code, output_field=CharField()),
            m_district=Coalesce(
                NullIf("insured_region", Value("")), F("hukou_region"), output_field=CharField()
            ),
            m_channel=Value(channel, output_field=CharField()),
            m_group=_group_case(pack, groups, day),
            m_bank=Value(bank_code, output_field=CharField()),
            m_employer=employer,
            m_outlet=none,
            m_person=F("pk"),
            m_application=none,
            m_card=none,
            m_campaign=Value(campaign.pk, output_field=BigIntegerField()),
            m_first=ExpressionWrapper(~Exists(ever), output_field=BooleanField()),
            m_gap=gap,
        )
        .values_list(
            "m_kind", "m_day", "m_at", "m_city", "m_district", "m_channel", "m_group", "m_bank",
            "m_employer", "m_outlet", "m_person", "m_application", "m_card", "m_campaign",
            "m_first", "m_gap",
        )
    )  # fmt: skip
    sql, params = select.query.sql_with_params()
    names = ", ".join(connection.ops.quote_name(c) for c in _columns())
    table = connection.ops.quote_name(Milestone._meta.db_table)
    with connection.cursor() as cursor:
        # The SELECT has a WHERE: SQLite then reads ON CONFLICT as the upsert clause.
        cursor.execute(f"INSERT INTO {table} ({names}) {sql} ON CONFLICT DO NOTHING", params)
        return max(int(cursor.rowcount), 0)


@dataclass(frozen=True, slots=True)
class EligibleResult:
    """What :func:`eligible_record` did: the campaign, the day, the persons it recorded
    eligible, and the persons recorded eligible in the campaign by earlier runs."""

    campaign_id: int
    day: date
    recorded: int
    already: int


def eligible_record(
    *, actor: Actor, city_code: str, day: date | None = None, chunk_size: int = _CHUNK
) -> EligibleResult:
    """Record an ``eligible`` milestone for every person the pack in force for ``city_code``
    reaches on ``day`` (default today): the persons of the groups its rules in force allow
    something for (the campaign page's "eligible on a day"), once per person and campaign.

    Idempotent and resumable: run it every day of a campaign and each run records only the
    persons who became eligible since (a wave opening, a school notified, a person moving in);
    chunks of ``chunk_size`` persons commit one by one, and a killed run is simply run again.
    ``no_campaign_in_force`` (409) for a city without one.
    """
    if actor.role not in RECORDERS:
        raise PermissionDenied("record who is eligible", "登记符合换卡条件的人员")
    day = day or clock.today()
    in_force = pack_in_force_for_city(city_code)
    campaign, pack = in_force.campaign, in_force.pack
    groups = groups_in_force(pack, day)
    anyone = Q(pk__in=[])
    for group_id in groups:
        anyone |= predicate_q(pack.groups[group_id].predicate, today=day)
    in_city = person_in_city(city_prefix(campaign.city_code)) & present_on(day)
    ids = Person.objects.order_by().values_list("pk", flat=True)
    low, high = ids.order_by("pk").first(), ids.order_by("-pk").first()
    recorded = 0
    now = timezone.now()
    if groups and low is not None and high is not None:
        for start in range(low, high + 1, chunk_size):
            with transaction.atomic():
                recorded += persons_milestone_insert(
                    kind=MilestoneKind.ELIGIBLE,
                    campaign=campaign,
                    pack=pack,
                    day=day,
                    at=now,
                    persons=anyone & in_city & Q(pk__gte=start, pk__lt=start + chunk_size),
                )
    total = Milestone.objects.filter(campaign_id=campaign.pk, kind=MilestoneKind.ELIGIBLE).count()
    with transaction.atomic():
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="eligible_record",
                object_type="campaigns.campaign",
                object_id=str(campaign.pk),
                changes={"day": day.isoformat(), "recorded": recorded, "groups": list(groups)},
                pack_hash=campaign.pack_hash,
            ),
        )
    return EligibleResult(campaign.pk, day, recorded, total - recorded)


def campaign_invited_record(
    *,
    campaign: Campaign,
    day: date,
    persons: Q,
    channel: str = "",
    bank_code: str = "",
    employer_id: int | None = None,
) -> int:
    """``invited`` milestones of ``campaign`` for the persons matching ``persons`` (a school's
    pupils, an employer's staff asked to confirm), once each; in the caller's transaction."""
    return persons_milestone_insert(
        kind=MilestoneKind.INVITED,
        campaign=campaign,
        pack=campaign_pack(campaign),
        day=day,
        persons=persons,
        channel=channel,
        bank_code=bank_code,
        employer_id=employer_id,
    )

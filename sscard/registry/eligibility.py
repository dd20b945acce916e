"""Eligibility over the whole registry: a pack's predicates compiled to one ORM filter.

The policy engine evaluates a group's predicate for one person in Python
(:func:`sscard.policy.evaluate`); this module compiles the same predicate to a ``Q`` over
:class:`~sscard.registry.models.Person`, so that a campaign selects or counts its whole
population in one query. The two must agree on every person (a hypothesis test checks it):

* every condition compiles to a ``Q`` that is never SQL ``UNKNOWN`` (missing values are
  tested explicitly), so ``NOT``, ``AND`` and ``OR`` mean what they mean in Python;
* ``age between a, b`` is a birth-date range computed from ``today`` with the engine's own
  :func:`~sscard.policy.predicates.birth_cutoff`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import CharField, Count, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf

from sscard.policy import AllOf, AnyOf, Condition, Pack, PackError, PersonFacts, Predicate
from sscard.policy.predicates import birth_cutoff
from sscard.registry.departures import present_on
from sscard.registry.models import Person

__all__ = [
    "EligibleFigures",
    "eligible_counts",
    "eligible_figures",
    "eligible_persons",
    "person_facts",
    "predicate_q",
]

# Fact -> (Person lookup path, whether the path can be NULL).
_FIELDS: dict[str, tuple[str, bool]] = {
    "category": ("category", False),
    "employer_district": ("employer__insured_district", True),
    "hukou_region": ("hukou_region", False),
    "insured_region": ("insured_region", False),
    "age": ("birth_date", False),
    "school_notified": ("school__notified_on", True),
}


def _nothing() -> Q:
    return Q(pk__in=[])


def _everything() -> Q:
    # Not Q(): an empty Q vanishes from an OR ("x | Q()" is "x"), so "always" must be a real
    # condition.
    return Q(pk__isnull=False)


def _condition_q(cond: Condition, today: date) -> Q:
    path, nullable = _FIELDS[cond.fact]

    def present(q: Q) -> Q:
        # Where the path can be NULL, "is present" is part of the condition so that it is
        # never UNKNOWN in SQL (NOT of UNKNOWN would drop the row that Python keeps).
        return q & Q(**{f"{path}__isnull": False}) if nullable else q

    if cond.op == "in":
        return present(Q(**{f"{path}__in": list(cond.values)}))
    if cond.op == "not_in":
        return ~present(Q(**{f"{path}__in": list(cond.values)}))
    if cond.op == "prefix_in":
        q = _nothing()
        for prefix in cond.values:
            q |= Q(**{f"{path}__startswith": str(prefix)})
        return present(q)
    if cond.op == "between":
        low, high = cond.values
        assert isinstance(low, int)
        assert isinstance(high, int)
        return Q(
            **{
                f"{path}__lte": birth_cutoff(today, low),
                f"{path}__gt": birth_cutoff(today, high + 1),
            }
        )
    if cond.op == "is_true":
        return present(Q(**{f"{path}__lte": today}))
    raise PackError(
        "pack_predicate_invalid",
        f"无法把运算“{cond.op}”转换为查询。",
        f"The operator “{cond.op}” cannot be compiled to a query.",
        {"op": cond.op},
    )


def predicate_q(predicate: Predicate, *, today: date) -> Q:
    """The ``Q`` over ``Person`` that selects exactly the persons ``predicate`` holds for."""
    if isinstance(predicate, Condition):
        return _condition_q(predicate, today)
    if isinstance(predicate, AllOf):
        if not predicate.parts:
            return _everything()
        q = predicate_q(predicate.parts[0], today=today)
        for part in predicate.parts[1:]:
            q &= predicate_q(part, today=today)
        return q
    if isinstance(predicate, AnyOf):
        if not predicate.parts:
            return _nothing()
        q = predicate_q(predicate.parts[0], today=today)
        for part in predicate.parts[1:]:
            q |= predicate_q(part, today=today)
        return q
    return ~predicate_q(predicate.part, today=today)


def _person_group(pack: Pack, group_id: str) -> Predicate:
    group = pack.group(group_id)
    if group.subject != "person":
        raise PackError(
            "pack_group_not_person",
            f"人群“{group_id}”是单位人群，不能用来选择人员。",
            f"The group “{group_id}” is a group of employers, not of persons.",
            {"group": group_id},
        )
    return group.predicate


def eligible_persons(pack: Pack, group_id: str, *, today: date) -> QuerySet[Person]:
    """Every person of the registry in ``group_id`` of ``pack`` on ``today`` (one query); a
    person who had died or left by then is in no group."""
    return Person.objects.filter(
        predicate_q(_person_group(pack, group_id), today=today) & present_on(today)
    )


def person_facts(person: Person) -> PersonFacts:
    """What the engine needs to know of ``person`` (reads its employer and school)."""
    employer = person.employer
    school = person.school
    return PersonFacts(
        category=person.category,
        employer_district=employer.insured_district if employer is not None else None,
        hukou_region=person.hukou_region,
        insured_region=person.insured_region,
        birth_date=person.birth_date,
        school_notified_on=school.notified_on if school is not None else None,
        pension_bank=person.pension_bank,
        payroll_banks=tuple(employer.payroll_banks or ()) if employer is not None else (),
    )


@dataclass(frozen=True, slots=True)
class EligibleFigures:
    """Eligible persons by district: each group's own count, and the persons in any of them.

    Groups overlap (a retiree is also "eligible", a pupil of a pilot district is in two
    groups), so the per-group counts never add up to the number of persons: ``people`` counts
    each person once, whatever groups they are in.
    """

    groups: tuple[str, ...]
    by_district: dict[str, dict[str, int]]
    people_by_district: dict[str, int]

    @property
    def people(self) -> int:
        """Distinct persons in any of the groups (a person counts in one district only)."""
        return sum(self.people_by_district.values())

    def in_group(self, group_id: str) -> int:
        """The group's own count, every district together."""
        return sum(row.get(group_id, 0) for row in self.by_district.values())


def eligible_figures(
    pack: Pack, *, today: date, group_ids: Sequence[str] | None = None
) -> EligibleFigures:
    """How many persons of each person group there are, by district, and how many persons are
    in any of them, each counted once, in ONE query.

    ``group_ids`` limits the groups (default: every person group of the pack). A person counts
    in the district of their employer's insurance, else of their own insurance, else of their
    household registration (``""`` if none is known). Groups with no one in a district are left
    out of that district's row. A person who had died or left by ``today`` counts nowhere.
    """
    if group_ids is None:
        group_ids = [gid for gid, g in pack.groups.items() if g.subject == "person"]
    groups = [(gid, _person_group(pack, gid)) for gid in group_ids]
    if not groups:
        return EligibleFigures((), {}, {})
    filters = [predicate_q(p, today=today) for _, p in groups]
    anyone = _nothing()
    for q in filters:
        anyone |= q
    district = Coalesce(
        "employer__insured_district",
        NullIf("insured_region", Value("")),
        NullIf("hukou_region", Value("")),
        Value(""),
        output_field=CharField(),
    )
    # One row per person and forward joins only: Count("pk") counts persons, never a person
    # twice; "people" is the persons that any of the groups holds.
    rows = (
        Person.objects.filter(anyone & present_on(today))
        .annotate(count_district=district)
        .order_by()
        .values("count_district")
        .annotate(
            people=Count("pk"),
            **{f"n{i}": Count("pk", filter=q) for i, q in enumerate(filters)},
        )
    )
    by_district: dict[str, dict[str, int]] = {}
    people: dict[str, int] = {}
    for typed_row in rows:
        row: dict[str, Any] = dict(typed_row)
        counts = {gid: int(row[f"n{i}"]) for i, (gid, _) in enumerate(groups) if row[f"n{i}"]}
        if counts:
            code = str(row["count_district"])
            by_district[code] = counts
            people[code] = int(row["people"])
    return EligibleFigures(tuple(gid for gid, _ in groups), by_district, people)


def eligible_counts(pack: Pack, *, today: date) -> dict[str, dict[str, int]]:
    """How many persons of each person group there are, by district, in ONE query.

    Each group's own count: a person in two groups is in both counts, so these never add up
    to a number of persons (:func:`eligible_figures` gives that, ``people``).
    """
    return eligible_figures(pack, today=today).by_district

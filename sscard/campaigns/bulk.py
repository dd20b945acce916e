"""The engine in bulk: select a whole eligible population in SQL, decide for each in Python.

The selection is the same predicate the engine evaluates for one person (compiled to SQL by
``registry.eligibility``); each selected person's facts are read as plain values, never as
ORM objects, and streamed in chunks so memory stays flat.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

from django.db.models import Case, CharField, Value, When

from sscard.policy import Decision, DecisionRequest, Pack, PersonFacts, decide, evaluate
from sscard.registry.eligibility import eligible_persons, predicate_q
from sscard.registry.models import Person

FACT_COLUMNS = (
    "id",
    "category",
    "employer__insured_district",
    "hukou_region",
    "insured_region",
    "birth_date",
    "school__notified_on",
    "pension_bank",
    "employer__payroll_banks",
)


def decide_population(
    pack: Pack, *, group_id: str, request: DecisionRequest, chunk_size: int = 20_000
) -> Iterator[tuple[int, Decision]]:
    """Yield ``(person id, decision)`` for every person of ``group_id`` on ``request.day``."""
    rows = (
        eligible_persons(pack, group_id, today=request.day)
        .order_by()
        .values_list(*FACT_COLUMNS)
        .iterator(chunk_size=chunk_size)
    )
    for pk, category, district, hukou, insured, born, notified, bank, payroll in rows:
        facts = PersonFacts(
            category=category,
            employer_district=district,
            hukou_region=hukou,
            insured_region=insured,
            birth_date=born,
            school_notified_on=notified,
            pension_bank=bank,
            payroll_banks=tuple(payroll or ()),
        )
        yield pk, decide(pack, request, facts)


# --------------------------------------------------------------------------------------------
# The group a decision placed a person in (kept on the application, counted by the statistics)
# --------------------------------------------------------------------------------------------


def _rule_person_groups(pack: Pack, rule_id: str) -> tuple[str, ...]:
    """The person groups the rule ``rule_id`` names, in its order (none for an unknown rule)."""
    for phase in pack.phases:
        for rule in phase.rules:
            if rule.id == rule_id:
                return tuple(
                    g
                    for g in rule.groups
                    if g in pack.groups and pack.groups[g].subject == "person"
                )
    return ()


def decided_group(pack: Pack, rule_id: str, facts: PersonFacts, day: date) -> str:
    """The group of ``pack`` the decision by rule ``rule_id`` placed a person in on ``day``:
    the first of the rule's person groups that holds for ``facts`` (the engine's own test),
    else the rule's first person group (a collective rule admits staff by their unit), else
    ``""``."""
    candidates = _rule_person_groups(pack, rule_id)
    for group_id in candidates:
        if evaluate(pack.groups[group_id].predicate, facts, day):
            return group_id
    return candidates[0] if candidates else ""


def decided_groups(
    pack: Pack, rule_id: str, person_ids: Sequence[int], day: date, *, chunk_size: int = 20_000
) -> dict[int, str]:
    """:func:`decided_group` for many persons decided by one rule on one day, set-based: one
    query per chunk, the rule's groups compiled to SQL (``registry.eligibility``)."""
    candidates = _rule_person_groups(pack, rule_id)
    if not candidates:
        return dict.fromkeys(person_ids, "")
    if len(candidates) == 1:
        return dict.fromkeys(person_ids, candidates[0])
    which = Case(
        *(
            When(predicate_q(pack.groups[g].predicate, today=day), then=Value(g))
            for g in candidates
        ),
        default=Value(candidates[0]),
        output_field=CharField(),
    )
    found: dict[int, str] = {}
    for start in range(0, len(person_ids), chunk_size):
        part = person_ids[start : start + chunk_size]
        rows = Person.objects.filter(pk__in=part).annotate(g=which).values_list("pk", "g")
        found.update(rows)
    return found

"""The engine in bulk: select a whole eligible population in SQL, decide for each in Python.

The selection is the same predicate the engine evaluates for one person (compiled to SQL by
``registry.eligibility``); each selected person's facts are read as plain values, never as
ORM objects, and streamed in chunks so memory stays flat.
"""

from __future__ import annotations

from collections.abc import Iterator

from sscard.policy import Decision, DecisionRequest, Pack, PersonFacts, decide
from sscard.registry.eligibility import eligible_persons

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

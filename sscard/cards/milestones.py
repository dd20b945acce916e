"""The milestones of cards (``ordered``, ``made``, ``issued``, ``enabled``, ``old_voided``), as
``core.milestones`` writes them: what each row says of the card, its application and its
holder, read set-based. Not a service: it runs inside the transaction of the production,
delivery or card service whose event it records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sscard.cards.models import Card
from sscard.core.milestones import MilestoneRow, milestone_district, milestone_record_many
from sscard.kernel.regions import city_of

__all__ = ["card_milestones_record"]

_CHUNK = 20_000
_CARD_COLUMNS = (
    "pk", "person_id", "application_id", "application__channel", "application__group",
    "bank_code", "handed_over_outlet_id", "application__outlet_id",
    "person__insured_region", "person__hukou_region", "person__employer_id",
    "application__collective__employer_id",
)  # fmt: skip


def card_milestones_record(
    kind: str, card_ids: Sequence[int], *, day: date, at: datetime | None = None
) -> int:
    """Write one ``kind`` milestone per card, in the caller's transaction: the channel and group
    of its application, its bank, the outlet it was handed over at (else its application's),
    its holder's district and employer (the collective's employer for a collective one)."""
    written = 0
    for start in range(0, len(card_ids), _CHUNK):
        rows: list[MilestoneRow] = []
        part = card_ids[start : start + _CHUNK]
        found = Card.objects.filter(pk__in=part).order_by("pk").values_list(*_CARD_COLUMNS)
        for (
            pk, person, application, channel, group, bank, handed_at, taken_at,
            insured, hukou, employer, unit,
        ) in found:  # fmt: skip
            district = milestone_district(insured, hukou)
            rows.append(
                MilestoneRow(
                    kind=kind,
                    day=day,
                    at=at,
                    city_code=city_of(district),
                    district_code=district,
                    channel=channel or "",
                    group=group or "",
                    bank_code=bank,
                    employer_id=unit if unit is not None else employer,
                    outlet_id=handed_at if handed_at is not None else taken_at,
                    person_id=person,
                    application_id=application,
                    card_id=pk,
                )
            )
        written += milestone_record_many(rows)
    return written

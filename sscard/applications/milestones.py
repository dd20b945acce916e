"""The milestones of applications (``applied``, ``withdrawn``; ``invited`` for a roster), as
``core.milestones`` writes them: what each row says of the application and its person, read
set-based. Not a service: each function runs inside the transaction of the service whose
event it records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.db.models import Q, QuerySet

from sscard.applications.models import Application, CollectiveApplication, RosterEntry
from sscard.campaigns.milestones import campaign_invited_record
from sscard.campaigns.models import Campaign
from sscard.core.milestones import MilestoneRow, milestone_district, milestone_record_many
from sscard.kernel.regions import city_of

__all__ = ["application_milestones_record", "roster_invited_record"]

_CHUNK = 20_000
_APPLICATION_COLUMNS = (
    "pk", "person_id", "channel", "group", "bank_code", "outlet_id",
    "person__insured_region", "person__hukou_region", "person__employer_id",
    "collective__employer_id",
)  # fmt: skip


def application_milestone_rows(
    kind: str, application_ids: Sequence[int], *, day: date, at: datetime | None = None
) -> list[MilestoneRow]:
    """One ``kind`` milestone per application: its channel, group, bank and outlet; its
    person's district and employer (the collective's employer for a collective application)."""
    rows: list[MilestoneRow] = []
    for start in range(0, len(application_ids), _CHUNK):
        part = application_ids[start : start + _CHUNK]
        found = Application.objects.filter(pk__in=part).order_by("pk")
        for (
            pk, person, channel, group, bank, outlet, insured, hukou, employer, unit,
        ) in found.values_list(*_APPLICATION_COLUMNS):  # fmt: skip
            district = milestone_district(insured, hukou)
            rows.append(
                MilestoneRow(
                    kind=kind,
                    day=day,
                    at=at,
                    city_code=city_of(district),
                    district_code=district,
                    channel=channel,
                    group=group,
                    bank_code=bank,
                    employer_id=unit if unit is not None else employer,
                    outlet_id=outlet,
                    person_id=person,
                    application_id=pk,
                )
            )
    return rows


def application_milestones_record(
    kind: str, application_ids: Sequence[int], *, day: date, at: datetime | None = None
) -> int:
    """Write one ``kind`` milestone per application (``applied`` when submitted, ``withdrawn``
    when cancelled), in the caller's transaction."""
    return milestone_record_many(application_milestone_rows(kind, application_ids, day=day, at=at))


def roster_invited_record(
    collective: CollectiveApplication,
    entries: QuerySet[RosterEntry],
    *,
    campaign: Campaign,
    day: date,
) -> int:
    """An ``invited`` milestone for each person of ``entries`` (staff asked to confirm their
    card data by ``collective``), once per person and campaign; in the caller's transaction."""
    return campaign_invited_record(
        campaign=campaign,
        day=day,
        persons=Q(pk__in=entries.values("person_id")),
        channel=collective.channel,
        bank_code=collective.bank_code,
        employer_id=collective.employer_id,
    )

"""The civil-affairs file of deaths and departures (民政死亡及迁出人员名单), imported in bulk.

The same machinery as the registry's imports (``sscard.core.bulk``: streaming, chunks that
commit one by one, resumable, row errors in a downloadable report). Each good row runs the one
service an officer's page runs (``departure_record``), in a savepoint of its chunk: a row the
service refuses is reported with its code and leaves nothing. The name on the row must be the
registry's own, letter for letter — a file with a wrong name never cancels someone's card.

A row whose departure is already recorded alike (same kind, date and reference) is
*unchanged*, so importing a file twice changes nothing. How many cards the file cancelled and
applications it withdrew is read off the departures it recorded (:func:`departure_import_summary`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from django.db import transaction
from django.db.models import Count, Sum

from sscard.cards.services.departure import departure_record
from sscard.core.actors import Actor
from sscard.core.audit import AuditFact
from sscard.core.bulk import ImportContext, ImportSpec, Progress
from sscard.core.bulk import run_import as _run_import
from sscard.core.crypto import id_number_indexes
from sscard.core.errors import ApplicationError
from sscard.core.models import ImportJob
from sscard.core.prepare import RowError
from sscard.core.tables import table_header_names
from sscard.kernel import idnumber
from sscard.kernel.errors import KernelError
from sscard.registry.choices import DepartureKind, DepartureSource
from sscard.registry.departure_errors import DepartureErrorCode
from sscard.registry.models import Departure, Person

# What civil affairs write in the kind column besides the codes themselves.
KIND_WORDS: dict[str, str] = {
    "死亡": DepartureKind.DEATH,
    "出国定居": DepartureKind.EMIGRATION,
    "出国（境）定居": DepartureKind.EMIGRATION,
    "出境定居": DepartureKind.EMIGRATION,
    "转出": DepartureKind.TRANSFER_OUT,
    "转出本市": DepartureKind.TRANSFER_OUT,
}

# The column a refusal of the service points at in the report.
_COLUMN_OF: dict[str, str] = {
    "departure_person_unknown": "id_number",
    "departure_name_mismatch": "name",
    "departure_kind_invalid": "kind",
    "departure_date_invalid": "date",
    "departure_date_in_future": "date",
    "departure_date_before_birth": "date",
    "departure_reference_required": "reference",
    "departure_destination_invalid": "destination_city",
}


class DepartureSpec(ImportSpec):
    """Deaths and departures: ID number, name, kind, date, reference (``destination_city``
    for transfers, in a file that has that column)."""

    kind = ImportJob.Kind.DEPARTURES
    columns: ClassVar[tuple[str, ...]] = ("id_number", "name", "kind", "date", "reference")
    table = Departure._meta.db_table

    def process(self, ctx: ImportContext, rows: list[tuple[int, list[str]]]) -> AuditFact | None:
        parsed: list[tuple[int, str, list[str]]] = []
        for number, cells in rows:
            try:
                value = idnumber.parse(cells[0].strip(), today=date.max).value
            except KernelError as exc:
                ctx.refuse(RowError(number, "id_number", exc.code, exc.message_zh, exc.message_en))
                continue
            parsed.append((number, value, cells))
        persons = _persons_by_index([value for _, value, _ in parsed])
        recorded = cards = applications = 0
        for number, value, cells in parsed:
            person = next((persons[i] for i in id_number_indexes(value) if i in persons), None)
            done = self._row(ctx, number, person, cells)
            if done is not None:
                recorded += 1
                cards += done[0]
                applications += done[1]
        if not recorded:
            return None
        return AuditFact(
            action="import",
            object_type="registry.departure",
            object_id=f"job:{ctx.job.pk}",
            changes={
                "recorded": recorded,
                "cards_cancelled": cards,
                "applications_withdrawn": applications,
            },
        )

    def _row(
        self, ctx: ImportContext, number: int, person: Person | None, cells: list[str]
    ) -> tuple[int, int] | None:
        """Record one row's departure; answer its counts, or None (refused or unchanged)."""
        name, kind_text, day_text, reference, *rest = (c.strip() for c in cells[1:])
        destination = rest[0] if rest else ""
        if person is None:
            ctx.refuse(DepartureErrorCode.DEPARTURE_PERSON_UNKNOWN.at(number, "id_number"))
            return None
        if name != person.name:
            ctx.refuse(DepartureErrorCode.DEPARTURE_NAME_MISMATCH.at(number, "name"))
            return None
        kind = KIND_WORDS.get(kind_text, kind_text)
        on = _date(day_text)
        if person.departed_on is not None and _same(person, kind, on, reference):
            ctx.counts["unchanged"] += 1
            return None
        try:
            with transaction.atomic():
                done = departure_record(
                    actor=ctx.actor,
                    person=person,
                    kind=kind,
                    on=on,
                    reference=reference,
                    destination_city=destination,
                    today=ctx.today,
                    source=DepartureSource.CIVIL_AFFAIRS_FILE,
                    import_job=ctx.job,
                )
        except ApplicationError as error:
            column = _COLUMN_OF.get(error.code, "id_number")
            ctx.refuse(RowError(number, column, error.code, error.message_zh, error.message_en))
            return None
        ctx.counts["inserted"] += 1
        return done.cards_cancelled, done.applications_withdrawn


class DepartureDestinationSpec(DepartureSpec):
    """The civil-affairs file with the city each transfer goes to."""

    columns: ClassVar[tuple[str, ...]] = (*DepartureSpec.columns, "destination_city")


def _persons_by_index(values: list[str]) -> dict[bytes, Person]:
    indexes = [i for v in values for i in id_number_indexes(v)]
    if not indexes:
        return {}
    return {bytes(p.id_number_index): p for p in Person.objects.filter(id_number_index__in=indexes)}


def _date(text: str) -> date | None:
    """A date written YYYY-MM-DD (XLSX date cells arrive so), else None (refused as invalid)."""
    try:
        return date.fromisoformat(text[:10]) if len(text) in (10, 19) else None
    except ValueError:
        return None


def _same(person: Person, kind: str, on: date | None, reference: str) -> bool:
    if on is None:
        return False
    return Departure.objects.filter(
        person_id=person.pk, reversed_at__isnull=True, kind=kind, on=on, reference=reference
    ).exists()


def departure_spec(path: Path) -> DepartureSpec:
    """The spec that matches the file's header: with or without ``destination_city``."""
    header = table_header_names(path)
    return DepartureDestinationSpec() if "destination_city" in header else DepartureSpec()


def import_departures(
    *,
    actor: Actor,
    path: Path,
    file_name: str,
    today: date | None = None,
    progress: Progress | None = None,
) -> ImportJob:
    """Import the civil-affairs file of deaths and departures from CSV/XLSX (columns:
    ``DepartureSpec.columns``, optionally ``destination_city``)."""
    return _run_import(
        spec=departure_spec(path),
        actor=actor,
        path=path,
        file_name=file_name,
        today=today,
        progress=progress,
    )


@dataclass(frozen=True, slots=True)
class DepartureImportSummary:
    """What a civil-affairs file did: departures recorded, cards cancelled, applications
    withdrawn and texts stopped (over the job and the interrupted runs it resumed)."""

    recorded: int
    cards_cancelled: int
    applications_withdrawn: int
    messages_stopped: int


def departure_import_summary(job: ImportJob) -> DepartureImportSummary:
    """The departures ``job`` (and the runs it resumed) recorded, summed in one query."""
    ids: list[int] = []
    current: ImportJob | None = job
    while current is not None and len(ids) < 1000:
        ids.append(current.pk)
        current = current.resumed_from
    totals: dict[str, Any] = Departure.objects.filter(import_job_id__in=ids).aggregate(
        recorded=Count("pk"),
        cards=Sum("cards_cancelled"),
        applications=Sum("applications_withdrawn"),
        messages=Sum("messages_stopped"),
    )
    return DepartureImportSummary(
        recorded=int(totals["recorded"] or 0),
        cards_cancelled=int(totals["cards"] or 0),
        applications_withdrawn=int(totals["applications"] or 0),
        messages_stopped=int(totals["messages"] or 0),
    )

"""Bulk import of persons, employers and schools (see ``sscard.core.bulk`` for the policy)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from sscard.core.actors import Actor
from sscard.core.audit import AuditFact
from sscard.core.bulk import (
    ImportContext,
    ImportSpec,
    Progress,
    classify_existing,
    id_ranges,
    insert_keyed,
)
from sscard.core.bulk import run_import as _run_import
from sscard.core.crypto import (
    current_key_version,
    field_key_masters,
    live_key_versions,
    row_digest,
)
from sscard.core.models import ImportJob
from sscard.core.prepare import RowError, RowRefused
from sscard.core.tables import table_header_names
from sscard.kernel import creditcode
from sscard.registry.choices import PersonCategory, SchoolKind
from sscard.registry.errors import RegistryErrorCode
from sscard.registry.models import Division, Employer, Person, School
from sscard.registry.prepare import (
    PAYLOAD_COLUMNS,
    PersonPrepState,
    PreparedPerson,
    name_sendable,
)

BANK_CODE = re.compile(r"[A-Z][A-Z0-9]{1,15}")
SCHOOL_CODE = re.compile(r"\d{10}")
NOTICE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
CATEGORIES = frozenset(PersonCategory.values)
SCHOOL_KINDS = frozenset(SchoolKind.values)
ROW_SEPARATOR = "\x1f"


def _row_digest(kind: str, cells: list[str]) -> bytes:
    """A keyed digest of the row's content: equal digests mean an unchanged row."""
    return row_digest(ROW_SEPARATOR.join(cells), kind=kind)


def _current_districts() -> frozenset[str]:
    return frozenset(
        Division.objects.filter(abolished=False, level="district").values_list("code", flat=True)
    )


class EmployerSpec(ImportSpec):
    kind = ImportJob.Kind.EMPLOYERS
    columns: ClassVar[tuple[str, ...]] = (
        "credit_code",
        "name",
        "insured_district",
        "payroll_banks",
    )
    table = Employer._meta.db_table

    def begin(self, ctx: ImportContext) -> None:
        self.districts = _current_districts()

    def process(self, ctx: ImportContext, rows: list[tuple[int, list[str]]]) -> AuditFact | None:
        candidates: list[tuple[int, str, list[Any], bytes]] = []
        for number, cells in rows:
            code, name, district, banks_text = (c.strip() for c in cells)
            errors: list[RowError] = []
            try:
                code = creditcode.parse(code).value
            except creditcode.CreditCodeError as exc:
                errors.append(
                    RowError(number, "credit_code", exc.code, exc.message_zh, exc.message_en)
                )
            errors += _name_errors(number, name, limit=200)
            if district not in self.districts:
                errors.append(RegistryErrorCode.DISTRICT_UNKNOWN.at(number, "insured_district"))
            banks = [b for b in (p.strip() for p in banks_text.split(";")) if b]
            if any(not BANK_CODE.fullmatch(b) for b in banks):
                errors.append(RegistryErrorCode.BANK_CODE_INVALID.at(number, "payroll_banks"))
            if errors:
                ctx.refuse(*errors)
                continue
            row = [code, name, district, json.dumps(banks)]
            candidates.append((number, code, row, _row_digest(self.kind, row)))
        return insert_keyed(
            ctx,
            table=self.table,
            key="credit_code",
            candidates=candidates,
            columns=("credit_code", "name", "insured_district", "payroll_banks"),
            duplicate=RegistryErrorCode.CREDIT_CODE_DUPLICATE_IN_FILE,
            exists=RegistryErrorCode.CREDIT_CODE_EXISTS,
            object_type="registry.employer",
            extra=lambda: [ctx.writer.timestamp(ctx.now)],
            extra_columns=("created_at",),
        )


class SchoolSpec(ImportSpec):
    """Schools; a file may add a ``notified_on`` column, the day of the school's notice (SH-09)."""

    kind = ImportJob.Kind.SCHOOLS
    columns: ClassVar[tuple[str, ...]] = ("school_code", "name", "district", "kind")
    table = School._meta.db_table

    def begin(self, ctx: ImportContext) -> None:
        self.districts = _current_districts()

    def process(self, ctx: ImportContext, rows: list[tuple[int, list[str]]]) -> AuditFact | None:
        candidates: list[tuple[int, str, list[Any], bytes]] = []
        for number, cells in rows:
            code, name, district, kind, *rest = (c.strip() for c in cells)
            notified = rest[0] if rest else ""
            notified_on = _notice_date(notified)
            errors = self._errors(ctx, number, code, name, district, kind, notified)
            if errors:
                ctx.refuse(*errors)
                continue
            # A row without a notice date digests as before the column existed, so files
            # imported earlier stay "unchanged" when imported again.
            row: list[Any] = [code, name, district, kind]
            digest = _row_digest(self.kind, [*row, notified] if notified else row)
            stored_on = ctx.writer.date(notified_on) if notified_on else None
            candidates.append((number, code, [*row, stored_on], digest))
        return insert_keyed(
            ctx,
            table=self.table,
            key="code",
            candidates=candidates,
            columns=("code", "name", "district", "kind", "notified_on"),
            duplicate=RegistryErrorCode.SCHOOL_CODE_DUPLICATE_IN_FILE,
            exists=RegistryErrorCode.SCHOOL_CODE_EXISTS,
            object_type="registry.school",
            extra=lambda: [ctx.writer.timestamp(ctx.now)],
            extra_columns=("created_at",),
        )

    def _errors(
        self,
        ctx: ImportContext,
        number: int,
        code: str,
        name: str,
        district: str,
        kind: str,
        notified: str,
    ) -> list[RowError]:
        """Every error of a school row, one per faulty cell."""
        errors = []
        if not SCHOOL_CODE.fullmatch(code):
            errors.append(RegistryErrorCode.SCHOOL_CODE_INVALID.at(number, "school_code"))
        if not name or len(name) > 200:
            errors.append(RegistryErrorCode.NAME_INVALID.at(number, "name"))
        if district not in self.districts:
            errors.append(RegistryErrorCode.DISTRICT_UNKNOWN.at(number, "district"))
        if kind not in SCHOOL_KINDS:
            errors.append(
                RegistryErrorCode.SCHOOL_KIND_INVALID.at(number, "kind", kinds=sorted(SCHOOL_KINDS))
            )
        notified_on = _notice_date(notified)
        if notified_on is None and notified:
            errors.append(RegistryErrorCode.NOTIFIED_ON_INVALID.at(number, "notified_on"))
        if notified_on is not None and notified_on > ctx.today:
            errors.append(RegistryErrorCode.NOTIFIED_ON_IN_FUTURE.at(number, "notified_on"))
        return errors


def _name_errors(number: int, name: str, *, limit: int) -> list[RowError]:
    """A name's error, if any: empty or too long, or unfit for an outgoing message."""
    if not name or len(name) > limit:
        return [RegistryErrorCode.NAME_INVALID.at(number, "name")]
    sendable = name_sendable(name)
    return [] if sendable is None else [sendable.at(number, "name")]


class SchoolNoticeSpec(SchoolSpec):
    """Schools with the day of each school's notice (``notified_on``, may be empty per row)."""

    columns: ClassVar[tuple[str, ...]] = (*SchoolSpec.columns, "notified_on")


def _notice_date(text: str) -> date | None:
    """A notice date written YYYY-MM-DD (XLSX date cells arrive so); None if empty or bad."""
    if not NOTICE_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def school_spec(path: Path) -> SchoolSpec:
    """The schools spec that matches the file's header: with or without the notice column."""
    header = table_header_names(path)
    return SchoolNoticeSpec() if "notified_on" in header else SchoolSpec()


def _fold_older_versions(
    stored: dict[object, tuple[Any, ...]], persons: list[PreparedPerson]
) -> None:
    """Let rows a key rotation has not reached yet answer to the current index.

    A row found under an older version's index is this person (or guardian) all the same; its
    digest is compared with the row's digest under that version, so an unchanged row stays
    unchanged instead of being inserted twice or refused.
    """
    for person in persons:
        if person.id_index not in stored:
            for index, digest in person.aliases:
                hit = stored.get(index)
                if hit is not None:
                    same = hit[1] is not None and bytes(hit[1]) == digest
                    stored[person.id_index] = (hit[0], person.digest if same else hit[1], hit[2])
                    break
        if person.guardian_index is not None and person.guardian_index not in stored:
            for index in person.guardian_aliases:
                if index in stored:
                    stored[person.guardian_index] = stored[index]
                    break


class PersonSpec(ImportSpec):
    """Persons: rows are prepared by ``sscard.registry.prepare`` (in workers on big files)."""

    kind = ImportJob.Kind.PERSONS
    columns: ClassVar[tuple[str, ...]] = (
        "id_number",
        "name",
        "phone",
        "hukou_region",
        "insured_region",
        "category",
        "employer_credit_code",
        "school_code",
        "guardian_id_number",
        "pension_bank",
        "address",
    )
    preparer = "sscard.registry.prepare.prepare_persons"
    table = Person._meta.db_table
    insert_columns = ("id", "guardian_id", *PAYLOAD_COLUMNS)

    def worker_state(self, ctx: ImportContext) -> PersonPrepState:
        return PersonPrepState(
            master_key=field_key_masters()[current_key_version()],
            today=ctx.today,
            districts=_current_districts(),
            categories=CATEGORIES,
            employers=dict(Employer.objects.values_list("credit_code", "id")),
            schools=dict(School.objects.values_list("code", "id")),
            text_copy=ctx.writer.vendor == "postgresql",
            job_id=ctx.job.pk,
            created=str(ctx.writer.timestamp(ctx.now)),
            key_version=current_key_version(),
            older_keys=tuple(
                field_key_masters()[v] for v in live_key_versions() if v != current_key_version()
            ),
        )

    def process(
        self, ctx: ImportContext, rows: list[PreparedPerson | RowRefused]
    ) -> AuditFact | None:
        valid: list[PreparedPerson] = []
        for item in rows:
            if isinstance(item, RowRefused):
                ctx.refuse(*item.errors)
            else:
                valid.append(item)
        stored = ctx.writer.probe(
            self.table,
            "id_number_index",
            [
                *(p.id_index for p in valid),
                *(p.guardian_index for p in valid if p.guardian_index),
                *(index for p in valid for index, _ in p.aliases),
                *(index for p in valid for index in p.guardian_aliases),
            ],
            ("id", "source_digest", "import_job_id"),
        )
        _fold_older_versions(stored, valid)
        fresh: list[PreparedPerson] = []
        for person in valid:
            if classify_existing(
                ctx,
                number=person.row,
                column="id_number",
                stored=stored.get(person.id_index),
                digest=person.digest,
                duplicate=RegistryErrorCode.ID_NUMBER_DUPLICATE_IN_FILE,
                exists=RegistryErrorCode.ID_NUMBER_EXISTS,
            ):
                stored[person.id_index] = (None, person.digest, ctx.job.pk)
                fresh.append(person)
        ids = ctx.writer.allocate_ids(self.table, len(fresh))
        new_id = {p.id_index: pk for p, pk in zip(fresh, ids, strict=True)}
        text_copy = ctx.writer.vendor == "postgresql"
        lines: list[str] = []
        tuples: list[tuple[object, ...]] = []
        kept: list[int] = []
        upgraded = 0
        for p, pk in zip(fresh, ids, strict=True):
            guardian_id: int | None = None
            if p.guardian_index is not None:
                guardian_id = new_id.get(p.guardian_index)
                known = stored.get(p.guardian_index)
                if guardian_id is None and known is not None and known[0] is not None:
                    guardian_id = int(known[0])
                if guardian_id is None or guardian_id == pk:
                    ctx.refuse(RegistryErrorCode.GUARDIAN_UNKNOWN.at(p.row, "guardian_id_number"))
                    continue
            upgraded += p.upgraded
            kept.append(pk)
            if text_copy:
                guardian = "\\N" if guardian_id is None else str(guardian_id)
                lines.append(f"{pk}\t{guardian}\t{p.payload}\n")
            else:
                tuples.append((pk, guardian_id, *p.payload))
        if not kept:
            return None
        if text_copy:
            ctx.writer.copy_lines(self.table, self.insert_columns, "".join(lines))
        else:
            ctx.writer.insert(self.table, self.insert_columns, tuples)
        ctx.counts["inserted"] += len(kept)
        changes: dict[str, Any] = {"created": len(kept), "ids": id_ranges(kept)}
        if upgraded:
            # GB 11643: 15-digit numbers are stored in their 18-digit form; the upgrade is
            # recorded per person (``upgraded_from_15``) and counted here.
            changes["upgraded_from_15"] = upgraded
        return AuditFact(
            action="import",
            object_type="registry.person",
            object_id=f"job:{ctx.job.pk}",
            changes=changes,
        )


def import_persons(
    *,
    actor: Actor,
    path: Path,
    file_name: str,
    progress: Progress | None = None,
    chunk_rows: int | None = None,
) -> ImportJob:
    """Import persons from CSV/XLSX (columns: ``PersonSpec.columns``)."""
    return _run_import(
        spec=PersonSpec(),
        actor=actor,
        path=path,
        file_name=file_name,
        progress=progress,
        chunk_rows=chunk_rows,
    )


def import_employers(
    *, actor: Actor, path: Path, file_name: str, progress: Progress | None = None
) -> ImportJob:
    """Import employers from CSV/XLSX (columns: ``EmployerSpec.columns``)."""
    return _run_import(
        spec=EmployerSpec(), actor=actor, path=path, file_name=file_name, progress=progress
    )


def import_schools(
    *, actor: Actor, path: Path, file_name: str, progress: Progress | None = None
) -> ImportJob:
    """Import schools from CSV/XLSX (columns: ``SchoolSpec.columns``, optionally
    ``notified_on``, the day of the school's notice, YYYY-MM-DD)."""
    return _run_import(
        spec=school_spec(path), actor=actor, path=path, file_name=file_name, progress=progress
    )

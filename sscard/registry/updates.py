"""Updates of persons from a file (人员信息批量变更): preview first, write on an officer's word.

A persons import refuses a row that differs from the stored person (``id_number_exists``):
an import adds people, it does not change them. The update mode takes a file of persons keyed
by their ID number and

1. checks every row against the person as stored (``registry.corrections.correction_check``,
   the same checks as one correction) and ends *awaiting confirmation* with a preview: per row,
   every field that would change, old → new, identifiers masked; and the rows refused, with
   their codes. Nothing is written (``sscard.core.jobs``: ``JobAwaits``, the file kept);
2. on an officer's confirmation (``person_updates_confirm``) reads the same file again and, in
   chunks of ``CHUNK_ROWS`` persons (one transaction each, persons locked in primary-key order,
   each row checked again against the locked record), writes the non-identity changes through
   the correction service and proposes the identity changes (name, ID number, birth date,
   sex) for a second officer's approval, one proposal per person. A chunk that committed
   stays; a run killed half-way and run again finds those rows unchanged (or their proposal
   already made by this job) and goes on.

The file has the persons import's columns (``school_code``, ``guardian_id_number`` and
``pension_bank`` are not corrected and are ignored) and may add ``new_id_number``,
``birth_date`` and ``sex``; ``id_number`` finds the person (a former number too). An empty
cell keeps the stored value.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from sscard.core import background, clock
from sscard.core.actors import Actor, Role
from sscard.core.approvals import approval_pending_for
from sscard.core.crypto import id_number_indexes
from sscard.core.errors import ApplicationError, NotFound, PermissionDenied
from sscard.core.import_errors import ImportErrorCode
from sscard.core.jobs import (
    JobAwaits,
    job_confirm,
    job_discard,
    job_progress,
    job_queue,
    job_run,
    jobs_recover,
)
from sscard.core.models import BackgroundJob, ImportJob
from sscard.core.tables import open_table
from sscard.core.uploads import spool_remove, spool_upload
from sscard.kernel import idnumber
from sscard.registry.corrections import (
    KIND,
    SUBJECT,
    CheckedCorrection,
    CheckLookups,
    correction_check,
    person_correct_in_transaction,
    person_correction_propose_in_transaction,
)
from sscard.registry.errors import RegistryErrorCode
from sscard.registry.models import FormerIdentifier, Person
from sscard.registry.selectors import person_visible

JOB_KIND = ImportJob.Kind.PERSON_UPDATES.value
OBJECT = "registry.person_updates"
CONFIRMED = "confirmed"
CHUNK_ROWS = 500
PREVIEW_ROWS = 1000
"""Rows the preview lists in full (the counts cover the whole file)."""

KEY = "id_number"
# File column → correction field.
FIELDS = {
    "name": "name",
    "new_id_number": "id_number",
    "birth_date": "birth_date",
    "sex": "sex",
    "phone": "phone",
    "address": "address",
    "hukou_region": "hukou_region",
    "insured_region": "insured_region",
    "category": "category",
    "employer_credit_code": "employer",
}
IGNORED = ("school_code", "guardian_id_number", "pension_bank")
COLUMNS = (KEY, *FIELDS, *IGNORED)
ROLES = frozenset({Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM})
REASON = "批量变更文件"


def _check_actor(actor: Actor) -> None:
    if actor.role not in ROLES:
        raise PermissionDenied("update persons from a file", "批量变更人员信息")


def _columns(header: list[str]) -> dict[str, int]:
    """Where each known column is; ``id_number`` required, no column unknown or repeated."""
    names = [h.strip().lstrip("\ufeff") for h in header]
    unknown = [c for c in names if c not in COLUMNS]
    repeated = sorted({c for c in names if names.count(c) > 1})
    if KEY not in names:
        raise ImportErrorCode.COLUMNS_MISSING.refused(missing=[KEY], expected=list(COLUMNS))
    if unknown or repeated:
        raise ImportErrorCode.COLUMNS_UNKNOWN.refused(
            {"extra": unknown + repeated},
            unknown=unknown,
            repeated=repeated,
            expected=list(COLUMNS),
        )
    return {name: names.index(name) for name in names if name in FIELDS or name == KEY}


@dataclass(slots=True)
class _Row:
    number: int
    id_number: str
    changes: dict[str, str]


def _rows(path: Path) -> Iterator[list[_Row]]:
    """The file's rows in chunks, each row's ID number and asked changes (empty cells keep)."""
    stream = open_table(path)
    where = _columns(stream.header)
    width = len(stream.header)
    chunk: list[_Row] = []
    for number, cells in stream.rows:
        cells = [*cells, *[""] * (width - len(cells))]
        changes = {
            FIELDS[column]: cells[i].strip()
            for column, i in where.items()
            if column != KEY and cells[i].strip()
        }
        chunk.append(_Row(number, cells[where[KEY]].strip(), changes))
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass(slots=True)
class _Outcome:
    """What the run found (the preview) or did (the confirmed run), in counts and rows."""

    counts: dict[str, int]
    rows: list[dict[str, Any]]

    def add(self, row: dict[str, Any], count: str) -> None:
        """Count the row as ``count`` (``unchanged``, ``refused``, ``changed``) and list it
        (the first ``PREVIEW_ROWS`` changed or refused rows)."""
        self.count(count)
        self.count("read")
        if len(self.rows) < PREVIEW_ROWS and count != "unchanged":
            self.rows.append(row)

    def count(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1


def _refusal(number: int, column: str, error: ApplicationError) -> dict[str, Any]:
    return {
        "row": number,
        "column": column,
        "code": error.code,
        "message_zh": error.message_zh,
        "message_en": error.message_en,
    }


_COLUMN_OF = {field: column for column, field in FIELDS.items()}


def _persons_of(actor: Actor, rows: list[_Row], *, lock: bool) -> dict[str, Person]:
    """The persons of the chunk in the actor's scope by the rows' ID numbers (normalised in
    place), current or former (locked in primary-key order when ``lock``)."""
    indexes: dict[bytes, str] = {}
    for row in rows:
        try:
            row.id_number = idnumber.parse(row.id_number, today=clock.today()).value
        except idnumber.IdNumberError:
            continue
        for index in id_number_indexes(row.id_number):
            indexes[bytes(index)] = row.id_number
    if not indexes:
        return {}
    wanted = list(indexes)
    formers = {
        bytes(index): pk
        for index, pk in FormerIdentifier.objects.filter(id_number_index__in=wanted).values_list(
            "id_number_index", "person_id"
        )
    }
    current = Person.objects.filter(id_number_index__in=wanted).values_list("pk", flat=True)
    persons = person_visible(actor=actor).filter(pk__in=[*current, *formers.values()])
    if lock:
        persons = persons.select_for_update(of=("self",))
    found = list(persons.select_related("employer").order_by("pk"))
    by_index = {bytes(p.id_number_index): p for p in found}
    by_pk = {p.pk: p for p in found}
    out: dict[str, Person] = {}
    for index, value in indexes.items():
        person = by_index.get(index)
        if person is not None:
            out[value] = person
    for index, value in indexes.items():
        pk = formers.get(index)
        if value not in out and pk in by_pk:
            out[value] = by_pk[pk]
    return out


def _check_row(
    actor: Actor,
    row: _Row,
    persons: dict[str, Person],
    seen: set[int],
    lookups: CheckLookups,
) -> tuple[Person | None, CheckedCorrection | None, dict[str, Any]]:
    """A row checked against its person: the person, the checked correction and the row as
    the preview lists it (with its refusals)."""
    shown: dict[str, Any] = {"row": row.number, "changes": {}, "errors": []}
    try:
        idnumber.parse(row.id_number, today=clock.today())
    except idnumber.IdNumberError as exc:
        error = ApplicationError.from_coded(exc, status=422)
        shown["errors"].append(_refusal(row.number, KEY, error))
        return None, None, shown
    person = persons.get(row.id_number)
    if person is None:
        shown["errors"].append(
            _refusal(row.number, KEY, RegistryErrorCode.UPDATE_PERSON_UNKNOWN.error())
        )
        return None, None, shown
    shown |= {"person_id": person.pk, "person": person.masked_name}
    shown["id_number"] = person.masked_id_number
    if person.pk in seen:
        error = RegistryErrorCode.ID_NUMBER_DUPLICATE_IN_FILE.error()
        shown["errors"].append(_refusal(row.number, KEY, error))
        return None, None, shown
    seen.add(person.pk)
    checked = correction_check(actor=actor, person=person, changes=row.changes, lookups=lookups)
    shown["changes"] = {name: checked.shown[name] for name in checked.fields}
    shown["identity"] = bool(checked.identity)
    for name, error in checked.errors:
        shown["errors"].append(_refusal(row.number, _COLUMN_OF.get(name, name), error))
    return person, checked, shown


def _preview(job: BackgroundJob, actor: Actor, path: Path) -> _Outcome:
    outcome = _Outcome({}, [])
    seen: set[int] = set()
    lookups = CheckLookups(actor)
    for rows in _rows(path):
        persons = _persons_of(actor, rows, lock=False)
        for row in rows:
            _person, checked, shown = _check_row(actor, row, persons, seen, lookups)
            if shown["errors"]:
                outcome.add(shown, "refused")
            elif checked is None or not checked.shown:
                outcome.add(shown, "unchanged")
            else:
                outcome.add(shown, "changed")
                if checked.plain:
                    outcome.count("to_apply")
                if checked.identity:
                    outcome.count("to_propose")
        job_progress(job, phase="checking", **outcome.counts)
    return outcome


def _proposed_by_this_job(job: BackgroundJob, person: Person) -> bool:
    pending = approval_pending_for(kind=KIND, subject_type=SUBJECT, subject_id=str(person.pk))
    return pending is not None and pending.payload.get("job_id") == job.pk


def _apply_chunk(
    job: BackgroundJob,
    actor: Actor,
    rows: list[_Row],
    seen: set[int],
    lookups: CheckLookups,
    outcome: _Outcome,
) -> None:
    reason = f"{REASON} {job.file_name}".strip()
    evidence = f"job:{job.pk} sm3:{job.file_digest[:16]}"
    with transaction.atomic():
        persons = _persons_of(actor, rows, lock=True)
        for row in rows:
            person, checked, shown = _check_row(actor, row, persons, seen, lookups)
            if person is None or checked is None or shown["errors"]:
                outcome.add(shown, "refused")
                continue
            if not checked.shown:
                outcome.add(shown, "unchanged")
                continue
            if checked.identity and not _proposed_by_this_job(job, person):
                # Proposed first: a proposal refused (one pending already) leaves the person
                # as they are, the row refused, nothing of it written.
                try:
                    with transaction.atomic():
                        approval = person_correction_propose_in_transaction(
                            actor=actor,
                            person=person,
                            checked=checked,
                            reason=reason,
                            evidence=evidence,
                            job_id=job.pk,
                        )
                except ApplicationError as error:
                    shown["errors"].append(_refusal(row.number, KEY, error))
                    outcome.add(shown, "refused")
                    continue
                shown["approval_id"] = approval.pk
            if checked.identity:
                outcome.count("proposed")
            if checked.plain:
                person_correct_in_transaction(
                    actor=actor, person=person, checked=checked, reason=reason, evidence=evidence
                )
                outcome.count("applied")
            outcome.add(shown, "changed")


def _work(job: BackgroundJob, actor: Actor, path: Path | None) -> dict[str, Any]:
    """The task's work: preview and ask first, or (confirmed) apply and propose."""
    assert path is not None  # an update job always carries its file
    if not job.params.get(CONFIRMED):
        outcome = _preview(job, actor, path)
        raise JobAwaits({"phase": "preview", "counts": outcome.counts, "rows": outcome.rows})
    outcome = _Outcome({}, [])
    seen: set[int] = set()
    lookups = CheckLookups(actor)
    for rows in _rows(path):
        _apply_chunk(job, actor, rows, seen, lookups, outcome)
        job_progress(job, phase="applying", counts=outcome.counts)
        if background.stopping():
            raise RuntimeError("server stopping")  # the job is queued again at the next start
    return {"phase": "done", "counts": outcome.counts, "rows": outcome.rows}


def _submit(job: BackgroundJob) -> BackgroundJob:
    from sscard.registry.tasks import person_updates_task

    background.submit(person_updates_task, job.pk)
    job.refresh_from_db()
    return job


def person_updates_queue(*, actor: Actor, upload: UploadedFile[bytes]) -> BackgroundJob:
    """Queue the preview of an update file; answer its job at once (where work runs in the
    caller, as it has ended: awaiting confirmation with its preview, or refused)."""
    _check_actor(actor)
    spooled = spool_upload(upload, prefix="person-updates")
    try:
        job = job_queue(
            kind=JOB_KIND, actor=actor, object_type=OBJECT, object_id="file", spooled=spooled
        )
    except BaseException:
        spool_remove(spooled.path)
        raise
    return _submit(job)


def person_updates_job(*, actor: Actor, job_id: int) -> BackgroundJob:
    """One update job the actor started, or any for a city officer of its city."""
    _check_actor(actor)
    job = BackgroundJob.objects.filter(pk=job_id, kind=JOB_KIND).first()
    if job is None or not _may_see(actor, job):
        raise NotFound("person update job", what_zh="该批量变更任务")
    return job


def _may_see(actor: Actor, job: BackgroundJob) -> bool:
    """A district officer sees their district's jobs, a city officer their city's (every one
    when bound to none), the system every one."""
    started = job.actor or {}
    if actor.role is Role.DISTRICT_OFFICER:
        return bool(started.get("district_code") == actor.district_code)
    if actor.role is Role.CITY_OFFICER and actor.city_code:
        return started.get("city_code") == actor.city_code
    return True


def person_updates_confirm_refusal(job: BackgroundJob) -> ApplicationError | None:
    """Why the job's file may not be applied now, or ``None`` (the page's button asks too)."""
    if job.status != BackgroundJob.Status.AWAITING:
        return RegistryErrorCode.UPDATES_NOT_AWAITING.error()
    return None


def person_updates_confirm(*, actor: Actor, job_id: int) -> BackgroundJob:
    """Apply the previewed file on ``actor``'s word: queued again, confirmed."""
    job = person_updates_job(actor=actor, job_id=job_id)
    refused = person_updates_confirm_refusal(job)
    if refused is not None:
        raise refused
    if not job_confirm(job, actor=actor, params={CONFIRMED: True}):
        raise RegistryErrorCode.UPDATES_NOT_AWAITING.error()
    return _submit(job)


def person_updates_discard(*, actor: Actor, job_id: int) -> BackgroundJob:
    """Drop the previewed file: nothing is written, the file removed."""
    job = person_updates_job(actor=actor, job_id=job_id)
    refused = person_updates_confirm_refusal(job)
    if refused is not None:
        raise refused
    if not job_discard(job, actor=actor):
        raise RegistryErrorCode.UPDATES_NOT_AWAITING.error()
    return job


def person_updates_job_run(*, job_id: int) -> BackgroundJob:
    """Run a queued update job (the task's body); how it ended is recorded on the job."""
    return job_run(job_id, _work)


def person_updates_jobs_resume() -> list[int]:
    """Queue again the update jobs a stopped server left (a starting server's hook): those
    applying resume (chunks applied find their rows unchanged); those awaiting wait on."""
    from sscard.registry.tasks import person_updates_task

    return jobs_recover(kind=JOB_KIND, queue=lambda pk: background.submit(person_updates_task, pk))

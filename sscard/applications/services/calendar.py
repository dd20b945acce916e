"""Loading a year's official holiday schedule, and the due dates that waited for it (BJ-11).

One service, :func:`calendar_year_load`, behind the command, the API and the page: it reads and
checks the file, stores the year (``core.CalendarYear``), and in the same transaction gives
every application whose due date was pending the official calendar its due date — one UPDATE
per (pack, rule, day applied), never one save per application — and audits the count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from sscard.applications.errors import calendar_example_refused, calendar_load_concurrent
from sscard.applications.models import Application, CollectiveApplication
from sscard.applications.selectors import calendar_may_load
from sscard.campaigns.models import Campaign
from sscard.campaigns.selectors import campaign_pack
from sscard.core.actors import Actor
from sscard.core.audit import AuditFact, audit_append
from sscard.core.calendar import CALENDAR_PENDING_REASON, schedule_of
from sscard.core.errors import ApplicationError, PermissionDenied
from sscard.core.models import CalendarYear
from sscard.kernel.gm import sm3
from sscard.kernel.workdays import (
    CalendarCoverageError,
    ScheduleError,
    ScheduleFile,
    WorkCalendar,
    read_schedule_file,
)
from sscard.policy import Pack, due_date
from sscard.policy.errors import PackError

__all__ = ["CalendarLoadResult", "calendar_year_load"]

OBJECT = "calendar_year"


@dataclass(frozen=True, slots=True)
class CalendarLoadResult:
    """What a load did: the year, whether anything changed, and the due dates it set."""

    year: int
    source: str
    example: bool
    file_digest: str
    created: bool
    changed: bool
    applications_due_set: int
    collectives_due_set: int
    still_pending: int


def calendar_year_load(
    *, actor: Actor, content: bytes, file_name: str = "", allow_example: bool = False
) -> CalendarLoadResult:
    """Load the year schedule in ``content`` (YAML or JSON; see ``docs/calendar/``).

    Refuses a malformed file with the kernel's code naming the field (``schedule_*``), a file
    marked ``example: true`` unless ``allow_example`` (``calendar_example_refused``), and a
    schedule that contradicts a neighbouring year (``schedule_conflict``); nothing is written
    then. The same file again changes nothing. A changed or new year is stored, and every
    pending due date that can now be counted is set, in one transaction with one audit event.
    """
    parsed = _load_check(actor=actor, content=content, allow_example=allow_example)
    year = parsed.schedule.year
    try:
        with transaction.atomic():
            return _load_write_in_transaction(
                actor, parsed, digest=sm3(content).hex(), file_name=file_name
            )
    except IntegrityError:
        # Two loads of a year nobody had loaded yet: the unique year lets one win.
        raise calendar_load_concurrent(year) from None


def _load_check(*, actor: Actor, content: bytes, allow_example: bool) -> ScheduleFile:
    """Who may load, and whether the file reads as a year schedule; nothing is locked yet."""
    if not calendar_may_load(actor):
        raise PermissionDenied("load the official calendar", "导入官方工作日历")
    try:
        parsed = read_schedule_file(content)
    except ScheduleError as exc:
        raise ApplicationError.from_coded(exc, status=422) from None
    if parsed.example and not allow_example:
        raise calendar_example_refused(parsed.schedule.year)
    return parsed


def _load_write_in_transaction(
    actor: Actor, parsed: ScheduleFile, *, digest: str, file_name: str
) -> CalendarLoadResult:
    """Store the year unless the very same file is stored, set the due dates it lets us count,
    and audit the load."""
    schedule = parsed.schedule
    rows = {row.year: row for row in CalendarYear.objects.select_for_update().order_by("pk")}
    existing = rows.get(schedule.year)
    if existing is not None and existing.file_digest == digest:
        return CalendarLoadResult(
            year=schedule.year,
            source=existing.source,
            example=existing.example,
            file_digest=digest,
            created=False,
            changed=False,
            applications_due_set=0,
            collectives_due_set=0,
            still_pending=_pending_count(),
        )
    others = [schedule_of(row) for year, row in rows.items() if year != schedule.year]
    try:
        calendar = WorkCalendar.default().with_schedules(*others, schedule)
    except ScheduleError as exc:
        raise ApplicationError.from_coded(
            exc, details={"field": "holidays", "year": schedule.year}, status=422
        ) from None
    previous_digest = existing.file_digest if existing is not None else ""
    row = _year_save(actor, parsed, existing, digest=digest, file_name=file_name)
    result = CalendarLoadResult(
        year=schedule.year,
        source=row.source,
        example=parsed.example,
        file_digest=digest,
        created=existing is None,
        changed=True,
        applications_due_set=_due_dates_set_in_transaction(Application, calendar),
        collectives_due_set=_due_dates_set_in_transaction(CollectiveApplication, calendar),
        still_pending=_pending_count(),
    )
    _load_audit(actor, parsed, result, previous_digest=previous_digest)
    return result


def _year_save(
    actor: Actor,
    parsed: ScheduleFile,
    existing: CalendarYear | None,
    *,
    digest: str,
    file_name: str,
) -> CalendarYear:
    schedule = parsed.schedule
    row = existing or CalendarYear(year=schedule.year)
    row.holidays = sorted(d.isoformat() for d in schedule.holidays)
    row.working_weekends = sorted(d.isoformat() for d in schedule.working_weekends)
    row.source = schedule.source.strip()[:300]
    row.example = parsed.example
    row.file_name = file_name[:255]
    row.file_digest = digest
    row.loaded_by = actor.label
    row.loaded_by_role = str(actor.role)
    row.loaded_by_user_id = actor.user_id
    row.loaded_at = timezone.now()
    if existing is None:
        with transaction.atomic():
            row.save(force_insert=True)
    else:
        row.save(
            update_fields=[
                "holidays", "working_weekends", "source", "example", "file_name",
                "file_digest", "loaded_by", "loaded_by_role", "loaded_by_user_id",
                "loaded_at",
            ]
        )  # fmt: skip
    return row


def _load_audit(
    actor: Actor, parsed: ScheduleFile, result: CalendarLoadResult, *, previous_digest: str
) -> None:
    schedule = parsed.schedule
    audit_append(
        actor=actor,
        fact=AuditFact(
            action="calendar_year_load",
            object_type=OBJECT,
            object_id=str(schedule.year),
            changes={
                "year": schedule.year,
                "source": result.source,
                "example": parsed.example,
                "file_digest": result.file_digest,
                "previous_digest": previous_digest,
                "holidays": len(schedule.holidays),
                "working_weekends": len(schedule.working_weekends),
                "applications_due_set": result.applications_due_set,
                "collectives_due_set": result.collectives_due_set,
                "still_pending": result.still_pending,
            },
        ),
    )


def _pending_count() -> int:
    return Application.objects.filter(
        reason_code=CALENDAR_PENDING_REASON, due_date__isnull=True
    ).count()


def _due_dates_set_in_transaction(
    model: type[Application] | type[CollectiveApplication], calendar: WorkCalendar
) -> int:
    """Set the due date of every pending row of ``model`` that ``calendar`` can now count.

    Rows are grouped by the decision that allowed them (pack, rule) and the day applied: one
    UPDATE per group. A row whose due date still falls in an unknown year stays pending.
    """
    pending = model._default_manager.filter(
        reason_code=CALENDAR_PENDING_REASON, due_date__isnull=True
    )
    groups = pending.order_by().values_list("pack_hash", "rule_id", "applied_on").distinct()
    packs: dict[str, Pack | None] = {}
    done = 0
    for pack_hash, rule_id, applied_on in groups:
        if pack_hash not in packs:
            campaign = Campaign.objects.filter(pack_hash=pack_hash).first()
            packs[pack_hash] = campaign_pack(campaign) if campaign is not None else None
        pack = packs[pack_hash]
        due = _due(pack, rule_id, applied_on, calendar)
        if pack is None or due is None:
            continue
        _phase, rule = pack.rule(rule_id)
        done += pending.filter(pack_hash=pack_hash, rule_id=rule_id, applied_on=applied_on).update(
            due_date=due, reason_code=rule.reason_code
        )
    return done


def _due(pack: Pack | None, rule_id: str, day: date, calendar: WorkCalendar) -> date | None:
    if pack is None:
        return None
    try:
        _phase, rule = pack.rule(rule_id)
    except PackError:  # a rule the pack no longer has: leave the row pending, never guess
        return None
    if rule.due is None:
        return None
    try:
        return due_date(pack, rule.due, day, calendar=calendar)
    except CalendarCoverageError:
        return None

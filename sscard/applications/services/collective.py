"""Writes of collective applications (单位集体申领), BJ-06/BJ-07/SH-08, and staff confirmation.

The online flow is four steps in BJ-06's order — open, choose pickup method and outlet, notify
staff, submit — and a step out of order is refused (``collective_step_out_of_order``). A bank
clerk can do the same for an employer at the bank's outlet (BJ-07); the application then
records both. Every answer on who, which bank and which pickup method comes from the policy
engine.

Bulk is set-based: the roster is filled with one query per chunk and one write, invitations
go out through ``holder_tell`` (one queued batch), and submitting 50,000 confirmed staff
reserves ids once and writes the applications with one COPY (PostgreSQL) or one
``executemany`` (SQLite), with one audit event naming the id ranges.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, Field, OuterRef, QuerySet
from django.utils import timezone

from sscard.applications.choices import (
    SHARED_ORIGINS,
    ApplicationStatus,
    CollectiveStep,
    PhotoOrigin,
    RosterStatus,
)
from sscard.applications.errors import ApplicationsErrorCode, bank_required
from sscard.applications.milestones import application_milestones_record, roster_invited_record
from sscard.applications.models import CollectiveApplication, Photo, RosterEntry
from sscard.applications.rules import ensure_allowed, photo_origin
from sscard.applications.selectors import (
    renewable_until_for,
    roster_holds,
    roster_recipients,
    roster_renewing,
)
from sscard.applications.services.common import (
    QueueMemo,
    decided_fields,
    posting_checked,
    usable_photo_in_transaction,
    usable_photos_many_in_transaction,
)
from sscard.campaigns.bulk import FACT_COLUMNS, decided_groups
from sscard.campaigns.selectors import (
    PackInForce,
    pack_in_force_for_employer,
)
from sscard.campaigns.services import outreach_employer_round_record
from sscard.core.actors import Actor, Role
from sscard.core.audit import AuditFact, audit_append, audit_append_each, audit_append_many
from sscard.core.bulk import BulkWriter, ErrorReport, id_ranges
from sscard.core.calendar import work_calendar
from sscard.core.clock import today
from sscard.core.crypto import id_number_indexes
from sscard.core.errors import ApplicationError, NotFound, PermissionDenied
from sscard.core.models import MilestoneKind
from sscard.core.prepare import RowError
from sscard.core.tables import check_header, open_table
from sscard.core.uploads import spooled_upload
from sscard.kernel import idnumber
from sscard.network.choices import OutletKind
from sscard.network.models import Outlet
from sscard.notifications.services import Recipient, holder_tell, recipient_for_phone
from sscard.policy import Decision, DecisionRequest, EmployerFacts, Pack, PersonFacts, decide
from sscard.registry.eligibility import person_facts
from sscard.registry.models import Employer, Person

OBJECT = "applications.collectiveapplication"
ROSTER_COLUMNS = ("id_number", "name")
CHUNK = 5000
# Where a bank clerk stands decides the collective channel (BJ-07, SH-14).
CLERK_COLLECTIVE_CHANNELS: dict[str, str] = {
    OutletKind.BANK_BRANCH: "collective_offline",
    OutletKind.ENTERPRISE_POINT: "enterprise_point",
}


def _employer_facts(employer: Employer) -> EmployerFacts:
    return EmployerFacts(
        insured_district=employer.insured_district,
        payroll_banks=tuple(employer.payroll_banks or ()),
    )


def _require_step(collective: CollectiveApplication, *allowed: str) -> None:
    if collective.step not in allowed:
        raise ApplicationsErrorCode.COLLECTIVE_STEP_OUT_OF_ORDER.error(
            step=collective.step, expected=list(allowed)
        )


def _may_act(actor: Actor, collective: CollectiveApplication) -> bool:
    if actor.role is Role.EMPLOYER_HR:
        return actor.employer_id == collective.employer_id
    if actor.role is Role.BANK_CLERK:
        return actor.outlet_id is not None and actor.outlet_id == collective.taken_at_outlet_id
    return actor.role is Role.SYSTEM


def _locked_in_transaction(actor: Actor, collective_id: int) -> CollectiveApplication:
    """The collective, locked for the caller's transaction, if the actor may act on it."""
    found = (
        CollectiveApplication.objects.select_for_update(of=("self",))
        .select_related("employer")
        .filter(pk=collective_id)
        .first()
    )
    if found is None or not _may_act(actor, found):
        raise NotFound("collective application", what_zh="该集体申领")
    return found


def _decide_unit(
    pack: Pack, collective: CollectiveApplication, day: date, **extra: str | None
) -> Decision:
    request = DecisionRequest("collective", collective.channel, day, **extra)
    return ensure_allowed(
        decide(pack, request, _employer_facts(collective.employer), calendar=work_calendar())
    )


def _audit(actor: Actor, collective: CollectiveApplication, action: str, **changes: Any) -> None:
    audit_append(
        actor=actor,
        fact=AuditFact(
            action=action,
            object_type=OBJECT,
            object_id=str(collective.pk),
            changes={"employer_id": collective.employer_id, **changes},
            pack_hash=collective.pack_hash,
        ),
    )


# --------------------------------------------------------------------------------------------
# Step 1: open
# --------------------------------------------------------------------------------------------


def collective_open(
    *, actor: Actor, day: date, employer_id: int | None = None
) -> CollectiveApplication:
    """Open a collective application: HR online for its own unit (BJ-06 step 1), or a bank
    clerk at its outlet for an employer (BJ-07, offline; at an enterprise point, SH-14).

    ``collective_already_open`` while the employer has one not yet submitted.
    """
    employer, channel, outlet = _opener(actor, employer_id)
    in_force = pack_in_force_for_employer(employer)
    decision = ensure_allowed(
        decide(
            in_force.pack,
            DecisionRequest("collective", channel, day),
            _employer_facts(employer),
            calendar=work_calendar(),
        )
    )
    with transaction.atomic():
        Employer.objects.select_for_update().filter(pk=employer.pk).first()
        if (
            CollectiveApplication.objects.filter(employer=employer)
            .exclude(step=CollectiveStep.SUBMITTED)
            .exists()
        ):
            raise _already_open(employer)
        collective = CollectiveApplication(
            employer=employer,
            channel=channel,
            applied_on=day,
            taken_at_outlet=outlet,
            opened_by=actor.label,
            opened_by_role=str(actor.role),
            created_at=timezone.now(),
            **decided_fields(decision),
        )
        try:
            with transaction.atomic():
                collective.save(force_insert=True)
        except IntegrityError as exc:
            raise _already_open(employer) from exc
        _audit(
            actor,
            collective,
            "collective_open",
            channel=channel,
            outlet_id=outlet.pk if outlet else None,
            on_behalf_of_employer=employer.pk,
            rule=decision.rule_id,
            clause=decision.clause,
        )
    return collective


def _opener(actor: Actor, employer_id: int | None) -> tuple[Employer, str, Outlet | None]:
    """For whom and on which channel the actor opens: HR its own unit online, a bank clerk the
    employer named, on the channel of the outlet it stands at."""
    outlet: Outlet | None = None
    if actor.role is Role.EMPLOYER_HR and actor.employer_id is not None:
        employer_id = actor.employer_id
        channel = "collective_online"
    elif actor.role is Role.BANK_CLERK and actor.outlet_id is not None:
        outlet = Outlet.objects.get(pk=actor.outlet_id)
        channel = CLERK_COLLECTIVE_CHANNELS.get(outlet.kind, "")
        if not channel:
            raise PermissionDenied("open a collective application here", "在本网点受理集体申领")
    else:
        raise PermissionDenied("open a collective application", "开通集体申领")
    employer = Employer.objects.filter(pk=employer_id).first() if employer_id else None
    if employer is None:
        raise NotFound("employer", what_zh="该单位")
    return employer, channel, outlet


def _already_open(employer: Employer) -> ApplicationError:
    return ApplicationsErrorCode.COLLECTIVE_ALREADY_OPEN.error(employer_id=employer.pk)


# --------------------------------------------------------------------------------------------
# Step 2: pickup method, bank and outlet
# --------------------------------------------------------------------------------------------


def collective_arrange(
    *,
    actor: Actor,
    collective_id: int,
    day: date,
    pickup: str,
    bank: str | None = None,
    outlet_id: int | None = None,
) -> CollectiveApplication:
    """Choose the pickup method, the account bank and the bank outlet (BJ-06 step 2).

    The bank follows the pack's rule for the employer (BJ-04 the unit picks one partner bank;
    SH-08 its payroll bank among the partners, or one it picks). A pickup method other than
    post names an outlet of that bank.
    """
    with transaction.atomic():
        collective = _locked_in_transaction(actor, collective_id)
        _require_step(collective, CollectiveStep.OPENED, CollectiveStep.ARRANGED)
        in_force = pack_in_force_for_employer(collective.employer)
        if bank is None and outlet_id is None and collective.taken_at_outlet_id is not None:
            outlet_id = collective.taken_at_outlet_id
        outlet = _outlet_or_none(outlet_id)
        if bank is None and outlet is not None and outlet.bank is not None:
            bank = outlet.bank.code
        decision = _decide_unit(in_force.pack, collective, day, bank=bank, pickup=pickup)
        bank = bank or decision.bank_default
        if bank is None:
            raise bank_required(decision.banks)
        if not in_force.pickup_is_postal(pickup):
            _check_pickup_outlet(outlet, bank=bank)
        _arrangement_save(collective, decision, pickup=pickup, bank=bank, outlet=outlet)
        _audit(
            actor,
            collective,
            "collective_arrange",
            pickup=pickup,
            bank=bank,
            outlet_id=outlet.pk if outlet else None,
            rule=decision.rule_id,
            clause=decision.clause,
        )
    return collective


def _outlet_or_none(outlet_id: int | None) -> Outlet | None:
    if outlet_id is None:
        return None
    outlet = Outlet.objects.select_related("bank").filter(pk=outlet_id).first()
    if outlet is None:
        raise NotFound("outlet", what_zh="该网点")
    return outlet


def _check_pickup_outlet(outlet: Outlet | None, *, bank: str) -> None:
    """A card not posted is collected at a branch of the account bank."""
    if outlet is None or outlet.kind != OutletKind.BANK_BRANCH:
        raise ApplicationsErrorCode.OUTLET_REQUIRED.error()
    if outlet.bank is None or outlet.bank.code != bank:
        raise ApplicationsErrorCode.OUTLET_OTHER_BANK.error(outlet=outlet.code, bank=bank)


def _arrangement_save(
    collective: CollectiveApplication,
    decision: Decision,
    *,
    pickup: str,
    bank: str,
    outlet: Outlet | None,
) -> None:
    collective.pickup = pickup
    collective.bank_code = bank
    collective.pickup_outlet = outlet
    collective.step = CollectiveStep.ARRANGED
    for name, value in decided_fields(decision).items():
        setattr(collective, name, value)
    collective.save(
        update_fields=["pickup", "bank_code", "pickup_outlet", "step", *decided_fields(decision)]
    )


# --------------------------------------------------------------------------------------------
# The roster: from the registry, or from an uploaded list
# --------------------------------------------------------------------------------------------


@dataclass
class RosterResult:
    """What a roster build did: added, already listed, refused by code; the error report."""

    added: int = 0
    already: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    report_path: str = ""

    @property
    def refused_total(self) -> int:
        return sum(self.refused.values())


def _facts(row: Sequence[Any]) -> PersonFacts:
    _pk, category, district, hukou, insured, born, notified, bank, payroll = row[:9]
    return PersonFacts(
        category=category,
        employer_district=district,
        hukou_region=hukou,
        insured_region=insured,
        birth_date=born,
        school_notified_on=notified,
        pension_bank=bank,
        payroll_banks=tuple(payroll or ()),
    )


def _insert_entries(writer: BulkWriter, collective: CollectiveApplication, ids: list[int]) -> None:
    if not ids:
        return
    pks = writer.allocate_ids("applications_rosterentry", len(ids))
    writer.insert(
        "applications_rosterentry",
        ("id", "collective_id", "person_id", "status", "phone_masked", "mailing_address",
         "photo_source", "reminders"),
        [
            (pk, collective.pk, person, RosterStatus.LISTED.value, "", "", "", 0)
            for pk, person in zip(pks, ids, strict=True)
        ],
    )  # fmt: skip


def _chunks(values: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(values)
    while chunk := list(islice(it, size)):
        yield chunk


def _eligible_ids(
    pack: Pack, collective: CollectiveApplication, rows: list[Any], day: date
) -> tuple[list[int], dict[int, Decision]]:
    """Ask the engine for each staff member (set-based reads, a pure function per row)."""
    ok: list[int] = []
    refusals: dict[int, Decision] = {}
    for row in rows:
        decision = decide(pack, DecisionRequest("migrate", collective.channel, day), _facts(row))
        if decision.allowed:
            ok.append(row[0])
        else:
            refusals[row[0]] = decision
    return ok, refusals


def roster_add_staff(
    *,
    actor: Actor,
    collective_id: int,
    day: date,
    person_ids: Sequence[int] | None = None,
) -> RosterResult:
    """List the employer's insured staff in the registry (all, or those named) on the roster.

    Staff the engine does not let take part (a retiree, outside the pilot …) are not listed and
    counted by reason; persons not insured with the employer are refused
    (``roster_not_insured_here``). Works on 50,000 staff in chunks, one write per chunk.
    """
    result = RosterResult()
    with transaction.atomic():
        collective = _locked_in_transaction(actor, collective_id)
        _require_step(collective, CollectiveStep.OPENED, CollectiveStep.ARRANGED)
        pack = pack_in_force_for_employer(collective.employer).pack
        staff = Person.objects.filter(employer_id=collective.employer_id)
        if person_ids is not None:
            wanted = set(person_ids)
            found = set(staff.filter(pk__in=wanted).values_list("pk", flat=True))
            if wanted - found:
                raise ApplicationsErrorCode.ROSTER_NOT_INSURED_HERE.error(
                    person_ids=sorted(wanted - found)[:50]
                )
            staff = staff.filter(pk__in=wanted)
        listed = RosterEntry.objects.filter(collective=collective, person_id=OuterRef("pk"))
        writer = BulkWriter()
        rows = (
            staff.annotate(listed=Exists(listed))
            .order_by("pk")
            .values_list(*FACT_COLUMNS, "listed")
            .iterator(chunk_size=CHUNK)
        )
        added_ids: list[int] = []
        for chunk in _chunks(rows, CHUNK):
            result.already += sum(1 for r in chunk if r[-1])
            fresh = [r for r in chunk if not r[-1]]
            ok, refusals = _eligible_ids(pack, collective, fresh, day)
            result.refused.update(d.reason_code for d in refusals.values())
            _insert_entries(writer, collective, ok)
            added_ids.extend(ok)
        result.added = len(added_ids)
        _audit(
            actor,
            collective,
            "roster_add",
            source="registry",
            added=result.added,
            already=result.already,
            refused=dict(result.refused),
        )
    return result


@dataclass
class _UploadRows:
    """The rows of one uploaded roster as they are checked: refusals go to the error report
    and are counted by code."""

    report: ErrorReport
    result: RosterResult
    positions: dict[str, int]
    today: date
    seen: set[bytes] = field(default_factory=set)

    def refuse(self, error: RowError) -> None:
        self.report.add(error)
        self.result.refused[error.code] += 1


def roster_upload(
    *, actor: Actor, collective_id: int, day: date, path: Path, file_name: str
) -> RosterResult:
    """Build the roster from an uploaded CSV/XLSX (columns ``id_number``, ``name``).

    Each row is checked against the registry, as an import is: a bad ID number, someone the
    registry does not know (``person_unknown``), someone not insured with this employer
    (``roster_not_insured_here``), a name that does not match (``roster_name_mismatch``), a
    repeated row (``roster_duplicate_in_file``) or an engine refusal (its reason code) goes to
    the row-level error report; valid rows go in. A file refused as a whole writes nothing.
    """
    stream = open_table(path)
    positions = check_header(stream.header, ROSTER_COLUMNS)
    report = ErrorReport(
        Path(settings.SSCARD_REPORTS_DIR) / f"roster-{collective_id}-{uuid.uuid4().hex[:8]}.csv"
    )
    rows = _UploadRows(report, RosterResult(), positions, today())
    try:
        with transaction.atomic():
            collective = _locked_in_transaction(actor, collective_id)
            _require_step(collective, CollectiveStep.OPENED, CollectiveStep.ARRANGED)
            pack = pack_in_force_for_employer(collective.employer).pack
            writer = BulkWriter()
            for chunk in _chunks(stream.rows, CHUNK):
                fresh = _upload_chunk_checked(rows, chunk, collective, pack, day)
                _insert_entries(writer, collective, fresh)
                rows.result.added += len(fresh)
            report_path = report.close()
            rows.result.report_path = str(report_path or "")
            _audit(
                actor,
                collective,
                "roster_add",
                source="upload",
                file=file_name[:200],
                added=rows.result.added,
                already=rows.result.already,
                refused=dict(rows.result.refused),
            )
    finally:
        report.close()
    return rows.result


def _cell(cells: list[str], position: int) -> str:
    return cells[position] if len(cells) > position else ""


def _upload_chunk_checked(
    rows: _UploadRows,
    chunk: list[tuple[int, list[str]]],
    collective: CollectiveApplication,
    pack: Pack,
    day: date,
) -> list[int]:
    """The persons of one chunk of rows that go on the roster; the others are reported."""
    keyed, current_of = _upload_keys(rows, chunk)
    found = {
        current_of[bytes(r[-3])]: r
        for r in Person.objects.filter(id_number_index__in=list(current_of)).values_list(
            *FACT_COLUMNS, "id_number_index", "employer_id", "name"
        )
    }
    listed = set(
        RosterEntry.objects.filter(
            collective=collective, person_id__in=[r[0] for r in found.values()]
        ).values_list("person_id", flat=True)
    )
    fresh: list[int] = []
    for number, key, name in keyed:
        row = found.get(key)
        if row is None:
            rows.refuse(ApplicationsErrorCode.PERSON_UNKNOWN.at(number, "id_number"))
        elif row[-2] != collective.employer_id:
            rows.refuse(ApplicationsErrorCode.ROSTER_NOT_INSURED_HERE.at(number, "id_number"))
        elif name and name != row[-1]:
            rows.refuse(ApplicationsErrorCode.ROSTER_NAME_MISMATCH.at(number, "name"))
        elif row[0] in listed:
            rows.result.already += 1
        else:
            request = DecisionRequest("migrate", collective.channel, day)
            decision = decide(pack, request, _facts(row))
            if decision.allowed:
                fresh.append(row[0])
            else:
                rows.refuse(
                    RowError(
                        number,
                        "id_number",
                        decision.reason_code,
                        decision.message_zh,
                        decision.message_en,
                    )
                )
    return fresh


def _upload_keys(
    rows: _UploadRows, chunk: list[tuple[int, list[str]]]
) -> tuple[list[tuple[int, bytes, str]], dict[bytes, bytes]]:
    """Each readable row's number, the person's index and the name given; and, for a key
    rotation, the person's index under every live key version mapped to the current one."""
    keyed: list[tuple[int, bytes, str]] = []
    current_of: dict[bytes, bytes] = {}
    for number, cells in chunk:
        raw = _cell(cells, rows.positions["id_number"])
        name = _cell(cells, rows.positions["name"]).strip()
        try:
            parsed = idnumber.parse(raw, today=rows.today)
        except idnumber.IdNumberError as exc:
            rows.refuse(RowError(number, "id_number", exc.code, exc.message_zh, exc.message_en))
            continue
        indexes = id_number_indexes(parsed.value)
        key = indexes[0]
        if key in rows.seen:
            rows.refuse(ApplicationsErrorCode.ROSTER_DUPLICATE_IN_FILE.at(number, "id_number"))
            continue
        rows.seen.add(key)
        keyed.append((number, key, name))
        current_of.update(dict.fromkeys(indexes, key))
    return keyed, current_of


def roster_upload_file(
    *, actor: Actor, collective_id: int, day: date, upload: UploadedFile[bytes]
) -> RosterResult:
    """Spool an uploaded roster to disk while it is read, then build the roster from it.

    The file holds ID numbers in the clear, so it is removed as soon as it has been read.
    """
    with spooled_upload(upload, prefix="roster") as (path, name):
        return roster_upload(
            actor=actor, collective_id=collective_id, day=day, path=path, file_name=name
        )


# --------------------------------------------------------------------------------------------
# Step 3: notify staff; reminders
# --------------------------------------------------------------------------------------------


def _invite_in_transaction(
    actor: Actor, collective: CollectiveApplication, pack: Pack, entries: QuerySet[RosterEntry]
) -> int:
    """The pack's ``confirm_request`` SMS to the entries' people; answers how many went."""
    return holder_tell(
        actor=actor,
        pack=pack,
        template_key="confirm_request",
        recipients=roster_recipients(entries),
        employer=collective.employer.name,
    )


def collective_notify(*, actor: Actor, collective_id: int) -> CollectiveApplication:
    """Invite every listed staff member to confirm their card data (BJ-06 step 3, BJ-04).

    The invitation is the pack's ``confirm_request`` SMS: text only, no link (BJ-13); staff
    sign in to the portal to confirm.
    """
    with transaction.atomic():
        collective = _locked_in_transaction(actor, collective_id)
        _require_step(collective, CollectiveStep.ARRANGED)
        entries = RosterEntry.objects.filter(collective=collective)
        if not entries.exists():
            raise ApplicationsErrorCode.ROSTER_EMPTY.error()
        in_force = pack_in_force_for_employer(collective.employer)
        pack = in_force.pack
        now = timezone.now()
        held, elsewhere = roster_holds(
            collective.card_generation,
            renewable_until=renewable_until_for(pack, collective.channel, today()),
        )
        # Staff who already have a card or an application in progress are not asked to confirm
        # (a card running out is renewed: they are).
        invited = (
            entries.filter(status=RosterStatus.LISTED)
            .exclude(held | elsewhere)
            .update(status=RosterStatus.INVITED, invited_at=now)
        )
        roster_invited_record(
            collective,
            entries.filter(status=RosterStatus.INVITED),
            campaign=in_force.campaign,
            day=today(),
        )
        sent = _invite_in_transaction(
            actor, collective, pack, entries.filter(status=RosterStatus.INVITED)
        )
        collective.step = CollectiveStep.NOTIFIED
        collective.save(update_fields=["step"])
        _audit(actor, collective, "collective_notify", invited=invited, messages=sent)
    return collective


def roster_remind(*, actor: Actor, collective_id: int) -> int:
    """Send the invitation again to everyone who has not confirmed yet; answer how many.

    Not to someone who has meanwhile got a card, or applied elsewhere (``roster_holds``)."""
    with transaction.atomic():
        collective = _locked_in_transaction(actor, collective_id)
        _require_step(collective, CollectiveStep.NOTIFIED)
        in_force = pack_in_force_for_employer(collective.employer)
        held, elsewhere = roster_holds(
            collective.card_generation,
            renewable_until=renewable_until_for(in_force.pack, collective.channel, today()),
        )
        pending = RosterEntry.objects.filter(
            collective=collective, status=RosterStatus.INVITED
        ).exclude(held | elsewhere)
        listed = pending.update(reminders=F("reminders") + 1)
        recipients = roster_recipients(pending)
        sent = holder_tell(
            actor=actor,
            pack=in_force.pack,
            template_key="confirm_request",
            recipients=recipients,
            employer=collective.employer.name,
        )
        _audit(actor, collective, "roster_remind", messages=sent)
        if listed:
            # Counted as a round of reminders (issue 14): towards each person's reminders in
            # the campaign, and in the rounds' conversion on the funnel.
            outreach_employer_round_record(
                actor=actor,
                campaign=in_force.campaign,
                employer_id=collective.employer_id,
                person_ids=[r.person_id for r in recipients if r.person_id is not None]
                if sent
                else [],
                listed=listed,
                day=today(),
            )
    return sent


# --------------------------------------------------------------------------------------------
# Staff confirmation (BJ-04: staff confirm their card data online)
# --------------------------------------------------------------------------------------------


def _same_photo(entry: RosterEntry, *, person: Person, origin: str, photo_id: int | None) -> bool:
    """Whether a confirmation would keep the photo the entry already carries."""
    if entry.photo_id is None:
        return False
    if photo_id is not None:
        return entry.photo_id == photo_id
    if origin in SHARED_ORIGINS:
        # Fetching from the shared source again would only store a copy of the same photo.
        return str(entry.photo.source) == origin if entry.photo else False
    latest = (
        Photo.objects.filter(person=person, source=origin)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return latest == entry.photo_id


@dataclass(frozen=True, slots=True)
class _Confirmation:
    """What a staff member confirms, checked: the phone sealed, the address kept, the centre."""

    entry: RosterEntry
    phone: Recipient
    mailing_address: str  # kept for a posted card only
    photo_source: str
    origin: PhotoOrigin
    centre: Outlet | None

    def unchanged(self, *, photo_id: int | None) -> bool:
        """The very confirmation the entry already holds (a double click, a retried request)."""
        entry = self.entry
        return (
            entry.status == RosterStatus.CONFIRMED
            and bytes(entry.phone_index or b"") == bytes(self.phone.phone_index or b"")
            and entry.mailing_address == self.mailing_address
            and entry.photo_source == self.photo_source
            and entry.backup_centre_id == (self.centre.pk if self.centre else None)
            and _same_photo(entry, person=entry.person, origin=self.origin, photo_id=photo_id)
        )


def roster_confirm(
    *,
    actor: Actor,
    entry_id: int,
    day: date,
    phone: str,
    photo_source: str,
    mailing_address: str = "",
    backup_centre_id: int | None = None,
    photo_id: int | None = None,
) -> RosterEntry:
    """The invited person confirms or corrects phone, address, photo source and backup centre.

    ``phone_invalid`` unless a mainland mobile; the photo source must be one the pack offers
    and the photo usable (SH-11); a posted card needs an address and a backup centre (SH-13).
    """
    if actor.role is not Role.CARDHOLDER or actor.person_id is None:
        raise PermissionDenied("confirm card data", "确认制卡信息")
    with transaction.atomic():
        confirmation = _confirm_check_in_transaction(
            person_id=actor.person_id,
            entry_id=entry_id,
            day=day,
            phone=phone,
            photo_source=photo_source,
            mailing_address=mailing_address,
            backup_centre_id=backup_centre_id,
        )
        if confirmation.unchanged(photo_id=photo_id):
            # Nothing to change and nothing to record.
            return confirmation.entry
        _confirmation_save(actor, confirmation, photo_id=photo_id)
    return confirmation.entry


def _confirm_check_in_transaction(
    *,
    person_id: int,
    entry_id: int,
    day: date,
    phone: str,
    photo_source: str,
    mailing_address: str,
    backup_centre_id: int | None,
) -> _Confirmation:
    """Lock the person's own invitation and check what they confirm against the pack."""
    entry = (
        RosterEntry.objects.select_for_update(of=("self",))
        .select_related("collective", "person", "person__employer", "person__school")
        .filter(pk=entry_id, person_id=person_id)
        .first()
    )
    if entry is None:
        raise NotFound("invitation", what_zh="该确认邀请")
    return _confirmation_of(
        entry,
        day=day,
        phone=phone,
        photo_source=photo_source,
        mailing_address=mailing_address,
        backup_centre_id=backup_centre_id,
    )


def _confirmation_of(
    entry: RosterEntry,
    *,
    day: date,
    phone: str,
    photo_source: str,
    mailing_address: str,
    backup_centre_id: int | None,
    memo: QueueMemo | None = None,
) -> _Confirmation:
    """Check what the person confirms on their locked invitation against the pack."""
    memo = memo or QueueMemo()
    _require_step(entry.collective, CollectiveStep.NOTIFIED)
    person = entry.person
    in_force: PackInForce = memo.pack_for_person(person)
    sealed = recipient_for_phone(phone, person_id=person.pk)
    address = mailing_address.strip() or person.address
    centre = memo.centre(backup_centre_id)
    pickup = entry.collective.pickup
    kept_address = posting_checked(in_force, pickup=pickup, address=address, centre=centre)
    origin = photo_origin(in_force.pack, photo_source, person_facts(person), day)
    return _Confirmation(entry, sealed, kept_address, photo_source, origin, centre)


def _confirmation_save(actor: Actor, confirmation: _Confirmation, *, photo_id: int | None) -> None:
    photo = usable_photo_in_transaction(
        actor=actor,
        person=confirmation.entry.person,
        origin=confirmation.origin,
        photo_id=photo_id,
    )
    _confirmation_apply(confirmation, photo)
    confirmation.entry.save(update_fields=list(CONFIRMED_FIELDS))
    audit_append(actor=actor, fact=_confirm_fact(confirmation))


CONFIRMED_FIELDS = (
    "phone_index", "phone_enc", "phone_masked", "mailing_address", "photo_source", "photo",
    "backup_centre", "status", "confirmed_at",
)  # fmt: skip


def _confirmation_apply(confirmation: _Confirmation, photo: Photo) -> None:
    entry, sealed, centre = confirmation.entry, confirmation.phone, confirmation.centre
    entry.phone_index = sealed.phone_index
    entry.phone_enc = sealed.phone_enc
    entry.phone_masked = sealed.phone_masked
    entry.mailing_address = confirmation.mailing_address
    entry.photo_source = confirmation.photo_source
    entry.photo = photo
    entry.backup_centre = centre
    entry.status = RosterStatus.CONFIRMED
    entry.confirmed_at = timezone.now()


def _confirm_fact(confirmation: _Confirmation) -> AuditFact:
    entry, centre = confirmation.entry, confirmation.centre
    return AuditFact(
        action="roster_confirm",
        object_type="applications.rosterentry",
        object_id=str(entry.pk),
        changes={
            "collective_id": entry.collective.pk,
            "phone": confirmation.phone.phone_masked,
            "photo_source": confirmation.photo_source,
            "backup_centre_id": centre.pk if centre else None,
        },
        pack_hash=entry.collective.pack_hash,
    )


@dataclass(frozen=True, slots=True)
class ConfirmRequest:
    """One staff member's confirmation, as :func:`roster_confirm` takes it."""

    actor: Actor
    entry_id: int
    day: date
    phone: str
    photo_source: str
    mailing_address: str = ""
    backup_centre_id: int | None = None


def roster_confirm_many(
    requests: Sequence[ConfirmRequest],
) -> list[RosterEntry | ApplicationError]:
    """Many staff confirming at once (a day's confirmations of many rosters), each checked as
    :func:`roster_confirm` checks it and answered in its place: the entry, or the refusal it
    met. One transaction: the invitations locked in id order, the shared photos fetched and
    stored together, the entries updated in one statement and audited in one append. A second
    request for the same invitation in the queue is decided after the first is written, as
    the single call would decide it."""
    answers: list[RosterEntry | ApplicationError | None] = [None] * len(requests)
    with transaction.atomic():
        entries = {
            e.pk: e
            for e in RosterEntry.objects.select_for_update(of=("self",))
            .select_related("collective", "person", "person__employer", "person__school")
            .filter(pk__in=sorted({r.entry_id for r in requests}))
            .order_by("pk")
        }
        going: list[tuple[int, Actor, _Confirmation]] = []
        again: list[int] = []
        memo = QueueMemo()
        seen: set[int] = set()
        for n, request in enumerate(requests):
            if request.entry_id in seen:
                again.append(n)
                continue
            seen.add(request.entry_id)
            try:
                confirmation = _confirmation_requested(request, entries.get(request.entry_id), memo)
            except ApplicationError as error:
                answers[n] = error
                continue
            if confirmation.unchanged(photo_id=None):
                answers[n] = confirmation.entry
            else:
                going.append((n, request.actor, confirmation))
        _confirmations_save_many(going, answers)
        for n in again:
            answers[n] = _roster_confirm_in_queue(requests[n])
    return [a for a in answers if a is not None]


def _confirmation_requested(
    request: ConfirmRequest, entry: RosterEntry | None, memo: QueueMemo
) -> _Confirmation:
    actor = request.actor
    if actor.role is not Role.CARDHOLDER or actor.person_id is None:
        raise PermissionDenied("confirm card data", "确认制卡信息")
    if entry is None or entry.person_id != actor.person_id:
        raise NotFound("invitation", what_zh="该确认邀请")
    return _confirmation_of(
        entry,
        day=request.day,
        phone=request.phone,
        photo_source=request.photo_source,
        mailing_address=request.mailing_address,
        backup_centre_id=request.backup_centre_id,
        memo=memo,
    )


def _roster_confirm_in_queue(request: ConfirmRequest) -> RosterEntry | ApplicationError:
    try:
        return roster_confirm(
            actor=request.actor,
            entry_id=request.entry_id,
            day=request.day,
            phone=request.phone,
            photo_source=request.photo_source,
            mailing_address=request.mailing_address,
            backup_centre_id=request.backup_centre_id,
        )
    except ApplicationError as error:
        return error


def _entries_update(entries: Sequence[RosterEntry]) -> None:
    """Write the confirmed fields of ``entries``: one UPDATE by id each, sent as one batch
    (Django's ``bulk_update`` builds a CASE per column, which grows with the square of a
    queue)."""
    if not entries:
        return
    fields = [cast("Field[Any, Any]", RosterEntry._meta.get_field(n)) for n in CONFIRMED_FIELDS]
    quote = connection.ops.quote_name
    # Names from the model's own metadata, values as parameters.
    assignments = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)
    sql = f"UPDATE {quote(RosterEntry._meta.db_table)} SET {assignments} WHERE id = %s"  # noqa: S608
    rows = [
        [f.get_db_prep_save(getattr(e, f.attname), connection) for f in fields] + [e.pk]
        for e in entries
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _confirmations_save_many(
    going: Sequence[tuple[int, Actor, _Confirmation]],
    answers: list[RosterEntry | ApplicationError | None],
) -> None:
    """Store the photos of the confirmations going ahead, then write and audit those whose
    photo is usable; a refusal is answered in its place."""
    photos = usable_photos_many_in_transaction(
        [(actor, c.entry.person, c.origin) for _, actor, c in going]
    )
    written: list[tuple[Actor, _Confirmation]] = []
    for (n, actor, confirmation), photo in zip(going, photos, strict=True):
        if isinstance(photo, ApplicationError):
            answers[n] = photo
            continue
        _confirmation_apply(confirmation, photo)
        answers[n] = confirmation.entry
        written.append((actor, confirmation))
    _entries_update([c.entry for _, c in written])
    audit_append_each([(actor, _confirm_fact(c)) for actor, c in written])


# --------------------------------------------------------------------------------------------
# Step 4: submit
# --------------------------------------------------------------------------------------------

APPLICATION_COLUMNS = (
    "id",
    "person_id",
    "channel",
    "action",
    "status",
    "applied_on",
    "bank_code",
    "pickup",
    "outlet_id",
    "mailing_address",
    "backup_centre_id",
    "photo_source",
    "photo_id",
    "collective_id",
    "roster_entry_id",
    "taken_by",
    "taken_by_role",
    "submitted_at",
    "pack_id",
    "pack_hash",
    "phase_id",
    "rule_id",
    "clause",
    "reason_code",
    "card_generation",
    "due_date",
    "fee_fen",
    "group",
)


@dataclass(frozen=True, slots=True)
class SubmitResult:
    collective: CollectiveApplication
    submitted: int
    unconfirmed: int
    already_open: int
    already_held: int = 0


@dataclass(frozen=True, slots=True)
class _Submission:
    """What a submission will write: the confirmed staff ready to go, and who is left out."""

    collective: CollectiveApplication
    in_force: PackInForce
    decision: Decision
    # (entry, person, address, centre, source, photo, renewing, busy, held)
    ready: list[tuple[Any, ...]]
    confirmed: int
    already_held: int

    @property
    def already_open(self) -> int:
        return self.confirmed - len(self.ready) - self.already_held


def collective_submit(*, actor: Actor, collective_id: int, day: date) -> SubmitResult:
    """Submit the confirmed staff's card data (BJ-06 step 4): one application each.

    Only confirmed staff with a usable photo are submitted; the rest stay on the roster as
    unconfirmed. Staff who already hold a current card of the generation decided, or have an
    application open elsewhere, are left out and counted (see ``roster_holds``).
    ``collective_no_confirmed_staff`` when nobody is confirmed; the engine's refusal (e.g.
    ``no_campaign_in_force`` after the window) when the day is outside it.
    Set-based: ids reserved once, rows written with one COPY / executemany, one audit event.
    """
    with transaction.atomic():
        submission = _submit_check_in_transaction(actor, collective_id=collective_id, day=day)
        unconfirmed = _submit_write_in_transaction(actor, submission, day=day)
        _submit_notify_in_transaction(actor, submission)
    return SubmitResult(
        submission.collective,
        len(submission.ready),
        unconfirmed,
        submission.already_open,
        submission.already_held,
    )


def _submit_check_in_transaction(actor: Actor, *, collective_id: int, day: date) -> _Submission:
    """Lock the collective, ask the engine for the unit, and find the staff ready to submit."""
    collective = _locked_in_transaction(actor, collective_id)
    _require_step(collective, CollectiveStep.NOTIFIED)
    in_force = pack_in_force_for_employer(collective.employer)
    decision = _decide_unit(
        in_force.pack, collective, day, bank=collective.bank_code, pickup=collective.pickup
    )
    renewable_until = renewable_until_for(in_force.pack, collective.channel, day)
    held, open_elsewhere = roster_holds(decision.card_generation, renewable_until=renewable_until)
    renewing = roster_renewing(decision.card_generation, renewable_until=renewable_until)
    # A staff member who died or left since confirming gets no application.
    confirmed = RosterEntry.objects.filter(
        collective=collective,
        status=RosterStatus.CONFIRMED,
        photo__isnull=False,
        person__departed_on__isnull=True,
    )
    rows = list(
        confirmed.annotate(busy=open_elsewhere, held=held, renewing=renewing)
        .order_by("pk")
        .values_list(
            "pk", "person_id", "mailing_address", "backup_centre_id", "photo_source", "photo_id",
            "renewing", "busy", "held",
        )
    )  # fmt: skip
    ready = [r for r in rows if not r[-1] and not r[-2]]
    already_held = sum(1 for r in rows if r[-1])
    if not ready:
        raise ApplicationsErrorCode.COLLECTIVE_NO_CONFIRMED_STAFF.error(
            already_open=len(rows) - already_held, already_held=already_held
        )
    return _Submission(collective, in_force, decision, ready, len(rows), already_held)


def _submit_write_in_transaction(actor: Actor, submission: _Submission, *, day: date) -> int:
    """Write one application per ready staff member, close the collective, audit it once;
    answers how many on the roster stay unconfirmed."""
    collective, decision, ready = submission.collective, submission.decision, submission.ready
    writer = BulkWriter()
    ids = writer.allocate_ids("applications_application", len(ready))
    now = timezone.now()
    _applications_insert(writer, actor, submission, ids, day=day, now=now)
    application_milestones_record(MilestoneKind.APPLIED, ids, day=day, at=now)
    unconfirmed = (
        RosterEntry.objects.filter(collective=collective)
        .exclude(status=RosterStatus.CONFIRMED)
        .count()
    )
    collective.step = CollectiveStep.SUBMITTED
    collective.submitted_by = actor.label
    collective.submitted_at = now
    collective.submitted_count = len(ready)
    collective.save(update_fields=["step", "submitted_by", "submitted_at", "submitted_count"])
    audit_append_many(
        actor=actor,
        facts=[
            AuditFact(
                action="collective_submit",
                object_type=OBJECT,
                object_id=str(collective.pk),
                changes={
                    "employer_id": collective.employer_id,
                    "applications": id_ranges(ids),
                    "submitted": len(ready),
                    "unconfirmed": unconfirmed,
                    "already_open": submission.already_open,
                    "already_held": submission.already_held,
                    "rule": decision.rule_id,
                    "clause": decision.clause,
                },
                pack_hash=decision.pack_hash,
            )
        ],
    )
    return unconfirmed


def _applications_insert(
    writer: BulkWriter,
    actor: Actor,
    submission: _Submission,
    ids: list[int],
    *,
    day: date,
    now: Any,
) -> None:
    """One COPY / executemany of the applications; ``application_already_open`` (nothing kept)
    when another channel opened one for someone on the roster meanwhile."""
    collective = submission.collective
    fixed = decided_fields(submission.decision)
    submitted_on = writer.date(day)
    due = writer.date(fixed["due_date"]) if fixed["due_date"] else None  # type: ignore[arg-type]
    stamp = writer.timestamp(now)
    status = ApplicationStatus.SUBMITTED.value
    label, role = actor.label, str(actor.role)
    outlet = collective.pickup_outlet_id
    fee = submission.in_force.fee(pickup=collective.pickup)
    # The group each staff member's application was decided in (the unit's rule, the person's
    # facts), set-based.
    groups = decided_groups(
        submission.in_force.pack,
        submission.decision.rule_id or "",
        [r[1] for r in submission.ready],
        day,
    )
    try:
        with transaction.atomic():
            writer.insert(
                "applications_application",
                APPLICATION_COLUMNS,
                [
                    (
                        # A staff member whose card of the generation runs out renews it
                        # (到期换卡): their new card takes the old one's place when ordered.
                        pk, person, collective.channel, "renewal" if renewal else "migrate",
                        status, submitted_on,
                        collective.bank_code, collective.pickup, outlet, address, centre,
                        source, photo, collective.pk, entry, label, role, stamp,
                        fixed["pack_id"], fixed["pack_hash"], fixed["phase_id"],
                        fixed["rule_id"], fixed["clause"], fixed["reason_code"],
                        fixed["card_generation"], due, fee, groups[person],
                    )
                    for pk, (entry, person, address, centre, source, photo, renewal, *_) in zip(
                        ids, submission.ready, strict=True
                    )
                ],
            )  # fmt: skip
    except Exception as exc:
        # The raw write raises the driver's own IntegrityError, not Django's.
        driver_error = connection.Database.IntegrityError  # type: ignore[attr-defined]
        if not isinstance(exc, IntegrityError | driver_error):
            raise
        # Another channel opened an application for one of them meanwhile: nothing is kept.
        raise ApplicationsErrorCode.APPLICATION_ALREADY_OPEN.error() from exc


def _submit_notify_in_transaction(actor: Actor, submission: _Submission) -> None:
    """The pack's ``application_received`` SMS to every submitted staff member, at once."""
    collective, in_force = submission.collective, submission.in_force
    due_date = submission.decision.due_date
    holder_tell(
        actor=actor,
        pack=in_force.pack,
        template_key="application_received",
        recipients=roster_recipients(
            RosterEntry.objects.filter(pk__in=[r[0] for r in submission.ready])
        ),
        bank=in_force.bank_name(collective.bank_code),
        outlet=collective.pickup_outlet.name if collective.pickup_outlet else "",
        employer=collective.employer.name,
        due_date=due_date.isoformat() if due_date else "",
    )

"""Writes of collective applications (单位集体申领), BJ-06/BJ-07/SH-08, and staff confirmation.

The online flow is four steps in BJ-06's order — open, choose pickup method and outlet, notify
staff, submit — and a step out of order is refused (``collective_step_out_of_order``). A bank
clerk can do the same for an employer at the bank's outlet (BJ-07); the application then
records both. Every answer on who, which bank and which pickup method comes from the policy
engine.

Bulk is set-based: the roster is filled with one query per chunk and one write, invitations
go out through ``message_queue_many``, and submitting 50,000 confirmed staff reserves ids once
and writes the applications with one COPY (PostgreSQL) or one ``executemany`` (SQLite), with one
audit event naming the id ranges.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from sscard.applications.choices import (
    SHARED_ORIGINS,
    ApplicationStatus,
    CollectiveStep,
    RosterStatus,
)
from sscard.applications.models import CollectiveApplication, Photo, RosterEntry
from sscard.applications.rules import (
    InForce,
    bank_name,
    ensure_allowed,
    fee_for,
    in_force_for_employer,
    in_force_for_person,
    photo_origin,
    pickup_is_postal,
    pickup_needs_backup_centre,
    template_text,
)
from sscard.applications.selectors import roster_holds
from sscard.applications.services import (
    _backup_centre,
    _backup_required,
    _usable_photo,
    decided_fields,
)
from sscard.campaigns.bulk import FACT_COLUMNS
from sscard.core.actors import Actor, Role
from sscard.core.audit import AuditFact, audit_append, audit_append_many
from sscard.core.bulk import BulkWriter, ErrorReport, id_ranges
from sscard.core.calendar import work_calendar
from sscard.core.crypto import id_number_indexes
from sscard.core.errors import ApplicationError, NotFound, PermissionDenied
from sscard.core.prepare import RowError
from sscard.core.tables import check_header, open_table
from sscard.core.uploads import spooled_upload
from sscard.kernel import idnumber
from sscard.network.choices import OutletKind
from sscard.network.models import Outlet
from sscard.notifications.services import Recipient, message_queue_many, recipient_for_phone
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


def _out_of_order(collective: CollectiveApplication, *expected: str) -> ApplicationError:
    return ApplicationError(
        "collective_step_out_of_order",
        "集体申领须按“开通集体申请—选择领卡方式和开卡银行网点—通知职工确认—统一提交”的顺序办理，"
        "当前步骤不能办理此项。",
        "A collective application goes in this order: open, choose the pickup method and "
        "outlet, notify staff, submit; this step cannot be done now.",
        {"step": collective.step, "expected": list(expected)},
        status=409,
    )


def _require_step(collective: CollectiveApplication, *allowed: str) -> None:
    if collective.step not in allowed:
        raise _out_of_order(collective, *allowed)


def _may_act(actor: Actor, collective: CollectiveApplication) -> bool:
    if actor.role is Role.EMPLOYER_HR:
        return actor.employer_id == collective.employer_id
    if actor.role is Role.BANK_CLERK:
        return actor.outlet_id is not None and actor.outlet_id == collective.taken_at_outlet_id
    return actor.role is Role.SYSTEM


def _locked(actor: Actor, collective_id: int) -> CollectiveApplication:
    """The collective, locked for this transaction, if the actor may act on it."""
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
    in_force = in_force_for_employer(employer)
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


def _already_open(employer: Employer) -> ApplicationError:
    return ApplicationError(
        "collective_already_open",
        "本单位已有一笔尚未提交的集体申领。",
        "This employer already has a collective application that is not yet submitted.",
        {"employer_id": employer.pk},
        status=409,
    )


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
        collective = _locked(actor, collective_id)
        _require_step(collective, CollectiveStep.OPENED, CollectiveStep.ARRANGED)
        in_force = in_force_for_employer(collective.employer)
        if bank is None and outlet_id is None and collective.taken_at_outlet_id is not None:
            outlet_id = collective.taken_at_outlet_id
        outlet = (
            Outlet.objects.select_related("bank").filter(pk=outlet_id).first()
            if outlet_id is not None
            else None
        )
        if outlet_id is not None and outlet is None:
            raise NotFound("outlet", what_zh="该网点")
        if bank is None and outlet is not None and outlet.bank is not None:
            bank = outlet.bank.code
        decision = _decide_unit(in_force.pack, collective, day, bank=bank, pickup=pickup)
        bank = bank or decision.bank_default
        if bank is None:
            raise ApplicationError(
                "bank_required",
                f"请选择一家开户银行（可选：{'、'.join(decision.banks)}）。",
                f"Choose one account bank (one of {', '.join(decision.banks)}).",
                {"banks": list(decision.banks)},
                status=422,
            )
        if not pickup_is_postal(in_force.pack, pickup):
            if outlet is None or outlet.kind != OutletKind.BANK_BRANCH:
                raise ApplicationError(
                    "outlet_required",
                    "请选择开卡银行网点。",
                    "Choose the bank outlet.",
                    status=422,
                )
            if outlet.bank is None or outlet.bank.code != bank:
                raise ApplicationError(
                    "outlet_other_bank",
                    "所选网点不属于所选开户银行。",
                    "The chosen outlet does not belong to the chosen bank.",
                    {"outlet": outlet.code, "bank": bank},
                    status=422,
                )
        collective.pickup = pickup
        collective.bank_code = bank
        collective.pickup_outlet = outlet
        collective.step = CollectiveStep.ARRANGED
        for name, value in decided_fields(decision).items():
            setattr(collective, name, value)
        collective.save(
            update_fields=[
                "pickup",
                "bank_code",
                "pickup_outlet",
                "step",
                *decided_fields(decision),
            ]
        )
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
        collective = _locked(actor, collective_id)
        _require_step(collective, CollectiveStep.OPENED, CollectiveStep.ARRANGED)
        pack = in_force_for_employer(collective.employer).pack
        staff = Person.objects.filter(employer_id=collective.employer_id)
        if person_ids is not None:
            wanted = set(person_ids)
            found = set(staff.filter(pk__in=wanted).values_list("pk", flat=True))
            if wanted - found:
                raise ApplicationError(
                    "roster_not_insured_here",
                    "名单中有人员不是本单位参保职工。",
                    "Someone on the list is not insured with this employer.",
                    {"person_ids": sorted(wanted - found)[:50]},
                    status=422,
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
    result = RosterResult()
    today = timezone.localdate()
    try:
        with transaction.atomic():
            collective = _locked(actor, collective_id)
            _require_step(collective, CollectiveStep.OPENED, CollectiveStep.ARRANGED)
            pack = in_force_for_employer(collective.employer).pack
            writer = BulkWriter()
            seen: set[bytes] = set()

            def refuse(number: int, column: str, code: str, zh: str, en: str) -> None:
                report.add(RowError(number, column, code, zh, en))
                result.refused[code] += 1

            for chunk in _chunks(stream.rows, CHUNK):
                keyed: list[tuple[int, bytes, str]] = []
                # A person's index under every live key version (during a key rotation).
                current_of: dict[bytes, bytes] = {}
                for number, cells in chunk:
                    raw = (
                        cells[positions["id_number"]] if len(cells) > positions["id_number"] else ""
                    )
                    name = (
                        cells[positions["name"]].strip() if len(cells) > positions["name"] else ""
                    )
                    try:
                        parsed = idnumber.parse(raw, today=today)
                    except idnumber.IdNumberError as exc:
                        refuse(number, "id_number", exc.code, exc.message_zh, exc.message_en)
                        continue
                    indexes = id_number_indexes(parsed.value)
                    key = indexes[0]
                    if key in seen:
                        refuse(
                            number,
                            "id_number",
                            "roster_duplicate_in_file",
                            "该身份证号码在本文件中重复出现。",
                            "The ID number appears more than once in this file.",
                        )
                        continue
                    seen.add(key)
                    keyed.append((number, key, name))
                    current_of.update(dict.fromkeys(indexes, key))
                found = {
                    current_of[bytes(r[-3])]: r
                    for r in Person.objects.filter(
                        id_number_index__in=list(current_of)
                    ).values_list(*FACT_COLUMNS, "id_number_index", "employer_id", "name")
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
                        refuse(
                            number,
                            "id_number",
                            "person_unknown",
                            "登记系统中没有此人。",
                            "The registry has no such person.",
                        )
                    elif row[-2] != collective.employer_id:
                        refuse(
                            number,
                            "id_number",
                            "roster_not_insured_here",
                            "此人不是本单位参保职工。",
                            "This person is not insured with this employer.",
                        )
                    elif name and name != row[-1]:
                        refuse(
                            number,
                            "name",
                            "roster_name_mismatch",
                            "姓名与登记信息不符。",
                            "The name does not match the registry.",
                        )
                    elif row[0] in listed:
                        result.already += 1
                    else:
                        decision = decide(
                            pack, DecisionRequest("migrate", collective.channel, day), _facts(row)
                        )
                        if decision.allowed:
                            fresh.append(row[0])
                        else:
                            refuse(
                                number,
                                "id_number",
                                decision.reason_code,
                                decision.message_zh,
                                decision.message_en,
                            )
                _insert_entries(writer, collective, fresh)
                result.added += len(fresh)
            report_path = report.close()
            result.report_path = str(report_path or "")
            _audit(
                actor,
                collective,
                "roster_add",
                source="upload",
                file=file_name[:200],
                added=result.added,
                already=result.already,
                refused=dict(result.refused),
            )
    finally:
        report.close()
    return result


def _cell(cells: list[str], position: int) -> str:
    return cells[position] if len(cells) > position else ""


# --------------------------------------------------------------------------------------------
# Step 3: notify staff; reminders
# --------------------------------------------------------------------------------------------


def _recipients(entries: QuerySet[RosterEntry]) -> list[Recipient]:
    """Each listed person's phone, sealed: the one they confirmed, else the registry's."""
    out: list[Recipient] = []
    rows = entries.values_list(
        "person_id",
        "phone_index",
        "phone_enc",
        "phone_masked",
        "person__phone_index",
        "person__phone_enc",
        "person__phone_masked",
    ).iterator(chunk_size=CHUNK)
    for person, own_idx, own_enc, own_mask, reg_idx, reg_enc, reg_mask in rows:
        if own_enc and own_idx:
            out.append(Recipient(bytes(own_idx), bytes(own_enc), own_mask, person))
        elif reg_enc and reg_idx:
            out.append(Recipient(bytes(reg_idx), bytes(reg_enc), reg_mask, person))
    return out


def _invite(
    actor: Actor, collective: CollectiveApplication, pack: Pack, entries: QuerySet[RosterEntry]
) -> int:
    text = template_text(pack, "confirm_request", employer=collective.employer.name)
    if text is None:
        return 0
    return message_queue_many(
        actor=actor,
        recipients=_recipients(entries),
        text=text,
        template_key="confirm_request",
        pack_hash=collective.pack_hash,
    )


def collective_notify(*, actor: Actor, collective_id: int) -> CollectiveApplication:
    """Invite every listed staff member to confirm their card data (BJ-06 step 3, BJ-04).

    The invitation is the pack's ``confirm_request`` SMS: text only, no link (BJ-13); staff
    sign in to the portal to confirm.
    """
    with transaction.atomic():
        collective = _locked(actor, collective_id)
        _require_step(collective, CollectiveStep.ARRANGED)
        entries = RosterEntry.objects.filter(collective=collective)
        if not entries.exists():
            raise ApplicationError(
                "roster_empty",
                "名单为空：请先从参保职工中添加或上传名单。",
                "The roster is empty: add staff from the registry or upload a list first.",
                status=422,
            )
        pack = in_force_for_employer(collective.employer).pack
        now = timezone.now()
        held, elsewhere = roster_holds(collective.card_generation)
        # Staff who already have a card or an application in progress are not asked to confirm.
        invited = (
            entries.filter(status=RosterStatus.LISTED)
            .exclude(held | elsewhere)
            .update(status=RosterStatus.INVITED, invited_at=now)
        )
        sent = _invite(actor, collective, pack, entries.filter(status=RosterStatus.INVITED))
        collective.step = CollectiveStep.NOTIFIED
        collective.save(update_fields=["step"])
        _audit(actor, collective, "collective_notify", invited=invited, messages=sent)
    return collective


def roster_remind(*, actor: Actor, collective_id: int) -> int:
    """Send the invitation again to everyone who has not confirmed yet; answer how many.

    Not to someone who has meanwhile got a card, or applied elsewhere (``roster_holds``)."""
    with transaction.atomic():
        collective = _locked(actor, collective_id)
        _require_step(collective, CollectiveStep.NOTIFIED)
        pack = in_force_for_employer(collective.employer).pack
        held, elsewhere = roster_holds(collective.card_generation)
        pending = RosterEntry.objects.filter(
            collective=collective, status=RosterStatus.INVITED
        ).exclude(held | elsewhere)
        pending.update(reminders=F("reminders") + 1)
        sent = _invite(actor, collective, pack, pending)
        _audit(actor, collective, "roster_remind", messages=sent)
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
        entry = (
            RosterEntry.objects.select_for_update(of=("self",))
            .select_related("collective", "person", "person__employer", "person__school")
            .filter(pk=entry_id, person_id=actor.person_id)
            .first()
        )
        if entry is None:
            raise NotFound("invitation", what_zh="该确认邀请")
        collective = entry.collective
        _require_step(collective, CollectiveStep.NOTIFIED)
        person = entry.person
        in_force: InForce = in_force_for_person(person)
        pack = in_force.pack
        sealed = recipient_for_phone(phone, person_id=person.pk)
        address = mailing_address.strip() or person.address
        centre = _backup_centre(backup_centre_id)
        if pickup_is_postal(pack, collective.pickup) and not address:
            raise ApplicationError(
                "mailing_address_required",
                "邮寄领卡须填写邮寄地址。",
                "A posted card needs a mailing address.",
                status=422,
            )
        if pickup_needs_backup_centre(pack, collective.pickup) and centre is None:
            raise _backup_required()
        origin = photo_origin(pack, photo_source, person_facts(person), day)
        kept_address = address if pickup_is_postal(pack, collective.pickup) else ""
        if (
            entry.status == RosterStatus.CONFIRMED
            and bytes(entry.phone_index or b"") == bytes(sealed.phone_index or b"")
            and entry.mailing_address == kept_address
            and entry.photo_source == photo_source
            and entry.backup_centre_id == (centre.pk if centre else None)
            and _same_photo(entry, person=person, origin=origin, photo_id=photo_id)
        ):
            # The same confirmation again (a double click, a retried request): nothing to
            # change and nothing to record.
            return entry
        photo = _usable_photo(actor=actor, person=person, origin=origin, photo_id=photo_id)
        entry.phone_index = sealed.phone_index
        entry.phone_enc = sealed.phone_enc
        entry.phone_masked = sealed.phone_masked
        entry.mailing_address = kept_address
        entry.photo_source = photo_source
        entry.photo = photo
        entry.backup_centre = centre
        entry.status = RosterStatus.CONFIRMED
        entry.confirmed_at = timezone.now()
        entry.save(
            update_fields=[
                "phone_index",
                "phone_enc",
                "phone_masked",
                "mailing_address",
                "photo_source",
                "photo",
                "backup_centre",
                "status",
                "confirmed_at",
            ]
        )
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="roster_confirm",
                object_type="applications.rosterentry",
                object_id=str(entry.pk),
                changes={
                    "collective_id": collective.pk,
                    "phone": sealed.phone_masked,
                    "photo_source": photo_source,
                    "backup_centre_id": centre.pk if centre else None,
                },
                pack_hash=collective.pack_hash,
            ),
        )
    return entry


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
)


@dataclass(frozen=True, slots=True)
class SubmitResult:
    collective: CollectiveApplication
    submitted: int
    unconfirmed: int
    already_open: int
    already_held: int = 0


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
        collective = _locked(actor, collective_id)
        _require_step(collective, CollectiveStep.NOTIFIED)
        pack = in_force_for_employer(collective.employer).pack
        decision = _decide_unit(
            pack, collective, day, bank=collective.bank_code, pickup=collective.pickup
        )
        held, open_elsewhere = roster_holds(decision.card_generation)
        confirmed = RosterEntry.objects.filter(
            collective=collective, status=RosterStatus.CONFIRMED, photo__isnull=False
        )
        rows = list(
            confirmed.annotate(busy=open_elsewhere, held=held)
            .order_by("pk")
            .values_list(
                "pk",
                "person_id",
                "mailing_address",
                "backup_centre_id",
                "photo_source",
                "photo_id",
                "busy",
                "held",
            )
        )
        ready = [r for r in rows if not r[-1] and not r[-2]]
        already_held = sum(1 for r in rows if r[-1])
        if not ready:
            raise ApplicationError(
                "collective_no_confirmed_staff",
                "没有已确认制卡信息的职工，不能提交。",
                "No staff member has confirmed their card data; there is nothing to submit.",
                {"already_open": len(rows) - already_held, "already_held": already_held},
                status=422,
            )
        writer = BulkWriter()
        ids = writer.allocate_ids("applications_application", len(ready))
        now = timezone.now()
        fixed = decided_fields(decision)
        submitted_on = writer.date(day)
        due = writer.date(fixed["due_date"]) if fixed["due_date"] else None  # type: ignore[arg-type]
        stamp = writer.timestamp(now)
        status = ApplicationStatus.SUBMITTED.value
        label, role = actor.label, str(actor.role)
        outlet = collective.pickup_outlet_id
        fee = fee_for(pack, pickup=collective.pickup)
        try:
            with transaction.atomic():
                writer.insert(
                    "applications_application",
                    APPLICATION_COLUMNS,
                    [
                        (
                            pk, person, collective.channel, "migrate", status, submitted_on,
                            collective.bank_code, collective.pickup, outlet, address, centre,
                            source, photo, collective.pk, entry, label, role, stamp,
                            fixed["pack_id"], fixed["pack_hash"], fixed["phase_id"],
                            fixed["rule_id"], fixed["clause"], fixed["reason_code"],
                            fixed["card_generation"], due, fee,
                        )
                        for pk, (entry, person, address, centre, source, photo, *_) in zip(
                            ids, ready, strict=True
                        )
                    ],
                )  # fmt: skip
        except Exception as exc:
            # The raw write raises the driver's own IntegrityError, not Django's.
            driver_error = connection.Database.IntegrityError  # type: ignore[attr-defined]
            if not isinstance(exc, IntegrityError | driver_error):
                raise
            # Another channel opened an application for one of them meanwhile: nothing is kept.
            raise ApplicationError(
                "application_already_open",
                "名单中有职工刚刚通过其他渠道提交了申领，请重新提交。",
                "Someone on the roster has just applied through another channel; submit again.",
                status=409,
            ) from exc
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
                        "already_open": len(rows) - len(ready) - already_held,
                        "already_held": already_held,
                        "rule": decision.rule_id,
                        "clause": decision.clause,
                    },
                    pack_hash=decision.pack_hash,
                )
            ],
        )
        text = template_text(
            pack,
            "application_received",
            bank=bank_name(pack, collective.bank_code),
            outlet=collective.pickup_outlet.name if collective.pickup_outlet else "",
            employer=collective.employer.name,
            due_date=decision.due_date.isoformat() if decision.due_date else "",
        )
        if text is not None:
            message_queue_many(
                actor=actor,
                recipients=_recipients(RosterEntry.objects.filter(pk__in=[r[0] for r in ready])),
                text=text,
                template_key="application_received",
                pack_hash=decision.pack_hash,
            )
    return SubmitResult(
        collective, len(ready), unconfirmed, len(rows) - len(ready) - already_held, already_held
    )


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

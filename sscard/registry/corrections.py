"""Corrections of a person's record (信息变更), with a second officer for identity (双人复核).

One service, :func:`person_correct`, takes what an officer asks to change with the reason and
the evidence. Fields that do not make the person who they are (phone, address, household
registration and insured regions, category, employer) are written at once and audited with
their old and new values (the phone masked). Identity fields (name, ID number, birth date, sex)
are not written: they become one proposal of kind ``person_correction`` for another officer
(``sscard.core.approvals``), whose approval applies them through :func:`_apply_correction`,
checked again on the locked row. A new ID number travels only wrapped (the approval's
``secret``); pages, payload and audit show it masked.

An applied ID-number correction keeps the old number as a :class:`FormerIdentifier`, which
the lookups by ID number still find; a name or ID-number correction runs the hooks other apps
lend (``registry.corrected``: cards flags a card in force for reissue and tells the holder).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sscard.core import clock
from sscard.core.actors import Actor, Role
from sscard.core.approvals import (
    ApprovalKind,
    approval_kind_register,
    approval_propose,
    approval_secret,
)
from sscard.core.audit import AuditFact, audit_append
from sscard.core.crypto import (
    ID_NUMBER,
    PHONE,
    field_cipher,
    id_number_indexes,
    phone_indexes,
    phone_tail_index,
    row_digest,
)
from sscard.core.errors import ApplicationError, NotFound, PermissionDenied
from sscard.core.models import Approval
from sscard.kernel import idnumber, masks, regions
from sscard.notifications.errors import NotificationErrorCode
from sscard.registry.choices import PersonCategory, Sex
from sscard.registry.corrected import PersonCorrected, person_corrected_in_transaction
from sscard.registry.errors import RegistryErrorCode
from sscard.registry.models import Employer, FormerIdentifier, Person
from sscard.registry.prepare import MOBILE, name_sendable
from sscard.registry.selectors import actor_city_prefix, division_city_districts, person_visible

KIND = "person_correction"
SUBJECT = "registry.person"
ACTION = "person_correct"

IDENTITY_FIELDS = ("name", "id_number", "birth_date", "sex")
PLAIN_FIELDS = ("phone", "address", "hukou_region", "insured_region", "category", "employer")
CORRECTION_FIELDS = IDENTITY_FIELDS + PLAIN_FIELDS
# Who corrects: the bureau's officers (a district officer their district's persons), and the
# system account of the command line (``sscard import person_updates``).
CORRECTION_ROLES = frozenset({Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM})
STAFF = PersonCategory.IN_SERVICE_STAFF.value
NAME_MAX = 64
ADDRESS_MAX = 200
EVIDENCE_MAX = 500


def field_labels() -> dict[str, str]:
    """What each correctable field is called on a page (the current language)."""
    return {
        "name": _("Full name"),
        "id_number": _("ID number"),
        "birth_date": _("Birth date"),
        "sex": _("Sex"),
        "phone": _("Phone"),
        "address": _("Address"),
        "hukou_region": _("Household registration region"),
        "insured_region": _("Insured region"),
        "category": _("Category"),
        "employer": _("Employer"),
    }


# --------------------------------------------------------------------------------------------
# Checking what is asked
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class CheckedCorrection:
    """What a correction would change, checked against the record as it stands.

    ``plain`` maps the model's fields to their new values (written at once); ``identity`` the
    identity fields to their new values as text (proposed); ``shown`` each changed field to
    its old and new value as a page and the audit may show them (masked); ``errors`` every
    refusal found, by field, the first of which the service raises.
    """

    plain: dict[str, Any] = field(default_factory=dict)
    identity: dict[str, str] = field(default_factory=dict)
    shown: dict[str, list[Any]] = field(default_factory=dict)
    errors: list[tuple[str, ApplicationError]] = field(default_factory=list)

    @property
    def fields(self) -> list[str]:
        return [f for f in CORRECTION_FIELDS if f in self.shown]

    def refuse(self, name: str, error: ApplicationError) -> None:
        self.errors.append((name, error))


def _mask_address(address: str) -> str:
    """An address as the audit keeps it: its first six characters, the rest hidden."""
    return address[:6] + "*" * min(max(len(address) - 6, 0), 10)


@dataclass(slots=True)
class CheckLookups:
    """What checks ask the database about once, not once per person (an update file's rows
    share it): the districts a person may be insured in, the employers by credit code."""

    actor: Actor
    _districts: set[str] | None = None
    _employers: dict[str, int | None] = field(default_factory=dict)

    def districts(self) -> set[str]:
        if self._districts is None:
            districts = division_city_districts(actor=self.actor)
            self._districts = set(districts.values_list("code", flat=True))
        return self._districts

    def employer_id(self, code: str) -> int | None:
        """The employer of the actor's city with this credit code (``None`` for none)."""
        if code not in self._employers:
            employers = Employer.objects.filter(credit_code=code)
            prefix = actor_city_prefix(self.actor)
            if prefix is not None:
                employers = employers.filter(insured_district__startswith=prefix)
            self._employers[code] = employers.values_list("pk", flat=True).first()
        return self._employers[code]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def id_number_owner(number: str, *, but: int | None = None) -> int | None:
    """The person (other than ``but``) who holds ``number``, now or as a former number."""
    indexes = id_number_indexes(number)
    holders = Person.objects.filter(id_number_index__in=indexes)
    formers = FormerIdentifier.objects.filter(id_number_index__in=indexes)
    if but is not None:
        holders, formers = holders.exclude(pk=but), formers.exclude(person_id=but)
    found = holders.values_list("pk", flat=True).first()
    if found is None:
        found = formers.values_list("person_id", flat=True).first()
    return found


def _check_identity(checked: CheckedCorrection, person: Person, wanted: Mapping[str, str]) -> None:
    today = clock.today()
    if "name" in wanted:
        name = wanted["name"].strip()
        if name != person.name:
            sendable = name_sendable(name) if name else None
            if not name or len(name) > NAME_MAX or any(c.isdigit() for c in name):
                checked.refuse("name", RegistryErrorCode.NAME_INVALID.error(field="name"))
            elif sendable is not None:
                checked.refuse("name", sendable.error(field="name"))
            else:
                checked.identity["name"] = name
                checked.shown["name"] = [person.masked_name, masks.mask_name(name)]
    parsed: idnumber.IdNumber | None = None
    if "id_number" in wanted and wanted["id_number"].strip():
        try:
            parsed = idnumber.parse(wanted["id_number"], today=today)
        except idnumber.IdNumberError as exc:
            checked.refuse("id_number", ApplicationError.from_coded(exc, status=422))
        else:
            if parsed.value and not _is_current_number(person, parsed.value):
                if id_number_owner(parsed.value, but=person.pk) is not None:
                    checked.refuse("id_number", RegistryErrorCode.PERSON_ID_NUMBER_TAKEN.error())
                else:
                    checked.identity["id_number"] = parsed.value
                    checked.shown["id_number"] = [person.masked_id_number, parsed.masked]
            else:
                parsed = None
    birth = _text(wanted.get("birth_date"))
    if not birth and parsed is not None:
        birth = parsed.birth_date.isoformat()  # a new number brings its own birth date
    if birth:
        try:
            born = date.fromisoformat(birth)
        except ValueError:
            checked.refuse("birth_date", RegistryErrorCode.BIRTH_DATE_INVALID.error())
        else:
            if born > today:
                checked.refuse("birth_date", RegistryErrorCode.BIRTH_DATE_IN_FUTURE.error())
            elif born != person.birth_date:
                checked.identity["birth_date"] = born.isoformat()
                # Officers read no birth date (``needs_birth_date``): only that it changes.
                checked.shown["birth_date"] = ["****-**-**", "****-**-**"]
    sex = _text(wanted.get("sex")).upper()
    if not sex and parsed is not None:
        sex = parsed.sex
    if sex:
        if sex not in Sex.values:
            checked.refuse("sex", RegistryErrorCode.SEX_INVALID.error())
        elif sex != person.sex:
            checked.identity["sex"] = sex
            checked.shown["sex"] = [person.sex, sex]


def _is_current_number(person: Person, number: str) -> bool:
    return bytes(person.id_number_index) in {bytes(i) for i in id_number_indexes(number)}


def _check_phone(checked: CheckedCorrection, person: Person, phone: str) -> None:
    phone = phone.strip()
    if phone and not MOBILE.fullmatch(phone):
        checked.refuse("phone", NotificationErrorCode.PHONE_INVALID.error())
        return
    stored = bytes(person.phone_index) if person.phone_index else None
    if phone:
        if stored is not None and stored in {bytes(i) for i in phone_indexes(phone)}:
            return
        cipher = field_cipher()
        checked.plain |= {
            "phone_index": cipher.index(phone, field=PHONE),
            "phone_enc": cipher.encrypt(phone, field=PHONE),
            "phone_masked": masks.mask_phone(phone),
            "phone_tail_index": phone_tail_index(phone),
        }
        checked.shown["phone"] = [person.masked_phone, masks.mask_phone(phone)]
    elif stored is not None:
        checked.plain |= dict.fromkeys(("phone_index", "phone_enc", "phone_tail_index"), None) | {
            "phone_masked": ""
        }
        checked.shown["phone"] = [person.masked_phone, ""]


def _check_places(
    checked: CheckedCorrection, lookups: CheckLookups, person: Person, wanted: Mapping[str, str]
) -> None:
    if "address" in wanted:
        address = wanted["address"].strip()
        if len(address) > ADDRESS_MAX:
            checked.refuse("address", RegistryErrorCode.ADDRESS_TOO_LONG.error())
        elif address != person.address:
            checked.plain["address"] = address
            checked.shown["address"] = [_mask_address(person.address), _mask_address(address)]
    if "hukou_region" in wanted:
        hukou = wanted["hukou_region"].strip()
        if hukou and not regions.is_known(hukou):
            checked.refuse("hukou_region", RegistryErrorCode.REGION_UNKNOWN.error())
        elif hukou != person.hukou_region:
            checked.plain["hukou_region"] = hukou
            checked.shown["hukou_region"] = [person.hukou_region, hukou]
    if "insured_region" in wanted:
        insured = wanted["insured_region"].strip()
        if insured and insured not in lookups.districts():
            checked.refuse("insured_region", RegistryErrorCode.DISTRICT_UNKNOWN.error())
        elif insured != person.insured_region:
            checked.plain["insured_region"] = insured
            checked.shown["insured_region"] = [person.insured_region, insured]


def _check_links(
    checked: CheckedCorrection, lookups: CheckLookups, person: Person, wanted: Mapping[str, str]
) -> None:
    category = person.category
    if "category" in wanted:
        category = wanted["category"].strip()
        if category not in PersonCategory.values:
            categories = sorted(PersonCategory.values)
            checked.refuse(
                "category",
                RegistryErrorCode.CATEGORY_INVALID.error_with({"categories": categories}),
            )
            return
        if category != person.category:
            checked.plain["category"] = category
            checked.shown["category"] = [person.category, category]
    employer_id = person.employer_id
    old_code = person.employer.credit_code if person.employer else ""
    if "employer" in wanted:
        code = wanted["employer"].strip().upper()
        employer_id = lookups.employer_id(code) if code else None
        if code and employer_id is None:
            checked.refuse("employer", RegistryErrorCode.EMPLOYER_UNKNOWN.error())
            return
        if employer_id != person.employer_id:
            checked.plain["employer_id"] = employer_id
            checked.shown["employer"] = [old_code, code]
    if (
        category == STAFF
        and employer_id is None
        and ("category" in checked.shown or "employer" in checked.shown)
    ):
        checked.refuse("employer", RegistryErrorCode.EMPLOYER_REQUIRED.error())


def correction_check(
    *,
    actor: Actor,
    person: Person,
    changes: Mapping[str, Any],
    lookups: CheckLookups | None = None,
) -> CheckedCorrection:
    """Check ``changes`` (field → new value as text; ``employer`` a credit code, ``birth_date``
    YYYY-MM-DD) against ``person`` as stored; unchanged values drop out. Answers every refusal
    found (``errors``), so that a preview can list them all; writes nothing."""
    checked = CheckedCorrection()
    wanted: dict[str, str] = {}
    for name, value in changes.items():
        if name not in CORRECTION_FIELDS:
            checked.refuse(name, RegistryErrorCode.CORRECTION_FIELD_UNKNOWN.error(field=name))
        else:
            wanted[name] = _text(value)
    _check_identity(checked, person, wanted)
    if "phone" in wanted:
        _check_phone(checked, person, wanted["phone"])
    lookups = lookups if lookups is not None else CheckLookups(actor)
    _check_places(checked, lookups, person, wanted)
    _check_links(checked, lookups, person, wanted)
    return checked


def _raise_first(checked: CheckedCorrection) -> None:
    if checked.errors:
        name, error = checked.errors[0]
        error.details.setdefault("field", name)
        raise error


# --------------------------------------------------------------------------------------------
# The service
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CorrectionDone:
    """What a correction did: the fields written at once, those proposed for approval (and the
    proposal), each changed field's old and new value as shown (masked)."""

    person: Person
    applied: tuple[str, ...]
    proposed: tuple[str, ...]
    shown: dict[str, list[Any]]
    approval: Approval | None


def person_correction_refusal(actor: Actor) -> ApplicationError | None:
    """Why ``actor`` may not correct persons at all, or ``None`` (the page's predicate for the
    "correct" form; the scope is the person's visibility)."""
    if actor.role not in CORRECTION_ROLES:
        return PermissionDenied("correct a person's record", "更正人员信息")
    return None


def _person_locked(actor: Actor, person_id: int) -> Person:
    found = (
        person_visible(actor=actor)
        .select_for_update(of=("self",))
        .select_related("employer")
        .filter(pk=person_id)
        .first()
    )
    if found is None:
        raise NotFound("person", what_zh="该人员")
    return found


def _district_of(person: Person) -> str:
    return person.insured_region or person.hukou_region


def _identity_digest(person: Person) -> str:
    """What the proposal was made against: a changed identity makes it stale at approval."""
    number = field_cipher().decrypt(bytes(person.id_number_enc), field=ID_NUMBER)
    text = "\x1f".join([number, person.name, person.birth_date.isoformat(), person.sex])
    return row_digest(text, kind=KIND).hex()


def person_correct(
    *,
    actor: Actor,
    person: Person,
    changes: Mapping[str, Any],
    reason: str,
    evidence: str = "",
) -> CorrectionDone:
    """Correct ``person``'s record as ``changes`` ask, for ``reason`` on ``evidence``.

    Non-identity fields are written at once and audited (``person_correct``) with their old
    and new values, the phone masked; identity fields go to a second officer as one proposal
    (``person_correction``), nothing of them written. Refusals, nothing written:
    ``permission_denied``, ``not_found`` (outside the officer's scope),
    ``correction_reason_required``, ``correction_field_unknown``, ``correction_no_change``, a
    field's own code (``id_*``, ``person_id_number_taken``, ``birth_date_in_future``,
    ``phone_invalid``, ``district_unknown``, ``employer_unknown`` ...), and the approval
    framework's (``approval_already_pending``).
    """
    refused = person_correction_refusal(actor)
    if refused is not None:
        raise refused
    reason = (reason or "").strip()
    evidence = (evidence or "").strip()[:EVIDENCE_MAX]
    with transaction.atomic():
        locked = _person_locked(actor, person.pk)
        if not reason:
            raise RegistryErrorCode.CORRECTION_REASON_REQUIRED.error()
        checked = correction_check(actor=actor, person=locked, changes=changes)
        _raise_first(checked)
        if not checked.shown:
            raise RegistryErrorCode.CORRECTION_NO_CHANGE.error()
        approval = None
        if checked.identity:
            approval = _propose(actor, locked, checked, reason=reason, evidence=evidence)
        applied = [f for f in checked.fields if f in PLAIN_FIELDS]
        if applied:
            _write_plain(actor, locked, checked, reason=reason, evidence=evidence)
    proposed = tuple(f for f in checked.fields if f in IDENTITY_FIELDS)
    shown = {name: checked.shown[name] for name in checked.fields}
    return CorrectionDone(locked, tuple(applied), proposed, shown, approval)


def person_correct_in_transaction(
    *, actor: Actor, person: Person, checked: CheckedCorrection, reason: str, evidence: str
) -> None:
    """Write the non-identity part of an already checked correction (an import's update run,
    in its own chunk's transaction, on a row it has locked)."""
    _write_plain(actor, person, checked, reason=reason, evidence=evidence)


def _write_plain(
    actor: Actor, person: Person, checked: CheckedCorrection, *, reason: str, evidence: str
) -> None:
    for name, value in checked.plain.items():
        setattr(person, name, value)
    person.save(update_fields=list(checked.plain))
    applied = {f: checked.shown[f] for f in checked.fields if f in PLAIN_FIELDS}
    audit_append(
        actor=actor,
        fact=AuditFact(
            action=ACTION,
            object_type=SUBJECT,
            object_id=str(person.pk),
            changes={"fields": applied, "reason": reason, "evidence": evidence},
        ),
    )


def _propose(
    actor: Actor,
    person: Person,
    checked: CheckedCorrection,
    *,
    reason: str,
    evidence: str,
    job_id: int | None = None,
) -> Approval:
    district = _district_of(person)
    payload: dict[str, Any] = {
        "fields": {f: checked.shown[f] for f in checked.fields if f in IDENTITY_FIELDS},
        "person": person.masked_name,
        "before": _identity_digest(person),
    }
    if job_id is not None:
        payload["job_id"] = job_id  # proposed by an update file's run (resumes find it)
    return approval_propose(
        actor=actor,
        kind=KIND,
        subject_type=SUBJECT,
        subject_id=str(person.pk),
        payload=payload,
        reason=reason,
        evidence=evidence,
        city_code=regions.city_of(district),
        district_code=district,
        secret=json.dumps(checked.identity, ensure_ascii=False).encode(),
    )


def person_correction_propose_in_transaction(
    *,
    actor: Actor,
    person: Person,
    checked: CheckedCorrection,
    reason: str,
    evidence: str,
    job_id: int | None = None,
) -> Approval:
    """Propose the identity part of an already checked correction (an import's update run)."""
    return _propose(actor, person, checked, reason=reason, evidence=evidence, job_id=job_id)


# --------------------------------------------------------------------------------------------
# The approval's applier and description
# --------------------------------------------------------------------------------------------


def _apply_correction(approval: Approval, checker: Actor) -> dict[str, Any]:
    """Apply an approved identity correction on the locked person, checked again (a number
    taken meanwhile, a record changed since the proposal, refuse it and nothing is written)."""
    person = (
        Person.objects.select_for_update(of=("self",))
        .select_related("employer")
        .filter(pk=int(approval.subject_id))
        .first()
    )
    if person is None:
        raise NotFound("person", what_zh="该人员")
    if approval.payload.get("before") != _identity_digest(person):
        raise RegistryErrorCode.CORRECTION_STALE.error()
    wanted: dict[str, str] = json.loads(approval_secret(approval).decode() or "{}")
    checked = CheckedCorrection()
    _check_identity(checked, person, wanted)
    _raise_first(checked)
    if not checked.identity:
        raise RegistryErrorCode.CORRECTION_NO_CHANGE.error()
    identity = checked.identity
    update: list[str] = []
    if "name" in identity:
        person.name = identity["name"]
        update.append("name")
    if "birth_date" in identity:
        person.birth_date = date.fromisoformat(identity["birth_date"])
        update.append("birth_date")
    if "sex" in identity:
        person.sex = identity["sex"]
        update.append("sex")
    now = timezone.now()
    try:
        with transaction.atomic():
            if "id_number" in identity:
                update += _replace_id_number(person, identity["id_number"], approval, now=now)
            person.save(update_fields=update)
    except IntegrityError as exc:
        # Another correction (or an import) took the number between the check and the write.
        raise RegistryErrorCode.PERSON_ID_NUMBER_TAKEN.error() from exc
    fields = tuple(checked.fields)
    result: dict[str, Any] = {"fields": list(fields)}
    if {"name", "id_number"} & set(fields):
        # Before the audit: the audit chain's lock is taken last, so a hand-over holding the
        # card (and waiting for the chain) never waits on us while we wait on its card.
        event = PersonCorrected(person, fields, checker, approval.pk)
        result |= person_corrected_in_transaction(event)
    audit_append(
        actor=checker,
        fact=AuditFact(
            action=ACTION,
            object_type=SUBJECT,
            object_id=str(person.pk),
            changes={
                "fields": {f: checked.shown[f] for f in fields},
                "reason": approval.reason,
                "evidence": approval.evidence,
                "approval_id": approval.pk,
                "maker": approval.maker_label,
            },
        ),
    )
    return result


def _replace_id_number(person: Person, number: str, approval: Approval, *, now: Any) -> list[str]:
    """Keep the old number as a former one, write the new one as an import writes it."""
    parsed = idnumber.parse(number, today=clock.today())
    indexes = id_number_indexes(parsed.value)
    # Back to a number the person held before: it is theirs again, no longer a former one.
    FormerIdentifier.objects.filter(person=person, id_number_index__in=indexes).delete()
    FormerIdentifier.objects.create(
        person=person,
        id_number_index=bytes(person.id_number_index),
        id_number_enc=bytes(person.id_number_enc),
        id_number_masked=person.id_number_masked,
        until=now,
        approval_id=approval.pk,
    )
    cipher = field_cipher()
    person.id_number_index = cipher.index(parsed.value, field=ID_NUMBER)
    person.id_number_enc = cipher.encrypt(parsed.value, field=ID_NUMBER)
    person.id_number_masked = parsed.masked
    person.id_kind = parsed.kind.value
    person.upgraded_from_15 = parsed.upgraded_from is not None
    return ["id_number_index", "id_number_enc", "id_number_masked", "id_kind", "upgraded_from_15"]


def _shown_value(name: str, value: Any) -> str:
    if name == "sex":
        return str(dict(Sex.choices).get(value, value))
    return str(value or "—")


def _describe(approval: Approval) -> str:
    """``更正 张*：姓名 张* → 李*；身份证件号码 1****************X → 1****************2``."""
    labels = field_labels()
    fields: Mapping[str, list[Any]] = approval.payload.get("fields") or {}
    parts = [
        f"{labels.get(name, name)} {_shown_value(name, old)} → {_shown_value(name, new)}"
        for name, (old, new) in fields.items()
    ]
    person = approval.payload.get("person", "")
    return _("Correct %(person)s: %(changes)s") % {"person": person, "changes": "; ".join(parts)}


def register_correction_kind() -> None:
    """Register the approval kind of an identity correction (from the registry's ``ready``)."""
    approval_kind_register(
        ApprovalKind(
            key=KIND,
            label=gettext_lazy("Correction of a person's identity"),
            apply=_apply_correction,
            describe=_describe,
        )
    )

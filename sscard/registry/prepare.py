"""Pure per-row preparation of a persons import; runs in worker processes (no Django here).

Each row is parsed and checked, its ID number and phone encrypted (SM4) and indexed (keyed
SM3; the phone's last four digits too), and its content digested, so that the parent only has
to probe, classify and write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import NamedTuple

from sscard.core.prepare import RowError, RowRefused, Rows
from sscard.kernel import idnumber, masks, messages, regions
from sscard.kernel.gm import FieldCipher, sm3
from sscard.notifications.errors import NotificationErrorCode
from sscard.registry.errors import RegistryErrorCode

ID_NUMBER = "id_number"
PHONE = "phone"
PHONE_TAIL = "phone_tail"  # the same fields as ``sscard.core.crypto`` (no Django here)
ROW_SEPARATOR = "\x1f"
MOBILE = re.compile(r"1[3-9]\d{9}")
BANK_CODE = re.compile(r"[A-Z][A-Z0-9]{1,15}")
STAFF = "in_service_staff"
_DIGIT = re.compile(r"\d")


def mask_phone(phone: str) -> str:
    """``*******1234``: the one rule of ``sscard.kernel.masks``."""
    return masks.mask_phone(phone)


@dataclass(frozen=True)
class PersonPrepState:
    """What a worker checks rows against; picklable, sent once per worker."""

    master_key: bytes
    today: date
    districts: frozenset[str]
    categories: frozenset[str]
    employers: dict[str, int]
    schools: dict[str, int]
    text_copy: bool
    """True for PostgreSQL: payloads are COPY text fragments; False: tuples for executemany."""
    job_id: int
    created: str
    """The backend's literal for ``created_at`` (one value for the whole import)."""

    key_version: int = 1
    """The version of ``master_key``: the first byte of every value this import encrypts."""
    older_keys: tuple[bytes, ...] = ()
    """Master keys of older live versions: their indexes find rows a rotation has not reached."""

    @cached_property
    def cipher(self) -> FieldCipher:
        return FieldCipher.from_master(self.master_key)

    @cached_property
    def older_ciphers(self) -> tuple[FieldCipher, ...]:
        return tuple(FieldCipher.from_master(key) for key in self.older_keys)


# What a payload fills, in order, after ``id`` and ``guardian_id`` (which the parent assigns).
PAYLOAD_COLUMNS = (
    "id_number_index",
    "id_number_enc",
    "id_number_masked",
    "id_kind",
    "upgraded_from_15",
    "name",
    "sex",
    "birth_date",
    "phone_index",
    "phone_enc",
    "phone_masked",
    "phone_tail_index",
    "hukou_region",
    "insured_region",
    "category",
    "employer_id",
    "school_id",
    "pension_bank",
    "address",
    "source_digest",
    "import_job_id",
    "created_at",
)


class PreparedPerson(NamedTuple):
    """A checked, encrypted and indexed person row, ready to be written."""

    row: int
    id_index: bytes
    digest: bytes
    guardian_index: bytes | None
    upgraded: bool
    payload: str | tuple[object, ...]
    aliases: tuple[tuple[bytes, bytes], ...] = ()
    """(index, digest) of this row under each older live key version, newest first."""
    guardian_aliases: tuple[bytes, ...] = ()
    """The guardian's index under each older live key version."""


_COPY_SPECIALS = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def person_digest(
    id_index: bytes, phone_index: bytes | None, guardian_index: bytes | None, rest: bytes
) -> bytes:
    """The row digest: SM3 over the row with its identifiers replaced by their keyed indexes.

    ``rest`` is name, regions, category, employer and school codes, bank and address joined by
    ``ROW_SEPARATOR``; a key rotation recomputes it from the stored row (``registry.keys``).
    """
    return sm3(id_index + (phone_index or b"") + (guardian_index or b"") + rest)[:16]


def copy_text(value: str) -> str:
    """Escape a text value for PostgreSQL's COPY text format."""
    if _COPY_SPECIALS.search(value) is None:
        return value
    return _COPY_SPECIALS.sub(lambda m: _COPY_ESCAPES[m.group()], value)


def copy_bytes(value: bytes | None) -> str:
    """A bytea value (hex input) in COPY text format, or NULL."""
    return "\\N" if value is None else "\\\\x" + value.hex()


def copy_int(value: int | None) -> str:
    return "\\N" if value is None else str(value)


def name_sendable(name: str) -> RegistryErrorCode | None:
    """Why a name cannot go into an outgoing message (BJ-13); None if it can.

    A name is carried by every message to its person or employer; one that holds a link (or
    asks for a secret) would make each of them fail the anti-fraud check after the change that
    caused it was written, so it is refused where it enters.
    """
    verdict = messages.check(name)
    if verdict.ok:
        return None
    if verdict.code == messages.CODE_LINK:
        return RegistryErrorCode.NAME_CONTAINS_LINK
    return RegistryErrorCode.NAME_CONTAINS_REQUEST


def _id_number_refused(number: int, column: str, error: idnumber.IdNumberError) -> RowError:
    """A row refused by the kernel's check of an ID number, with the kernel's code."""
    return RowError(number, column, error.code, error.message_zh, error.message_en)


def _name_errors(number: int, name: str) -> list[RowError]:
    if not name or len(name) > 64 or _DIGIT.search(name):
        return [RegistryErrorCode.NAME_INVALID.at(number, "name")]
    sendable = name_sendable(name)
    return [] if sendable is None else [sendable.at(number, "name")]


def _place_errors(
    state: PersonPrepState, number: int, phone: str, hukou: str, insured: str, bank: str
) -> list[RowError]:
    """The phone, the regions and the pension bank."""
    errors = []
    if phone and not MOBILE.fullmatch(phone):
        errors.append(NotificationErrorCode.PHONE_INVALID.at(number, "phone"))
    if hukou and not regions.is_known(hukou):
        errors.append(RegistryErrorCode.REGION_UNKNOWN.at(number, "hukou_region"))
    if insured and insured not in state.districts:
        errors.append(RegistryErrorCode.REGION_UNKNOWN.at(number, "insured_region"))
    if bank and not BANK_CODE.fullmatch(bank):
        errors.append(RegistryErrorCode.BANK_CODE_INVALID.at(number, "pension_bank"))
    return errors


def _link_errors(
    state: PersonPrepState,
    number: int,
    category: str,
    employer_code: str,
    school_code: str,
) -> tuple[list[RowError], int | None, int | None]:
    """The category and what it ties the person to: errors, employer id, school id."""
    errors = []
    if category not in state.categories:
        errors.append(
            RegistryErrorCode.CATEGORY_INVALID.at(
                number, "category", categories=sorted(state.categories)
            )
        )
    employer_id = state.employers.get(employer_code) if employer_code else None
    if employer_code and employer_id is None:
        errors.append(RegistryErrorCode.EMPLOYER_UNKNOWN.at(number, "employer_credit_code"))
    elif category == STAFF and employer_id is None:
        errors.append(RegistryErrorCode.EMPLOYER_REQUIRED.at(number, "employer_credit_code"))
    school_id = state.schools.get(school_code) if school_code else None
    if school_code and school_id is None:
        errors.append(RegistryErrorCode.SCHOOL_UNKNOWN.at(number, "school_code"))
    return errors, employer_id, school_id


def _check_cells(
    state: PersonPrepState, number: int, cells: list[str]
) -> RowRefused | tuple[idnumber.IdNumber, list[str], int | None, int | None, str]:
    """The row's values checked and normalised, or every error found in it (one per faulty
    cell: a clerk correcting the file sees them all at once)."""
    (raw_id, name, phone, hukou, insured, category, employer_code, school_code, guardian_raw,
     bank, address) = cells  # fmt: skip
    errors: list[RowError] = []
    parsed: idnumber.IdNumber | None = None
    try:
        parsed = idnumber.parse(raw_id, today=state.today)
    except idnumber.IdNumberError as exc:
        errors.append(_id_number_refused(number, "id_number", exc))
    name = name.strip()
    errors += _name_errors(number, name)
    errors += _place_errors(state, number, phone, hukou, insured, bank)
    links, employer_id, school_id = _link_errors(
        state, number, category, employer_code, school_code
    )
    errors += links
    guardian = ""
    if guardian_raw:
        try:
            guardian = idnumber.parse(guardian_raw, today=state.today).value
        except idnumber.IdNumberError as exc:
            errors.append(_id_number_refused(number, "guardian_id_number", exc))
    if len(address) > 200:
        errors.append(RegistryErrorCode.ADDRESS_TOO_LONG.at(number, "address"))
    if errors or parsed is None:
        return RowRefused(number, tuple(errors))
    normalised = [parsed.value, name, phone, hukou, insured, category, employer_code,
                  school_code, guardian, bank, address]  # fmt: skip
    return parsed, normalised, employer_id, school_id, guardian


def prepare_persons(state: PersonPrepState, rows: Rows) -> list[PreparedPerson | RowRefused]:
    """Check, encrypt and index one chunk of person rows; keep the rows' order.

    The row digest (what makes a re-import of the same row a no-op) is an SM3 hash over the
    row with its identifiers replaced by their keyed indexes: it reveals nothing that the
    stored row does not already show, and costs one hash instead of an HMAC.
    """
    cipher = state.cipher
    checked = [_check_cells(state, number, cells) for number, cells in rows]
    valid = [c for c in checked if not isinstance(c, RowRefused)]
    ids = [c[0].value for c in valid]
    head = bytes([state.key_version])  # a value's first byte names its key version
    id_indexes = cipher.index_many(ids, field=ID_NUMBER)
    id_encs = [head + b[1:] for b in cipher.encrypt_many(ids, field=ID_NUMBER)]
    phones = [c[1][2] for c in valid if c[1][2]]
    phone_indexes = iter(cipher.index_many(phones, field=PHONE))
    phone_encs = iter(head + b[1:] for b in cipher.encrypt_many(phones, field=PHONE))
    tails = [t for t in map(masks.phone_tail, phones) if t]
    tail_indexes = iter(cipher.index_many(tails, field=PHONE_TAIL))
    guardians = [c[4] for c in valid if c[4]]
    guardian_indexes = iter(cipher.index_many(guardians, field=ID_NUMBER))
    older = [
        (
            old.index_many(ids, field=ID_NUMBER),
            iter(old.index_many(phones, field=PHONE)),
            iter(old.index_many(guardians, field=ID_NUMBER)),
        )
        for old in state.older_ciphers
    ]
    mask = idnumber.mask
    sep = ROW_SEPARATOR
    text_copy = state.text_copy
    job_id = state.job_id
    created = state.created
    out: list[PreparedPerson | RowRefused] = []
    k = 0
    for (number, _cells), item in zip(rows, checked, strict=True):
        if isinstance(item, RowRefused):
            out.append(item)
            continue
        parsed, cells, employer_id, school_id, guardian = item
        phone = cells[2]
        phone_index = next(phone_indexes) if phone else None
        phone_enc = next(phone_encs) if phone else None
        tail_index = next(tail_indexes) if phone and masks.phone_tail(phone) else None
        guardian_index = next(guardian_indexes) if guardian else None
        id_index = id_indexes[k]
        rest = sep.join([cells[1], *cells[3:8], *cells[9:]]).encode()
        digest = person_digest(id_index, phone_index, guardian_index, rest)
        aliases: list[tuple[bytes, bytes]] = []
        guardian_aliases: list[bytes] = []
        for old_ids, old_phones, old_guardians in older:
            old_phone = next(old_phones) if phone else b""
            old_guardian = next(old_guardians) if guardian else b""
            aliases.append((old_ids[k], person_digest(old_ids[k], old_phone, old_guardian, rest)))
            if guardian:
                guardian_aliases.append(old_guardian)
        upgraded = parsed.upgraded_from is not None
        payload: str | tuple[object, ...]
        if text_copy:
            payload = "\t".join(
                (
                    copy_bytes(id_index),
                    copy_bytes(id_encs[k]),
                    mask(parsed.value),
                    parsed.kind.value,
                    "t" if upgraded else "f",
                    copy_text(cells[1]),
                    parsed.sex,
                    parsed.birth_date.isoformat(),
                    copy_bytes(phone_index),
                    copy_bytes(phone_enc),
                    mask_phone(phone) if phone else "",
                    copy_bytes(tail_index),
                    cells[3],
                    cells[4],
                    cells[5],
                    copy_int(employer_id),
                    copy_int(school_id),
                    copy_text(cells[9]),
                    copy_text(cells[10]),
                    copy_bytes(digest),
                    str(job_id),
                    created,
                )
            )
        else:
            payload = (
                id_index,
                id_encs[k],
                mask(parsed.value),
                parsed.kind.value,
                upgraded,
                cells[1],
                parsed.sex,
                parsed.birth_date.isoformat(),
                phone_index,
                phone_enc,
                mask_phone(phone) if phone else "",
                tail_index,
                cells[3],
                cells[4],
                cells[5],
                employer_id,
                school_id,
                cells[9],
                cells[10],
                digest,
                job_id,
                created,
            )
        out.append(
            PreparedPerson(
                number,
                id_index,
                digest,
                guardian_index,
                upgraded,
                payload,
                tuple(aliases),
                tuple(guardian_aliases),
            )
        )
        k += 1
    return out

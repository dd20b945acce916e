"""Pure per-row preparation of a persons import; runs in worker processes (no Django here).

Each row is parsed and checked, its ID number and phone encrypted (SM4) and indexed (keyed
SM3), and its content digested, so that the parent only has to probe, classify and write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import NamedTuple

from sscard.core.prepare import RowError, Rows
from sscard.kernel import idnumber, regions
from sscard.kernel.gm import FieldCipher, sm3

ID_NUMBER = "id_number"
PHONE = "phone"
ROW_SEPARATOR = "\x1f"
MOBILE = re.compile(r"1[3-9]\d{9}")
BANK_CODE = re.compile(r"[A-Z][A-Z0-9]{1,15}")
STAFF = "in_service_staff"
_DIGIT = re.compile(r"\d")


def mask_phone(phone: str) -> str:
    """138****1234."""
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else "*" * len(phone)


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

    @cached_property
    def cipher(self) -> FieldCipher:
        return FieldCipher.from_master(self.master_key)


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


_COPY_SPECIALS = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


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


def _refusal(number: int, column: str, code: str, zh: str, en: str) -> RowError:
    return RowError(number, column, code, zh, en)


def _check_cells(
    state: PersonPrepState, number: int, cells: list[str]
) -> RowError | tuple[idnumber.IdNumber, list[str], int | None, int | None, str]:
    (raw_id, name, phone, hukou, insured, category, employer_code, school_code, guardian_raw,
     bank, address) = cells  # fmt: skip
    try:
        parsed = idnumber.parse(raw_id, today=state.today)
    except idnumber.IdNumberError as exc:
        return _refusal(number, "id_number", exc.code, exc.message_zh, exc.message_en)
    name = name.strip()
    if not name or len(name) > 64 or _DIGIT.search(name):
        return _refusal(
            number,
            "name",
            "name_invalid",
            "姓名为空、过长或含有数字。",
            "The name is empty, too long or contains digits.",
        )
    if phone and not MOBILE.fullmatch(phone):
        return _refusal(
            number,
            "phone",
            "phone_invalid",
            "手机号码应为11位中国大陆手机号。",
            "The phone must be an 11-digit mainland mobile number.",
        )
    if hukou and not regions.is_known(hukou):
        return _refusal(
            number,
            "hukou_region",
            "region_unknown",
            "户籍地区代码不存在。",
            "The household registration region code does not exist.",
        )
    if insured and insured not in state.districts:
        return _refusal(
            number,
            "insured_region",
            "region_unknown",
            "参保地不是本系统登记的现行区县。",
            "The insured region is not a current district known to sscard.",
        )
    if category not in state.categories:
        return _refusal(
            number,
            "category",
            "category_invalid",
            "人员类别不正确。",
            f"The category must be one of: {', '.join(sorted(state.categories))}.",
        )
    employer_id = state.employers.get(employer_code) if employer_code else None
    if employer_code and employer_id is None:
        return _refusal(
            number,
            "employer_credit_code",
            "employer_unknown",
            "该统一社会信用代码的单位未登记，请先导入单位。",
            "No employer with this credit code is registered; import employers first.",
        )
    if category == STAFF and employer_id is None:
        return _refusal(
            number,
            "employer_credit_code",
            "employer_required",
            "在职人员须填写参保单位的统一社会信用代码。",
            "In-service staff need their employer's credit code.",
        )
    school_id = state.schools.get(school_code) if school_code else None
    if school_code and school_id is None:
        return _refusal(
            number,
            "school_code",
            "school_unknown",
            "该学校未登记，请先导入学校。",
            "No school with this code is registered; import schools first.",
        )
    if bank and not BANK_CODE.fullmatch(bank):
        return _refusal(
            number,
            "pension_bank",
            "bank_code_invalid",
            "养老金代发银行代码格式不正确。",
            "The pension bank code is malformed.",
        )
    guardian = ""
    if guardian_raw:
        try:
            guardian = idnumber.parse(guardian_raw, today=state.today).value
        except idnumber.IdNumberError as exc:
            return _refusal(number, "guardian_id_number", exc.code, exc.message_zh, exc.message_en)
    if len(address) > 200:
        return _refusal(
            number, "address", "address_too_long", "地址过长。", "The address is too long."
        )
    normalised = [parsed.value, name, phone, hukou, insured, category, employer_code,
                  school_code, guardian, bank, address]  # fmt: skip
    return parsed, normalised, employer_id, school_id, guardian


def prepare_persons(state: PersonPrepState, rows: Rows) -> list[PreparedPerson | RowError]:
    """Check, encrypt and index one chunk of person rows; keep the rows' order.

    The row digest (what makes a re-import of the same row a no-op) is an SM3 hash over the
    row with its identifiers replaced by their keyed indexes: it reveals nothing that the
    stored row does not already show, and costs one hash instead of an HMAC.
    """
    cipher = state.cipher
    checked = [_check_cells(state, number, cells) for number, cells in rows]
    valid = [c for c in checked if not isinstance(c, RowError)]
    ids = [c[0].value for c in valid]
    id_indexes = cipher.index_many(ids, field=ID_NUMBER)
    id_encs = cipher.encrypt_many(ids, field=ID_NUMBER)
    phones = [c[1][2] for c in valid if c[1][2]]
    phone_indexes = iter(cipher.index_many(phones, field=PHONE))
    phone_encs = iter(cipher.encrypt_many(phones, field=PHONE))
    guardians = [c[4] for c in valid if c[4]]
    guardian_indexes = iter(cipher.index_many(guardians, field=ID_NUMBER))
    mask = idnumber.mask
    sep = ROW_SEPARATOR
    text_copy = state.text_copy
    job_id = state.job_id
    created = state.created
    out: list[PreparedPerson | RowError] = []
    k = 0
    for (number, _cells), item in zip(rows, checked, strict=True):
        if isinstance(item, RowError):
            out.append(item)
            continue
        parsed, cells, employer_id, school_id, guardian = item
        phone = cells[2]
        phone_index = next(phone_indexes) if phone else None
        phone_enc = next(phone_encs) if phone else None
        guardian_index = next(guardian_indexes) if guardian else None
        id_index = id_indexes[k]
        digest = sm3(
            id_index
            + (phone_index or b"")
            + (guardian_index or b"")
            + sep.join([cells[1], *cells[3:8], *cells[9:]]).encode()
        )[:16]
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
        out.append(PreparedPerson(number, id_index, digest, guardian_index, upgraded, payload))
        k += 1
    return out

"""Bulk import of persons, employers and schools (see ``sscard.core.bulk`` for the policy)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from sscard.core.actors import Actor
from sscard.core.audit import AuditFact
from sscard.core.bulk import ImportContext, ImportSpec, Progress, classify_existing, id_ranges
from sscard.core.bulk import run_import as _run_import
from sscard.core.crypto import ID_NUMBER, PHONE, field_cipher, mask_phone
from sscard.core.models import ImportJob
from sscard.kernel import creditcode, idnumber, regions
from sscard.registry.choices import PersonCategory, SchoolKind
from sscard.registry.models import Division, Employer, Person, School

MOBILE = re.compile(r"1[3-9]\d{9}")
BANK_CODE = re.compile(r"[A-Z][A-Z0-9]{1,15}")
SCHOOL_CODE = re.compile(r"\d{10}")
CATEGORIES = frozenset(PersonCategory.values)
SCHOOL_KINDS = frozenset(SchoolKind.values)
ROW_SEPARATOR = "\x1f"


def _row_digest(kind: str, cells: list[str]) -> bytes:
    """A keyed digest of the row's content: equal digests mean an unchanged row."""
    return field_cipher().index(ROW_SEPARATOR.join(cells), field=f"row:{kind}")


def _current_districts() -> frozenset[str]:
    return frozenset(
        Division.objects.filter(abolished=False, level="district").values_list("code", flat=True)
    )


class EmployerSpec(ImportSpec):
    kind = ImportJob.Kind.EMPLOYERS
    columns: ClassVar[tuple[str, ...]] = ("credit_code", "name", "insured_district", "payroll_banks")
    table = Employer._meta.db_table

    def begin(self, ctx: ImportContext) -> None:
        self.districts = _current_districts()

    def process(self, ctx: ImportContext, rows: list[tuple[int, list[str]]]) -> AuditFact | None:
        candidates: list[tuple[int, str, list[Any], bytes]] = []
        for number, cells in rows:
            cells = [c.strip() for c in cells]
            code, name, district, banks_text = cells
            try:
                code = creditcode.parse(code).value
            except creditcode.CreditCodeError as exc:
                ctx.refuse(number, "credit_code", exc.code, exc.message_zh, exc.message_en)
                continue
            if not name or len(name) > 200:
                ctx.refuse(
                    number, "name", "name_invalid", "单位名称为空或过长。", "The name is empty or too long."
                )
                continue
            if district not in self.districts:
                ctx.refuse(
                    number,
                    "insured_district",
                    "district_unknown",
                    "参保区县代码不是本系统登记的现行区县。",
                    "The insured district is not a current district known to sscard.",
                )
                continue
            banks = [b for b in (p.strip() for p in banks_text.split(";")) if b]
            if any(not BANK_CODE.fullmatch(b) for b in banks):
                ctx.refuse(
                    number,
                    "payroll_banks",
                    "bank_code_invalid",
                    "工资代发银行代码格式不正确（多个代码用英文分号分隔）。",
                    "A payroll bank code is malformed (separate several codes with ';').",
                )
                continue
            row = [code, name, district, json.dumps(banks)]
            candidates.append((number, code, row, _row_digest(self.kind, row)))
        return _insert_keyed(
            ctx,
            table=self.table,
            key="credit_code",
            candidates=candidates,
            columns=("credit_code", "name", "insured_district", "payroll_banks"),
            what=("统一社会信用代码", "credit code"),
            code_prefix="credit_code",
            object_type="registry.employer",
            extra=lambda: [ctx.writer.timestamp(ctx.now)],
            extra_columns=("created_at",),
        )


class SchoolSpec(ImportSpec):
    kind = ImportJob.Kind.SCHOOLS
    columns: ClassVar[tuple[str, ...]] = ("school_code", "name", "district", "kind")
    table = School._meta.db_table

    def begin(self, ctx: ImportContext) -> None:
        self.districts = _current_districts()

    def process(self, ctx: ImportContext, rows: list[tuple[int, list[str]]]) -> AuditFact | None:
        candidates: list[tuple[int, str, list[Any], bytes]] = []
        for number, cells in rows:
            code, name, district, kind = (c.strip() for c in cells)
            if not SCHOOL_CODE.fullmatch(code):
                ctx.refuse(
                    number,
                    "school_code",
                    "school_code_invalid",
                    "学校标识码应为10位数字。",
                    "The school code must be 10 digits.",
                )
                continue
            if not name or len(name) > 200:
                ctx.refuse(
                    number, "name", "name_invalid", "学校名称为空或过长。", "The name is empty or too long."
                )
                continue
            if district not in self.districts:
                ctx.refuse(
                    number,
                    "district",
                    "district_unknown",
                    "区县代码不是本系统登记的现行区县。",
                    "The district is not a current district known to sscard.",
                )
                continue
            if kind not in SCHOOL_KINDS:
                ctx.refuse(
                    number,
                    "kind",
                    "school_kind_invalid",
                    f"学校类型应为：{'、'.join(sorted(SCHOOL_KINDS))}。",
                    f"The school kind must be one of: {', '.join(sorted(SCHOOL_KINDS))}.",
                )
                continue
            row = [code, name, district, kind]
            candidates.append((number, code, row, _row_digest(self.kind, row)))
        return _insert_keyed(
            ctx,
            table=self.table,
            key="code",
            candidates=candidates,
            columns=("code", "name", "district", "kind"),
            what=("学校标识码", "school code"),
            code_prefix="school_code",
            object_type="registry.school",
            extra=lambda: [ctx.writer.timestamp(ctx.now)],
            extra_columns=("created_at",),
        )


def _insert_keyed(
    ctx: ImportContext,
    *,
    table: str,
    key: str,
    candidates: list[tuple[int, str, list[Any], bytes]],
    columns: tuple[str, ...],
    what: tuple[str, str],
    code_prefix: str,
    object_type: str,
    extra: Callable[[], list[Any]],
    extra_columns: tuple[str, ...] = (),
) -> AuditFact | None:
    """Probe, classify and insert rows keyed by a natural key (small reference tables)."""
    stored = ctx.writer.probe(
        table, key, (c[1] for c in candidates), ("id", "source_digest", "import_job_id")
    )
    fresh = []
    for number, code, row, digest in candidates:
        if not classify_existing(
            ctx,
            number=number,
            column=columns[0],
            stored=stored.get(code),
            digest=digest,
            what_zh=what[0],
            what_en=what[1],
            code_prefix=code_prefix,
        ):
            continue
        # Mark the key as taken by this job so a later row of this chunk is a duplicate.
        stored[code] = (None, digest, ctx.job.pk)
        fresh.append((row, digest))
    if not fresh:
        return None
    ids = ctx.writer.allocate_ids(table, len(fresh))
    tail = extra()
    ctx.writer.insert(
        table,
        ("id", *columns, "source_digest", "import_job_id", *extra_columns),
        [[pk, *row, digest, ctx.job.pk, *tail] for pk, (row, digest) in zip(ids, fresh, strict=True)],
    )
    ctx.counts["inserted"] += len(fresh)
    return AuditFact(
        action="import",
        object_type=object_type,
        object_id=f"job:{ctx.job.pk}",
        changes={"created": len(fresh), "ids": id_ranges(ids)},
    )


class PersonSpec(ImportSpec):
    """Persons: the hot path of a megacity's load, so the per-row work is kept lean."""

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
    table = Person._meta.db_table
    insert_columns = (
        "id",
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
        "guardian_id",
        "pension_bank",
        "address",
        "source_digest",
        "import_job_id",
        "created_at",
    )

    def begin(self, ctx: ImportContext) -> None:
        self.districts = _current_districts()
        self.employers: dict[str, int] = dict(Employer.objects.values_list("credit_code", "id"))
        self.schools: dict[str, int] = dict(School.objects.values_list("code", "id"))
        self.cipher = field_cipher()

    def _refuse_region(self, ctx: ImportContext, number: int, column: str) -> None:
        ctx.refuse(
            number,
            column,
            "region_unknown",
            "地区代码不存在。" if column == "hukou_region" else "参保地不是本系统登记的现行区县。",
            "The region code does not exist."
            if column == "hukou_region"
            else "The insured region is not a current district known to sscard.",
        )

    def process(self, ctx: ImportContext, rows: list[tuple[int, list[str]]]) -> AuditFact | None:
        today = ctx.today
        parse = idnumber.parse
        is_region = regions.is_known
        districts = self.districts
        employers = self.employers
        schools = self.schools
        valid: list[tuple[int, idnumber.IdNumber, list[str], int | None, int | None, str]] = []
        for number, cells in rows:
            (
                raw_id,
                name,
                phone,
                hukou,
                insured,
                category,
                employer_code,
                school_code,
                guardian_raw,
                bank,
                address,
            ) = cells
            try:
                parsed = parse(raw_id, today=today)
            except idnumber.IdNumberError as exc:
                ctx.refuse(number, "id_number", exc.code, exc.message_zh, exc.message_en)
                continue
            name = name.strip()
            if not name or len(name) > 64 or any(ch.isdigit() for ch in name):
                ctx.refuse(
                    number,
                    "name",
                    "name_invalid",
                    "姓名为空、过长或含有数字。",
                    "The name is empty, too long or contains digits.",
                )
                continue
            if phone and not MOBILE.fullmatch(phone):
                ctx.refuse(
                    number,
                    "phone",
                    "phone_invalid",
                    "手机号码应为11位中国大陆手机号。",
                    "The phone must be an 11-digit mainland mobile number.",
                )
                continue
            if hukou and not is_region(hukou):
                self._refuse_region(ctx, number, "hukou_region")
                continue
            if insured and insured not in districts:
                self._refuse_region(ctx, number, "insured_region")
                continue
            if category not in CATEGORIES:
                ctx.refuse(
                    number,
                    "category",
                    "category_invalid",
                    "人员类别不正确。",
                    f"The category must be one of: {', '.join(sorted(CATEGORIES))}.",
                )
                continue
            employer_id = employers.get(employer_code) if employer_code else None
            if employer_code and employer_id is None:
                ctx.refuse(
                    number,
                    "employer_credit_code",
                    "employer_unknown",
                    "该统一社会信用代码的单位未登记，请先导入单位。",
                    "No employer with this credit code is registered; import employers first.",
                )
                continue
            if category == "in_service_staff" and employer_id is None:
                ctx.refuse(
                    number,
                    "employer_credit_code",
                    "employer_required",
                    "在职人员须填写参保单位的统一社会信用代码。",
                    "In-service staff need their employer's credit code.",
                )
                continue
            school_id = schools.get(school_code) if school_code else None
            if school_code and school_id is None:
                ctx.refuse(
                    number,
                    "school_code",
                    "school_unknown",
                    "该学校未登记，请先导入学校。",
                    "No school with this code is registered; import schools first.",
                )
                continue
            if bank and not BANK_CODE.fullmatch(bank):
                ctx.refuse(
                    number,
                    "pension_bank",
                    "bank_code_invalid",
                    "养老金代发银行代码格式不正确。",
                    "The pension bank code is malformed.",
                )
                continue
            guardian = ""
            if guardian_raw:
                try:
                    guardian = parse(guardian_raw, today=today).value
                except idnumber.IdNumberError as exc:
                    ctx.refuse(
                        number, "guardian_id_number", exc.code, exc.message_zh, exc.message_en
                    )
                    continue
            if len(address) > 200:
                ctx.refuse(
                    number, "address", "address_too_long", "地址过长。", "The address is too long."
                )
                continue
            normalised = [
                parsed.value,
                name,
                phone,
                hukou,
                insured,
                category,
                employer_code,
                school_code,
                guardian,
                bank,
                address,
            ]
            valid.append((number, parsed, normalised, employer_id, school_id, guardian))
        return self._write(ctx, valid)

    def _write(
        self,
        ctx: ImportContext,
        valid: list[tuple[int, idnumber.IdNumber, list[str], int | None, int | None, str]],
    ) -> AuditFact | None:
        cipher = self.cipher
        indexes = cipher.index_many([v[1].value for v in valid], field=ID_NUMBER)
        digests = [
            cipher.index(ROW_SEPARATOR.join(v[2]), field="row:persons") for v in valid
        ]
        guardian_of = {
            i: cipher.index(v[5], field=ID_NUMBER) for i, v in enumerate(valid) if v[5]
        }
        stored = ctx.writer.probe(
            self.table,
            "id_number_index",
            [*indexes, *guardian_of.values()],
            ("id", "source_digest", "import_job_id"),
        )
        fresh: list[int] = []
        for i, (number, _parsed, _cells, _e, _s, _g) in enumerate(valid):
            if classify_existing(
                ctx,
                number=number,
                column="id_number",
                stored=stored.get(indexes[i]),
                digest=digests[i],
                what_zh="身份证件号码",
                what_en="identity number",
                code_prefix="id_number",
            ):
                stored[indexes[i]] = (None, digests[i], ctx.job.pk)
                fresh.append(i)
        ids = ctx.writer.allocate_ids(self.table, len(fresh))
        new_id = {indexes[i]: pk for i, pk in zip(fresh, ids, strict=True)}
        keep: list[tuple[int, int, int | None]] = []
        for i, pk in zip(fresh, ids, strict=True):
            guardian_id: int | None = None
            if i in guardian_of:
                key = guardian_of[i]
                guardian_id = new_id.get(key)
                if guardian_id is None and key in stored and stored[key][0] is not None:
                    guardian_id = int(stored[key][0])
                if guardian_id is None or guardian_id == pk:
                    ctx.refuse(
                        valid[i][0],
                        "guardian_id_number",
                        "guardian_unknown",
                        "监护人须已登记，或在同一文件中更早出现。",
                        "The guardian must be registered already or appear earlier in the file.",
                    )
                    continue
            keep.append((i, pk, guardian_id))
        if not keep:
            return None
        id_values = [valid[i][1].value for i, _pk, _g in keep]
        id_cipher = cipher.encrypt_many(id_values, field=ID_NUMBER)
        phones = [valid[i][2][2] for i, _pk, _g in keep]
        present = [p for p in phones if p]
        phone_cipher = iter(cipher.encrypt_many(present, field=PHONE))
        phone_index = iter(cipher.index_many(present, field=PHONE))
        created = ctx.writer.timestamp(ctx.now)
        true, false = ctx.writer.true, ctx.writer.false
        job_id = ctx.job.pk
        upgraded = 0
        out = []
        for n, (i, pk, guardian_id) in enumerate(keep):
            _number, parsed, cells, employer_id, school_id, _g = valid[i]
            phone = cells[2]
            if parsed.upgraded_from:
                upgraded += 1
            out.append(
                (
                    pk,
                    indexes[i],
                    id_cipher[n],
                    idnumber.mask(parsed.value),
                    parsed.kind.value,
                    true if parsed.upgraded_from else false,
                    cells[1],
                    parsed.sex,
                    parsed.birth_date.isoformat(),
                    next(phone_index) if phone else None,
                    next(phone_cipher) if phone else None,
                    mask_phone(phone) if phone else "",
                    cells[3],
                    cells[4],
                    cells[5],
                    employer_id,
                    school_id,
                    guardian_id,
                    cells[9],
                    cells[10],
                    digests[i],
                    job_id,
                    created,
                )
            )
        ctx.writer.insert(self.table, self.insert_columns, out)
        ctx.counts["inserted"] += len(out)
        changes: dict[str, Any] = {"created": len(out), "ids": id_ranges([k[1] for k in keep])}
        if upgraded:
            # GB 11643: 15-digit numbers are stored in their 18-digit form; the upgrade is
            # recorded per person (``upgraded_from_15``) and counted here.
            changes["upgraded_from_15"] = upgraded
        return AuditFact(
            action="import",
            object_type="registry.person",
            object_id=f"job:{job_id}",
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
    """Import schools from CSV/XLSX (columns: ``SchoolSpec.columns``)."""
    return _run_import(
        spec=SchoolSpec(), actor=actor, path=path, file_name=file_name, progress=progress
    )

"""Bulk import of outlets (see ``sscard.core.bulk`` for the policy)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

from sscard.core.actors import Actor
from sscard.core.audit import AuditFact
from sscard.core.bulk import ImportContext, ImportSpec, Progress, insert_keyed
from sscard.core.bulk import run_import as _run_import
from sscard.core.crypto import row_digest
from sscard.core.models import ImportJob
from sscard.network.choices import OutletKind
from sscard.network.models import Bank, Outlet
from sscard.registry.models import Division

OUTLET_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
KINDS = frozenset(OutletKind.values)
NEEDS_BANK = frozenset(
    {
        OutletKind.BANK_BRANCH,
        OutletKind.ENTERPRISE_POINT,
        OutletKind.COMMUNITY_STALL,
        OutletKind.HOME_VISIT_TEAM,
    }
)


class OutletSpec(ImportSpec):
    kind = ImportJob.Kind.OUTLETS
    columns: ClassVar[tuple[str, ...]] = (
        "outlet_code",
        "name",
        "kind",
        "bank_code",
        "district",
        "instant_issuance",
        "address",
    )
    table = Outlet._meta.db_table

    def begin(self, ctx: ImportContext) -> None:
        self.banks: dict[str, int] = dict(Bank.objects.values_list("code", "id"))
        self.districts = frozenset(
            Division.objects.filter(abolished=False, level="district").values_list(
                "code", flat=True
            )
        )

    def process(self, ctx: ImportContext, rows: list[tuple[int, list[str]]]) -> AuditFact | None:
        candidates: list[tuple[int, str, list[Any], bytes]] = []
        for number, cells in rows:
            code, name, kind, bank_code, district, instant, address = (c.strip() for c in cells)
            problem = self._problem(code, name, kind, bank_code, district, instant, address)
            if problem is not None:
                column, err, zh, en = problem
                ctx.refuse(number, column, err, zh, en)
                continue
            normal = [code, name, kind, bank_code, district, instant in ("1", "true"), address]
            digest = row_digest("\x1f".join(map(str, normal)), kind="outlets")
            row = [
                code,
                name,
                kind,
                self.banks.get(bank_code) if bank_code else None,
                district,
                ctx.writer.true if normal[5] else ctx.writer.false,
                address,
            ]
            candidates.append((number, code, row, digest))
        return insert_keyed(
            ctx,
            table=self.table,
            key="code",
            candidates=candidates,
            columns=("code", "name", "kind", "bank_id", "district", "instant_issuance", "address"),
            what=("网点编码", "outlet code"),
            code_prefix="outlet_code",
            object_type="network.outlet",
            extra=list,
        )

    def _problem(
        self,
        code: str,
        name: str,
        kind: str,
        bank_code: str,
        district: str,
        instant: str,
        address: str,
    ) -> tuple[str, str, str, str] | None:
        if not OUTLET_CODE.fullmatch(code):
            return (
                "outlet_code",
                "outlet_code_invalid",
                "网点编码只能含字母、数字、-和_，最长32位。",
                "The outlet code may hold letters, digits, - and _, up to 32.",
            )
        if not name or len(name) > 200 or len(address) > 200:
            return (
                "name",
                "name_invalid",
                "名称或地址为空或过长。",
                "Name or address empty or too long.",
            )
        if kind not in KINDS:
            return (
                "kind",
                "outlet_kind_invalid",
                "网点类型不正确。",
                f"The outlet kind must be one of: {', '.join(sorted(KINDS))}.",
            )
        if kind in NEEDS_BANK and bank_code not in self.banks:
            return (
                "bank_code",
                "bank_unknown",
                "银行网点须填写已登记的银行代码。",
                "A bank outlet needs the code of a registered bank.",
            )
        if kind == OutletKind.COMMUNITY_CENTRE and bank_code:
            return (
                "bank_code",
                "bank_not_allowed",
                "社区事务受理中心不属于银行，银行代码应为空。",
                "A community centre belongs to no bank; leave the bank code empty.",
            )
        if district not in self.districts:
            return (
                "district",
                "district_unknown",
                "区县代码不是本系统登记的现行区县。",
                "The district is not a current district known to sscard.",
            )
        if instant not in ("0", "1", "true", "false", ""):
            return (
                "instant_issuance",
                "boolean_invalid",
                "即时制卡应填 1 或 0。",
                "instant_issuance must be 1 or 0.",
            )
        return None


def import_outlets(
    *, actor: Actor, path: Path, file_name: str, progress: Progress | None = None
) -> ImportJob:
    """Import outlets from CSV/XLSX (columns: ``OutletSpec.columns``)."""
    return _run_import(
        spec=OutletSpec(), actor=actor, path=path, file_name=file_name, progress=progress
    )

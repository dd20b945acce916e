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
from sscard.core.prepare import RowError
from sscard.network.choices import OutletKind
from sscard.network.errors import NetworkErrorCode
from sscard.network.models import Bank, Outlet
from sscard.registry.errors import RegistryErrorCode
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
            problems = self._problems(
                number, code, name, kind, bank_code, district, instant, address
            )
            if problems:
                ctx.refuse(*problems)
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
            duplicate=NetworkErrorCode.OUTLET_CODE_DUPLICATE_IN_FILE,
            exists=NetworkErrorCode.OUTLET_CODE_EXISTS,
            object_type="network.outlet",
            extra=list,
        )

    def _problems(
        self,
        number: int,
        code: str,
        name: str,
        kind: str,
        bank_code: str,
        district: str,
        instant: str,
        address: str,
    ) -> list[RowError]:
        """Every error of an outlet row, one per faulty cell."""
        problems = []
        if not OUTLET_CODE.fullmatch(code):
            problems.append(NetworkErrorCode.OUTLET_CODE_INVALID.at(number, "outlet_code"))
        if not name or len(name) > 200 or len(address) > 200:
            problems.append(RegistryErrorCode.NAME_INVALID.at(number, "name"))
        if kind not in KINDS:
            problems.append(
                NetworkErrorCode.OUTLET_KIND_INVALID.at(number, "kind", kinds=sorted(KINDS))
            )
        if kind in NEEDS_BANK and bank_code not in self.banks:
            problems.append(NetworkErrorCode.BANK_UNKNOWN.at(number, "bank_code"))
        if kind == OutletKind.COMMUNITY_CENTRE and bank_code:
            problems.append(NetworkErrorCode.BANK_NOT_ALLOWED.at(number, "bank_code"))
        if district not in self.districts:
            problems.append(RegistryErrorCode.DISTRICT_UNKNOWN.at(number, "district"))
        if instant not in ("0", "1", "true", "false", ""):
            problems.append(NetworkErrorCode.BOOLEAN_INVALID.at(number, "instant_issuance"))
        return problems


def import_outlets(
    *, actor: Actor, path: Path, file_name: str, progress: Progress | None = None
) -> ImportJob:
    """Import outlets from CSV/XLSX (columns: ``OutletSpec.columns``)."""
    return _run_import(
        spec=OutletSpec(), actor=actor, path=path, file_name=file_name, progress=progress
    )

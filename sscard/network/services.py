"""Writes to the service network that are not bulk imports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from sscard.core.actors import Actor
from sscard.core.audit import AuditFact, audit_append
from sscard.core.errors import PermissionDenied
from sscard.network.models import Bank

BANKS_FILE = Path(__file__).resolve().parent / "data" / "banks.yaml"


def _bank_rows(path: Path) -> dict[str, dict[str, Any]]:
    """One row per bank code, with the city codes it is a partner in."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows: dict[str, dict[str, Any]] = {}
    for city in data["cities"].values():
        for bank in city["partner_banks"]:
            row = rows.setdefault(
                bank["code"],
                {
                    "name_zh": bank["name_zh"],
                    "name_en": bank["name_en"],
                    "hotline": str(bank.get("hotline", "")),
                    "partner_cities": [],
                },
            )
            row["partner_cities"].append(city["city_code"])
    for bank in data.get("other_banks", []):
        rows.setdefault(
            bank["code"],
            {
                "name_zh": bank["name_zh"],
                "name_en": bank["name_en"],
                "hotline": str(bank.get("hotline", "")),
                "partner_cities": [],
            },
        )
    for row in rows.values():
        row["partner_cities"] = sorted(row["partner_cities"])
    return rows


@transaction.atomic
def banks_load(*, actor: Actor, path: Path = BANKS_FILE) -> int:
    """Load or refresh the banks shipped with sscard (BJ-09, SH-03); return how many."""
    if not actor.may_import:
        raise PermissionDenied("load banks", "加载银行名录")
    rows = _bank_rows(path)
    existing = {b.code: b for b in Bank.objects.select_for_update().order_by("pk")}
    changed = []
    for code, values in sorted(rows.items()):
        bank = existing.get(code)
        if bank is None:
            Bank.objects.create(code=code, **values)
            changed.append(code)
        elif any(getattr(bank, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(bank, key, value)
            bank.save(update_fields=list(values))
            changed.append(code)
    if changed:
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="load",
                object_type="network.bank",
                object_id=path.name,
                changes={"written": changed},
            ),
        )
    return len(rows)

"""Writes to the registry that are not bulk imports."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from sscard.core.actors import Actor
from sscard.core.audit import AuditFact, audit_append
from sscard.core.errors import PermissionDenied
from sscard.registry.models import Division

DATA_DIR = Path(__file__).resolve().parent / "data"
DIVISIONS_FILE = DATA_DIR / "divisions.csv"


@transaction.atomic
def divisions_load(*, actor: Actor, path: Path = DIVISIONS_FILE) -> int:
    """Load or refresh the administrative divisions shipped with sscard; return how many."""
    if not actor.may_import:
        raise PermissionDenied("load administrative divisions", "加载行政区划")
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    # Parents first, so that a district's parent exists when it is written.
    rows.sort(key=lambda r: (r["level"] != "province", r["code"]))
    existing = {d.code: d for d in Division.objects.all()}
    changed = 0
    for row in rows:
        values = {
            "name_zh": row["name_zh"],
            "name_en": row["name_en"],
            "level": row["level"],
            "parent_id": row["parent_code"] or None,
            "abolished": row["abolished"] in ("1", "true", "True"),
            "source": row["source"],
        }
        current = existing.get(row["code"])
        if current is None:
            Division.objects.create(code=row["code"], **values)
            changed += 1
        elif any(getattr(current, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(current, key, value)
            current.save(update_fields=list(values))
            changed += 1
    if changed:
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="load",
                object_type="registry.division",
                object_id=path.name,
                changes={"written": changed, "total": len(rows)},
            ),
        )
    return len(rows)

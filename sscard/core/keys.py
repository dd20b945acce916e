"""Re-encryption of stored personal fields under the current field-key version.

Every model's encrypted fields are found by convention: a ``BinaryField`` named ``<x>_enc``
holds values of cipher field ``<x>``, and its lookup index, if any, is ``<x>_index``. The first
byte of a value is the key version it was written under (see ``sscard.core.crypto``), so a row
records its own version and a rotation killed half-way resumes with the rows still behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from django.apps import apps
from django.db import models
from django.db.models import Count, Q
from django.db.models.functions import Substr

from sscard.core.crypto import field_cipher, key_version_of

ENC_SUFFIX = "_enc"
INDEX_SUFFIX = "_index"


@dataclass(frozen=True)
class EncryptedColumn:
    """One encrypted field of a model and its lookup index."""

    enc: str
    index: str | None
    field: str


@dataclass(frozen=True)
class EncryptedTable:
    """A model holding encrypted fields."""

    model: type[models.Model]
    columns: tuple[EncryptedColumn, ...]

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


def encrypted_tables() -> list[EncryptedTable]:
    """Every installed model with encrypted fields, in a stable order."""
    out: list[EncryptedTable] = []
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        columns = tuple(
            EncryptedColumn(
                enc=f.name,
                index=base + INDEX_SUFFIX if base + INDEX_SUFFIX in names else None,
                field=base,
            )
            for f in model._meta.concrete_fields
            if isinstance(f, models.BinaryField)
            and f.name.endswith(ENC_SUFFIX)
            and (base := f.name[: -len(ENC_SUFFIX)])
        )
        if columns:
            out.append(EncryptedTable(model, columns))
    return sorted(out, key=lambda t: t.label)


def _head(column: EncryptedColumn) -> Substr:
    return Substr(column.enc, 1, 1, output_field=models.BinaryField())


def _not_under(table: EncryptedTable, version: int) -> Q:
    """Rows with some value written under another version than ``version``."""
    head = bytes([version])
    query = Q()
    for i in range(len(table.columns)):
        query |= Q(**{f"_kv{i}__isnull": False}) & ~Q(**{f"_kv{i}": head})
    return query


def _annotated(table: EncryptedTable) -> models.QuerySet[models.Model]:
    heads = {f"_kv{i}": _head(c) for i, c in enumerate(table.columns)}
    return cast("models.QuerySet[models.Model]", table.model._default_manager.annotate(**heads))


def version_counts(table: EncryptedTable) -> dict[str, dict[int, int]]:
    """Values per key version, by encrypted column (``{"id_number_enc": {1: 10, 2: 5}}``)."""
    out: dict[str, dict[int, int]] = {}
    for column in table.columns:
        counts: dict[int, int] = {}
        rows = (
            table.model._default_manager.filter(**{f"{column.enc}__isnull": False})
            .annotate(_kv=_head(column))
            .values("_kv")
            .annotate(n=Count("pk"))
            .values_list("_kv", "n")
        )
        for head, n in rows:
            version = key_version_of(bytes(head))
            counts[version] = counts.get(version, 0) + n
        out[column.enc] = dict(sorted(counts.items()))
    return out


def rows_not_under(table: EncryptedTable, version: int) -> int:
    """How many rows still hold a value under another version than ``version``."""
    return _annotated(table).filter(_not_under(table, version)).count()


def rows_under(table: EncryptedTable, version: int) -> int:
    """How many rows hold a value written under ``version``."""
    head = bytes([version])
    query = Q()
    for i in range(len(table.columns)):
        query |= Q(**{f"_kv{i}": head})
    return _annotated(table).filter(query).count()


def rotate_chunk_in_transaction(
    table: EncryptedTable, *, version: int, after: int, size: int
) -> tuple[list[int], int, int]:
    """Re-encrypt the next ``size`` rows behind ``version`` with a pk above ``after``.

    Must run inside the caller's transaction: the rows are locked (pk order) and re-read
    under the lock, so a concurrent write is neither lost nor overwritten with stale data.
    Returns (pks rewritten, last pk seen, rows looked at); last pk is ``after`` when done.
    """
    pks = list(
        _annotated(table)
        .filter(_not_under(table, version), pk__gt=after)
        .order_by("pk")
        .values_list("pk", flat=True)[:size]
    )
    if not pks:
        return [], after, 0
    names = [c.enc for c in table.columns]
    locked = list(
        table.model._default_manager.filter(pk__in=pks)
        .order_by("pk")
        .select_for_update(of=("self",))
        .values_list("pk", *names)
    )
    cipher = field_cipher(version)
    head = bytes([version])
    changed: dict[int, dict[str, object]] = {}
    for i, column in enumerate(table.columns):
        stale = [
            (row[0], bytes(row[1 + i]))
            for row in locked
            if row[1 + i] is not None and bytes(row[1 + i])[:1] != head
        ]
        if not stale:
            continue
        plain = cipher.decrypt_many([blob for _, blob in stale], field=column.field)
        sealed = cipher.encrypt_many(plain, field=column.field)
        indexes = cipher.index_many(plain, field=column.field) if column.index else None
        for j, (pk, _blob) in enumerate(stale):
            values = changed.setdefault(pk, {})
            values[column.enc] = sealed[j]
            if column.index and indexes is not None:
                values[column.index] = indexes[j]
    # One UPDATE per set of columns: a row whose other value is already current (written
    # meanwhile) must keep it, not receive a blank for a column it has no new value for.
    groups: dict[tuple[str, ...], list[models.Model]] = {}
    for pk, values in changed.items():
        obj = table.model(pk=pk)
        for name, value in values.items():
            setattr(obj, name, value)
        groups.setdefault(tuple(sorted(values)), []).append(obj)
    for fields, objects in groups.items():
        table.model._default_manager.bulk_update(objects, list(fields))
    return sorted(changed), pks[-1], len(locked)

"""Re-encryption of stored personal fields under the current field-key version.

Every model's encrypted fields are found by convention: a ``BinaryField`` named ``<x>_enc``
holds values of cipher field ``<x>``, and its lookup index, if any, is ``<x>_index``. The first
byte of a value is the key version it was written under (see ``sscard.core.crypto``), so a row
records its own version and a rotation killed half-way resumes with the rows still behind.
An index of a part of a value (a phone's last four digits) follows no convention: its app
registers it (:func:`register_derived_index`) and rotation recomputes it with the value.

Wrapped secrets (private keys kept by :func:`~sscard.core.crypto.secret_wrap`) cannot be found
by convention: each needs its label to open, which only its app knows. Their apps register
them (:func:`register_wrapped_secrets`, from ``AppConfig.ready``), and rotation re-wraps them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar, cast

from django.apps import apps
from django.db import models
from django.db.models import Case, Count, Q, Value, When
from django.db.models.functions import Substr
from django.db.models.lookups import Exact

from sscard.core.crypto import (
    WRAP_MAGIC,
    VersionedFieldCipher,
    field_cipher,
    key_version_of,
    secret_unwrap,
    secret_wrap,
    wrap_key_version_of,
)

ENC_SUFFIX = "_enc"
INDEX_SUFFIX = "_index"


@dataclass(frozen=True)
class DerivedIndex:
    """A keyed index of a part of an encrypted value, in a column of its own (a phone's last
    four digits, ``Person.phone_tail_index``): no convention can find it, so its app registers
    it (:func:`register_derived_index`), and rotation recomputes it under the value's new key."""

    index: str
    field: str
    derive: Callable[[str], str]
    """The part of the plain value that is indexed; an empty part stores NULL."""


_derived: dict[tuple[str, str], tuple[DerivedIndex, ...]] = {}


def register_derived_index(
    model: type[models.Model], *, enc: str, index: str, field: str, derive: Callable[[str], str]
) -> None:
    """Let rotation keep ``model.index`` (an index of ``derive(value of enc)`` in cipher field
    ``field``) under the same key version as ``enc`` (called from ``AppConfig.ready``)."""
    key = (model._meta.label_lower, enc)
    kept = tuple(d for d in _derived.get(key, ()) if d.index != index)
    _derived[key] = (*kept, DerivedIndex(index, field, derive))


@dataclass(frozen=True)
class EncryptedColumn:
    """One encrypted field of a model, its lookup index and the indexes derived from it."""

    enc: str
    index: str | None
    field: str
    derived: tuple[DerivedIndex, ...] = ()


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
                derived=_derived.get((model._meta.label_lower, f.name), ()),
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
        derived = {d.index: _derived_indexes(cipher, d, plain) for d in column.derived}
        for j, (pk, _blob) in enumerate(stale):
            values = changed.setdefault(pk, {})
            values[column.enc] = sealed[j]
            if column.index and indexes is not None:
                values[column.index] = indexes[j]
            for name, keyed in derived.items():
                values[name] = keyed[j]
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


def _derived_indexes(
    cipher: VersionedFieldCipher, derived: DerivedIndex, plain: Sequence[str]
) -> list[bytes | None]:
    """``derived``'s index of each plain value under ``cipher``'s key, None for an empty part."""
    parts = [derived.derive(value) for value in plain]
    present = [k for k, part in enumerate(parts) if part]
    made = cipher.index_many([parts[k] for k in present], field=derived.field)
    out: list[bytes | None] = [None] * len(parts)
    for k, keyed in zip(present, made, strict=True):
        out[k] = keyed
    return out


_M = TypeVar("_M", bound=models.Model)

LabelsOf = Callable[[Sequence[models.Model]], list[str]]
"""The labels of wrapped secrets, one per row, in order (rows carry the fields registered)."""


@dataclass(frozen=True)
class WrappedSecrets:
    """A column of a model holding :func:`~sscard.core.crypto.secret_wrap` blobs."""

    model: type[models.Model]
    column: str
    labels_of: LabelsOf
    fields: tuple[str, ...]
    """The fields ``labels_of`` reads from each row (the primary key is always there)."""

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


_wrapped: dict[tuple[str, str], WrappedSecrets] = {}


def register_wrapped_secrets(
    model: type[_M],
    column: str,
    labels_of: Callable[[Sequence[_M]], list[str]],
    *,
    fields: Sequence[str] = (),
) -> None:
    """Let rotation find the secrets wrapped in ``model.column`` (called from ``ready()``).

    ``labels_of`` gets a chunk of rows, loaded with ``fields`` only, and answers the label
    each row's secret was wrapped with; it must not query the database per row.
    """
    entry = WrappedSecrets(model, column, cast("LabelsOf", labels_of), tuple(fields))
    _wrapped[(entry.label, column)] = entry


def wrapped_secrets() -> list[WrappedSecrets]:
    """Every registered column of wrapped secrets, in a stable order."""
    return [_wrapped[key] for key in sorted(_wrapped)]


def _wrap_version(wrapped: WrappedSecrets) -> Case:
    """The version byte a wrap names, in SQL: the byte after the magic, else version 1."""
    binary = models.BinaryField()
    magic = Substr(wrapped.column, 1, len(WRAP_MAGIC), output_field=binary)
    return Case(
        When(
            Exact(magic, Value(WRAP_MAGIC, output_field=binary)),
            then=Substr(wrapped.column, len(WRAP_MAGIC) + 1, 1, output_field=binary),
        ),
        default=Value(bytes([1]), output_field=binary),
        output_field=binary,
    )


def _wraps(wrapped: WrappedSecrets) -> models.QuerySet[models.Model]:
    manager = wrapped.model._default_manager
    return cast(
        "models.QuerySet[models.Model]",
        manager.filter(**{f"{wrapped.column}__isnull": False}).annotate(_wv=_wrap_version(wrapped)),
    )


def wrap_version_counts(wrapped: WrappedSecrets) -> dict[int, int]:
    """Wrapped secrets per key version (``{1: 10, 2: 5}``), counted by the database."""
    counts: dict[int, int] = {}
    rows = _wraps(wrapped).values("_wv").annotate(n=Count("pk")).values_list("_wv", "n")
    for head, n in rows:
        version = bytes(head)[0]
        counts[version] = counts.get(version, 0) + n
    return dict(sorted(counts.items()))


def wraps_not_under(wrapped: WrappedSecrets, version: int) -> int:
    """How many wrapped secrets were wrapped under another version than ``version``."""
    return _wraps(wrapped).exclude(_wv=bytes([version])).count()


def wraps_under(wrapped: WrappedSecrets, version: int) -> int:
    """How many wrapped secrets were wrapped under ``version``."""
    return _wraps(wrapped).filter(_wv=bytes([version])).count()


def rewrap_chunk_in_transaction(
    wrapped: WrappedSecrets, *, version: int, after: int, size: int
) -> tuple[list[int], int, int]:
    """Re-wrap the next ``size`` secrets behind ``version`` with a pk above ``after``.

    Like :func:`rotate_chunk_in_transaction`: runs inside the caller's transaction, locks the
    rows in pk order and re-reads them under the lock (a row re-wrapped meanwhile is left as
    it is). Returns (pks rewritten, last pk seen, rows looked at); last pk is ``after`` when
    done.
    """
    pks = list(
        _wraps(wrapped)
        .exclude(_wv=bytes([version]))
        .filter(pk__gt=after)
        .order_by("pk")
        .values_list("pk", flat=True)[:size]
    )
    if not pks:
        return [], after, 0
    locked = list(
        wrapped.model._default_manager.filter(pk__in=pks)
        .order_by("pk")
        .select_for_update(of=("self",))
        .only(wrapped.column, *wrapped.fields)
    )
    stale = [
        row
        for row in locked
        if getattr(row, wrapped.column) is not None
        and wrap_key_version_of(bytes(getattr(row, wrapped.column))) != version
    ]
    labels = wrapped.labels_of(stale)
    for row, label in zip(stale, labels, strict=True):
        secret = secret_unwrap(bytes(getattr(row, wrapped.column)), label=label)
        setattr(row, wrapped.column, secret_wrap(secret, label=label, version=version))
    if stale:
        wrapped.model._default_manager.bulk_update(stale, [wrapped.column])
    return sorted(row.pk for row in stale), pks[-1], len(locked)

"""Field-key life: rotate every stored encrypted value to the current key, then retire the old.

``sscard keys rotate`` / ``status`` / ``retire`` call these. Rotation runs in short chunks (one
transaction each, rows locked in primary-key order) so that the platform keeps serving. The
secrets wrapped under a key derived from the field key (card and CA private keys, registered
by their apps) are counted, re-wrapped and waited for in the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from sscard.core.actors import Actor
from sscard.core.audit import AuditFact, audit_append
from sscard.core.crypto import (
    ID_NUMBER,
    PHONE,
    configured_key_versions,
    current_key_version,
    field_cipher,
    forget_retired_versions,
    register_retired_versions,
    retired_key_versions,
)
from sscard.core.keys import (
    EncryptedTable,
    WrappedSecrets,
    encrypted_tables,
    rewrap_chunk_in_transaction,
    rotate_chunk_in_transaction,
    rows_not_under,
    rows_under,
    version_counts,
    wrap_version_counts,
    wrapped_secrets,
    wraps_not_under,
    wraps_under,
)
from sscard.registry.errors import RegistryErrorCode
from sscard.registry.models import FieldKeyRetirement, Person
from sscard.registry.prepare import ROW_SEPARATOR, person_digest

ROTATE_CHUNK_ROWS = 1000

ChunkDone = Callable[[EncryptedTable | WrappedSecrets, int, int], None]
"""Called after each committed chunk: table, rows rewritten, rows looked at."""


def _retired_from_database() -> list[int]:
    return list(FieldKeyRetirement.objects.values_list("version", flat=True))


def connect_keyring() -> None:
    """Let the keyring learn retirements from the database (called once at start-up)."""
    register_retired_versions(_retired_from_database)


@dataclass(frozen=True)
class KeyStatus:
    """Stored values per key version, per table and encrypted column."""

    current: int
    configured: tuple[int, ...]
    retired: frozenset[int]
    counts: dict[str, dict[str, dict[int, int]]]
    behind: dict[str, int]
    """Rows per table still holding a value (or a wrapped secret) under an older version."""


def field_key_status() -> KeyStatus:
    """Rows per key version of every model with encrypted fields or wrapped secrets."""
    current = current_key_version()
    counts: dict[str, dict[str, dict[int, int]]] = {}
    behind: dict[str, int] = {}
    for table in encrypted_tables():
        counts.setdefault(table.label, {}).update(version_counts(table))
        behind[table.label] = behind.get(table.label, 0) + rows_not_under(table, current)
    for wrapped in wrapped_secrets():
        counts.setdefault(wrapped.label, {})[wrapped.column] = wrap_version_counts(wrapped)
        behind[wrapped.label] = behind.get(wrapped.label, 0) + wraps_not_under(wrapped, current)
    return KeyStatus(
        current=current,
        configured=configured_key_versions(),
        retired=frozenset(_retired_from_database()),
        counts=counts,
        behind=behind,
    )


def field_keys_rotate(
    *, actor: Actor, chunk_rows: int = ROTATE_CHUNK_ROWS, on_chunk: ChunkDone | None = None
) -> dict[str, int]:
    """Re-encrypt every stored encrypted value, and re-wrap every wrapped secret, under the
    current key version.

    Each chunk commits on its own with its audit event, so a killed rotation keeps what it
    did; run again, it finds only the rows still behind (each value and wrap names its
    version). Returns rows rewritten per table.
    """
    version = current_key_version()
    done: dict[str, int] = {}
    for table in encrypted_tables():
        done[table.label] = 0
        after = 0
        while True:
            with transaction.atomic():
                pks, last, seen = rotate_chunk_in_transaction(
                    table, version=version, after=after, size=chunk_rows
                )
                rewritten = len(pks)
                if table.model is Person and pks:
                    _redigest_persons_in_transaction(pks, version=version)
                if rewritten:
                    audit_append(
                        actor=actor,
                        fact=AuditFact(
                            action="field_key_rotate",
                            object_type=table.label,
                            object_id=f"{after + 1}-{last}",
                            changes={"version": version, "rows": rewritten},
                        ),
                    )
            if not seen:
                break
            done[table.label] += rewritten
            after = last
            if on_chunk is not None:
                on_chunk(table, rewritten, seen)
    for wrapped in wrapped_secrets():
        done[wrapped.label] = done.get(wrapped.label, 0) + _rewrap(
            wrapped, actor=actor, version=version, chunk_rows=chunk_rows, on_chunk=on_chunk
        )
    return done


def _rewrap(
    wrapped: WrappedSecrets,
    *,
    actor: Actor,
    version: int,
    chunk_rows: int,
    on_chunk: ChunkDone | None,
) -> int:
    done = 0
    after = 0
    while True:
        with transaction.atomic():
            pks, last, seen = rewrap_chunk_in_transaction(
                wrapped, version=version, after=after, size=chunk_rows
            )
            if pks:
                audit_append(
                    actor=actor,
                    fact=AuditFact(
                        action="secret_key_rewrap",
                        object_type=wrapped.label,
                        object_id=f"{after + 1}-{last}",
                        changes={"version": version, "rows": len(pks), "column": wrapped.column},
                    ),
                )
        if not seen:
            return done
        done += len(pks)
        after = last
        if on_chunk is not None:
            on_chunk(wrapped, len(pks), seen)


def _redigest_persons_in_transaction(pks: list[int], *, version: int) -> None:
    # The import's row digest is keyed through the identifiers' indexes; recomputed here from
    # the stored row under the new key, so that re-importing an unchanged row stays a no-op.
    cipher = field_cipher(version)
    rows = list(
        Person.objects.filter(pk__in=pks)
        .order_by("pk")
        .values_list(
            "pk",
            "id_number_index",
            "phone_enc",
            "guardian__id_number_enc",
            "name",
            "hukou_region",
            "insured_region",
            "category",
            "employer__credit_code",
            "school__code",
            "pension_bank",
            "address",
        )
    )
    people = []
    for pk, id_index, phone_enc, guardian_enc, name, *cells in rows:
        phone = cipher.decrypt(bytes(phone_enc), field=PHONE) if phone_enc else None
        guardian = cipher.decrypt(bytes(guardian_enc), field=ID_NUMBER) if guardian_enc else None
        rest = ROW_SEPARATOR.join([name, *(c or "" for c in cells)]).encode()
        person = Person(pk=pk)
        person.source_digest = person_digest(
            bytes(id_index),
            cipher.index(phone, field=PHONE) if phone else None,
            cipher.index(guardian, field=ID_NUMBER) if guardian else None,
            rest,
        )
        people.append(person)
    Person.objects.bulk_update(people, ["source_digest"])


def field_key_rows_behind() -> int:
    """Rows of all tables still holding a value or a wrapped secret under an older version
    than the current."""
    version = current_key_version()
    return sum(rows_not_under(t, version) for t in encrypted_tables()) + sum(
        wraps_not_under(w, version) for w in wrapped_secrets()
    )


def field_key_retire(*, actor: Actor, version: int) -> FieldKeyRetirement:
    """Record that ``version`` is no longer accepted; refused while any value or wrapped
    secret uses it.

    Retiring an already retired version changes nothing and writes no second event.
    """
    if version not in configured_key_versions():
        raise RegistryErrorCode.FIELD_KEY_UNKNOWN.error(version=version)
    if version == current_key_version():
        raise RegistryErrorCode.FIELD_KEY_CURRENT.error(version=version)
    with transaction.atomic():
        existing = FieldKeyRetirement.objects.select_for_update().filter(version=version).first()
        if existing is not None:
            return existing
        in_use = {t.label: n for t in encrypted_tables() if (n := rows_under(t, version))}
        for wrapped in wrapped_secrets():
            if n := wraps_under(wrapped, version):
                in_use[wrapped.label] = in_use.get(wrapped.label, 0) + n
        if in_use:
            raise RegistryErrorCode.FIELD_KEY_IN_USE.error(version=version, rows=in_use)
        retirement = FieldKeyRetirement.objects.create(
            version=version, retired_at=timezone.now(), retired_by=actor.label
        )
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="field_key_retire",
                object_type="registry.fieldkeyretirement",
                object_id=str(version),
                changes={"version": version},
            ),
        )
    # Clearing a cache is no message: harmless even if an outer transaction rolls back.
    forget_retired_versions()
    return retirement


__all__ = [
    "KeyStatus",
    "connect_keyring",
    "field_key_retire",
    "field_key_rows_behind",
    "field_key_status",
    "field_keys_rotate",
    "retired_key_versions",
]

"""The keyed index of a phone's last four digits is written wherever the phone is: by imports,
by key rotation (under the new key), and for rows stored before it existed, by migration 0005.

Runs on SQLite and PostgreSQL (an import there writes with COPY).
"""

from __future__ import annotations

import importlib
import secrets
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.db import connection

from sscard.core.actors import Actor
from sscard.core.crypto import PHONE_TAIL, field_cipher, key_version_of
from sscard.core.models import ImportJob
from sscard.registry.imports import PersonSpec, import_persons
from sscard.registry.keys import field_key_retire, field_keys_rotate
from sscard.registry.models import Person
from sscard.registry.selectors import person_list
from sscard.registry.services import divisions_load
from sscard.registry.tests.test_imports import idn, person_row, write_csv
from sscard.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
fill = importlib.import_module("sscard.registry.migrations.0005_fill_phone_tail_index")


def _tail_index(tail: str, version: int | None = None) -> bytes:
    return field_cipher(version).index(tail, field=PHONE_TAIL)


def _stored(value: bytes | memoryview | None) -> bytes:
    """A stored binary column's bytes (the column is nullable: here it must hold a value)."""
    assert value is not None
    return bytes(value)


def _imported(tmp_path: Path) -> list[Person]:
    divisions_load(actor=SYSTEM)
    rows = [
        person_row(idn(seq="201"), "周一", phone="13811112345"),
        person_row(idn(seq="202"), "周二", phone="13922222345"),
        person_row(idn(seq="203"), "周三", phone=""),
    ]
    path = write_csv(tmp_path / "persons.csv", PersonSpec.columns, rows)
    job = import_persons(actor=SYSTEM, path=path, file_name=path.name)
    assert job.status == ImportJob.Status.SUCCEEDED
    return list(Person.objects.order_by("name"))


def test_an_import_writes_the_tail_index_beside_the_phone(tmp_path: Path) -> None:
    one, three, two = _imported(tmp_path)  # 周一, 周三, 周二 by name
    assert _stored(one.phone_tail_index) == _tail_index("2345")
    assert _stored(two.phone_tail_index) == _tail_index("2345")
    assert three.phone_tail_index is None
    found = person_list(actor=SYSTEM, phone_tail="2345")
    assert {p.pk for p in found} == {one.pk, two.pk}


def test_rotation_rekeys_the_tail_and_a_search_finds_it_after_retirement(
    tmp_path: Path, settings: Any
) -> None:
    # given persons imported under key version 1
    one, _three, two = _imported(tmp_path)
    # when version 2 is added, every value rotated to it and version 1 retired
    settings.SSCARD_FIELD_KEYS = {1: settings.SSCARD_FIELD_KEY, 2: secrets.token_hex(32)}
    field_keys_rotate(actor=SYSTEM)
    field_key_retire(actor=SYSTEM, version=1)
    # then the tail index is version 2's, and the search by tail still finds both
    stored = Person.objects.get(pk=one.pk)
    assert key_version_of(_stored(stored.phone_enc)) == 2
    assert _stored(stored.phone_tail_index) == _tail_index("2345", 2)
    assert _stored(stored.phone_tail_index) != _tail_index("2345", 1)
    assert {p.pk for p in person_list(actor=SYSTEM, phone_tail="2345")} == {one.pk, two.pk}


def test_the_migration_fills_rows_stored_before_the_index_in_chunks(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    # given persons stored without the tail index: some under key 1, one under key 2
    old = [PersonFactory.create(phone=f"13800{i:06d}") for i in range(5)]
    settings.SSCARD_FIELD_KEYS = {1: settings.SSCARD_FIELD_KEY, 2: secrets.token_hex(32)}
    newer = PersonFactory.create(phone="13912340003")
    without_phone = PersonFactory.create(phone=None)
    Person.objects.update(phone_tail_index=None)
    # when the data migration runs, two rows a chunk
    monkeypatch.setattr(fill, "CHUNK_ROWS", 2)
    # (the function reads only the editor's connection; a schema editor cannot open inside
    # the test's transaction on SQLite)
    fill.fill_phone_tail_index(apps, SimpleNamespace(connection=connection))
    # then each row holds its tail's index under the version its phone was written under
    rows = {p.pk: p for p in Person.objects.all()}
    for i, person in enumerate(old):
        assert _stored(rows[person.pk].phone_tail_index) == _tail_index(f"{i:04d}", 1)
    assert _stored(rows[newer.pk].phone_tail_index) == _tail_index("0003", 2)
    assert rows[without_phone.pk].phone_tail_index is None
    # and a search by tail finds the rows of both versions
    found = person_list(actor=SYSTEM, phone_tail="0003")
    assert {p.pk for p in found} == {old[3].pk, newer.pk}

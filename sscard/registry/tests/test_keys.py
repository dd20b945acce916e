"""Field keys have a life: rotate to a new version in resumable chunks, then retire the old one.

Runs on SQLite and PostgreSQL; the rotation under concurrent load is in
``test_keys_rotation_under_load.py`` (PostgreSQL).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from sscard.core.actors import Actor
from sscard.core.crypto import (
    ID_NUMBER,
    PHONE,
    current_key_version,
    field_cipher,
    id_number_indexes,
    key_version_of,
    live_key_versions,
)
from sscard.core.errors import ApplicationError
from sscard.core.keys import EncryptedTable, WrappedSecrets, encrypted_tables
from sscard.core.models import AuditEvent, ImportJob
from sscard.kernel.gm import GmError
from sscard.notifications.models import OutboxMessage
from sscard.notifications.services import message_queue
from sscard.registry.imports import EmployerSpec, PersonSpec, import_employers, import_persons
from sscard.registry.keys import (
    field_key_retire,
    field_key_rows_behind,
    field_key_status,
    field_keys_rotate,
)
from sscard.registry.models import FieldKeyRetirement, Person
from sscard.registry.selectors import person_find_by_id_number
from sscard.registry.services import divisions_load
from sscard.registry.tests.test_imports import XICHENG, credit, idn, person_row, write_csv

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
PERSONS = 23


class Killed(Exception):
    """Stands for the process dying between two chunks."""


def numbers() -> list[str]:
    return [idn(born=f"19{60 + i:02d}0101", seq=f"{100 + i:03d}") for i in range(PERSONS)]


def persons_file(tmp_path: Path) -> Path:
    ids = numbers()
    rows = [person_row(n, phone=f"139{i:08d}") for i, n in enumerate(ids)]
    # the last person is the guardian of the first (a row found through the guardian's index)
    rows[0] = person_row(ids[0], phone="13900000000")
    rows.append(person_row(idn(born="20200202", seq="777"), "王小明", guardian_id_number=ids[1]))
    return write_csv(tmp_path / "persons.csv", PersonSpec.columns, rows)


@pytest.fixture
def stored(tmp_path: Path) -> Path:
    """Persons (and one SMS) stored under the only key so far, version 1."""
    divisions_load(actor=SYSTEM)
    path = persons_file(tmp_path)
    job = import_persons(actor=SYSTEM, path=path, file_name=path.name)
    assert job.status == ImportJob.Status.SUCCEEDED
    assert job.rows_inserted == PERSONS + 1
    with transaction.atomic():
        message_queue(actor=SYSTEM, phone="13700000001", text="您好。", template_key="test")
    assert current_key_version() == 1
    return path


@pytest.fixture
def second_key(settings: Any) -> None:
    """The operator adds version 2 next to version 1 (``SSCARD_FIELD_KEYS``)."""
    settings.SSCARD_FIELD_KEYS = {1: settings.SSCARD_FIELD_KEY, 2: secrets.token_hex(32)}


def plaintexts() -> dict[int, tuple[str, str | None]]:
    cipher = field_cipher()
    return {
        pk: (
            cipher.decrypt(bytes(enc), field=ID_NUMBER),
            cipher.decrypt(bytes(phone), field=PHONE) if phone else None,
        )
        for pk, enc, phone in Person.objects.values_list("pk", "id_number_enc", "phone_enc")
    }


def person_versions() -> dict[int, int]:
    """Persons per key version of their ID number."""
    counts = {1: 0, 2: 0}
    for enc in Person.objects.values_list("id_number_enc", flat=True):
        counts[key_version_of(bytes(enc))] += 1
    return counts


def test_every_model_with_encrypted_fields_is_found() -> None:
    # given the installed apps / when the encrypted columns are discovered
    found = {(t.label, c.enc, c.index, c.field) for t in encrypted_tables() for c in t.columns}
    # then the registry's, the rosters' and the outbox's identifiers are all there
    assert found >= {
        ("registry.person", "id_number_enc", "id_number_index", "id_number"),
        ("registry.person", "phone_enc", "phone_index", "phone"),
        ("applications.rosterentry", "phone_enc", "phone_index", "phone"),
        ("notifications.outboxmessage", "phone_enc", "phone_index", "phone"),
    }


def test_values_record_their_key_version_and_older_ones_stay_readable(
    stored: Path, second_key: None
) -> None:
    # given persons written under version 1, and version 2 now current
    before = plaintexts()
    assert current_key_version() == 2
    assert live_key_versions() == (2, 1)
    # when a new value is written
    blob = field_cipher().encrypt("13500000000", field=PHONE)
    # then it names version 2, old values name version 1, and both read back
    assert key_version_of(blob) == 2
    assert person_versions()[1] == PERSONS + 1
    assert field_cipher().decrypt(blob, field=PHONE) == "13500000000"
    assert plaintexts() == before
    # and a lookup by ID number finds a person whose index is still under version 1
    first = numbers()[0]
    assert len(id_number_indexes(first)) == 2
    assert person_find_by_id_number(actor=SYSTEM, id_number=first).pk == min(before)


def test_rotation_killed_between_chunks_resumes_and_loses_nothing(
    stored: Path, second_key: None
) -> None:
    # given persons and an SMS under version 1 and version 2 current
    before = plaintexts()
    outbox_phone = field_cipher().decrypt(bytes(OutboxMessage.objects.get().phone_enc), field=PHONE)
    assert field_key_rows_behind() == PERSONS + 2

    # when the rotation dies after its second chunk of 5 rows
    chunks: list[int] = []

    def die_after_two(table: EncryptedTable | WrappedSecrets, rewritten: int, _seen: int) -> None:
        if table.label == "registry.person":
            chunks.append(rewritten)
        if len(chunks) == 2:
            raise Killed

    with pytest.raises(Killed):
        field_keys_rotate(actor=SYSTEM, chunk_rows=5, on_chunk=die_after_two)

    # then the two committed chunks are under version 2, the rest still under 1, all readable
    assert chunks == [5, 5]
    assert person_versions()[2] == 10
    assert person_versions()[1] == PERSONS + 1 - 10
    assert plaintexts() == before
    status = field_key_status()
    assert status.counts["registry.person"]["id_number_enc"] == {1: PERSONS + 1 - 10, 2: 10}
    assert status.behind["registry.person"] == PERSONS + 1 - 10
    rotated_events = AuditEvent.objects.filter(action="field_key_rotate").count()
    assert rotated_events == 3  # the outbox's one chunk and the two of persons

    # when it is run again
    done = field_keys_rotate(actor=SYSTEM, chunk_rows=5)

    # then it rewrites only the rows still behind, and nothing is lost or doubled
    assert done["registry.person"] == PERSONS + 1 - 10
    assert done["notifications.outboxmessage"] == 0  # its chunk committed before the kill
    assert field_key_rows_behind() == 0
    assert person_versions()[1] == 0
    assert person_versions()[2] == PERSONS + 1
    assert plaintexts() == before
    assert Person.objects.count() == PERSONS + 1
    assert (
        field_cipher().decrypt(bytes(OutboxMessage.objects.get().phone_enc), field=PHONE)
        == outbox_phone
    )
    # and every index is the version-2 index, so lookups under version 2 alone find everyone
    cipher = field_cipher(2)
    for pk, (id_number, phone) in before.items():
        row = Person.objects.get(pk=pk)
        assert bytes(row.id_number_index) == cipher.index(id_number, field=ID_NUMBER)
        assert phone is not None  # every row of the file has a phone
        assert row.phone_index is not None
        assert bytes(row.phone_index) == cipher.index(phone, field=PHONE)
    assert AuditEvent.objects.filter(action="field_key_rotate").count() > rotated_events
    # and a third run has nothing to do
    assert sum(field_keys_rotate(actor=SYSTEM, chunk_rows=5).values()) == 0


def test_an_import_during_rotation_finds_rows_under_the_older_key(
    stored: Path, second_key: None
) -> None:
    # given half of the persons rotated to version 2
    def die(table: EncryptedTable | WrappedSecrets, _rewritten: int, _seen: int) -> None:
        if table.label == "registry.person":
            raise Killed

    with pytest.raises(Killed):
        field_keys_rotate(actor=SYSTEM, chunk_rows=PERSONS // 2, on_chunk=die)
    assert person_versions()[1] > 0
    assert person_versions()[2] > 0

    # when the same file is imported again
    job = import_persons(actor=SYSTEM, path=stored, file_name=stored.name)

    # then every row, under either version, is recognised as unchanged: none inserted twice
    assert job.rows_inserted == 0
    assert job.rows_unchanged == PERSONS + 1
    assert job.rows_refused == 0
    assert Person.objects.count() == PERSONS + 1


def test_retire_is_refused_while_any_value_uses_the_version(stored: Path, second_key: None) -> None:
    # given values still under version 1
    # when version 1 is retired / then it is refused with the rows that still use it
    with pytest.raises(ApplicationError) as refused:
        field_key_retire(actor=SYSTEM, version=1)
    assert refused.value.code == "field_key_in_use"
    assert refused.value.details["rows"]["registry.person"] == PERSONS + 1
    # and the current version and an unknown one are refused too
    for version, code in ((2, "field_key_current"), (3, "field_key_unknown")):
        with pytest.raises(ApplicationError) as other:
            field_key_retire(actor=SYSTEM, version=version)
        assert other.value.code == code
    assert not FieldKeyRetirement.objects.exists()
    assert not AuditEvent.objects.filter(action="field_key_retire").exists()
    old_blob = bytes(Person.objects.order_by("pk").values_list("id_number_enc", flat=True)[0])

    # when everything is rotated and version 1 retired (twice)
    field_keys_rotate(actor=SYSTEM)
    field_key_retire(actor=SYSTEM, version=1)
    field_key_retire(actor=SYSTEM, version=1)

    # then the retirement is recorded and audited once, and version 1 is no longer accepted
    assert list(FieldKeyRetirement.objects.values_list("version", flat=True)) == [1]
    assert AuditEvent.objects.filter(action="field_key_retire").count() == 1
    assert live_key_versions() == (2,)
    assert len(id_number_indexes(numbers()[0])) == 1
    with pytest.raises(GmError) as refused_read:
        field_cipher().decrypt(old_blob, field=ID_NUMBER)
    assert refused_read.value.code == "field_key_retired"
    # and the rotated persons are still found and read
    person = person_find_by_id_number(actor=SYSTEM, id_number=numbers()[3])
    assert field_cipher().decrypt(bytes(person.id_number_enc), field=ID_NUMBER) == numbers()[3]
    # and re-importing the original file after the rotation changes nothing (row digests
    # were recomputed under version 2)
    job = import_persons(actor=SYSTEM, path=stored, file_name=stored.name)
    assert (job.rows_inserted, job.rows_unchanged, job.rows_refused) == (0, PERSONS + 1, 0)


def test_a_value_written_meanwhile_under_the_new_key_is_kept(
    stored: Path, second_key: None
) -> None:
    # given a person whose phone was changed under version 2 while the ID is still under 1
    person = Person.objects.order_by("pk").first()
    assert person is not None
    person.phone_enc = field_cipher().encrypt("13611112222", field=PHONE)
    person.save(update_fields=["phone_enc"])
    id_number = field_cipher().decrypt(bytes(person.id_number_enc), field=ID_NUMBER)
    # when the rotation rewrites its chunk (other rows there need both values rewritten)
    field_keys_rotate(actor=SYSTEM, chunk_rows=100)
    # then the new phone is kept and the ID is rewritten
    person.refresh_from_db()
    assert field_cipher().decrypt(bytes(person.phone_enc), field=PHONE) == "13611112222"
    assert field_cipher().decrypt(bytes(person.id_number_enc), field=ID_NUMBER) == id_number
    assert key_version_of(bytes(person.id_number_enc)) == 2


def test_public_rows_stay_unchanged_on_reimport_after_rotation_and_retirement(
    tmp_path: Path, settings: Any
) -> None:
    # given an employer imported under version 1
    divisions_load(actor=SYSTEM)
    path = write_csv(
        tmp_path / "employers.csv",
        EmployerSpec.columns,
        [[credit(), "北京示例科技有限公司", XICHENG, "ICBC;BOB"]],
    )
    assert import_employers(actor=SYSTEM, path=path, file_name=path.name).rows_inserted == 1
    # when version 2 is added, everything rotated and version 1 retired
    settings.SSCARD_FIELD_KEYS = {1: settings.SSCARD_FIELD_KEY, 2: secrets.token_hex(32)}
    field_keys_rotate(actor=SYSTEM)
    field_key_retire(actor=SYSTEM, version=1)
    # then importing the same file again still changes nothing
    again = import_employers(actor=SYSTEM, path=path, file_name=path.name)
    assert (again.rows_inserted, again.rows_unchanged, again.rows_refused) == (0, 1, 0)

"""A key rotation while the platform serves: lookups, phone changes and imports run alongside.

PostgreSQL only (two connections, row locks). Afterwards every person reads back with the
right values under the new key, none is lost or doubled, and lookups find everyone.
"""

from __future__ import annotations

import secrets
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connections, transaction

from sscard.core.actors import Actor
from sscard.core.crypto import ID_NUMBER, PHONE, field_cipher, key_version_of, phone_index
from sscard.registry.imports import PersonSpec, import_persons
from sscard.registry.keys import field_key_rows_behind, field_keys_rotate
from sscard.registry.models import Person
from sscard.registry.selectors import person_find_by_id_number
from sscard.registry.services import divisions_load
from sscard.registry.tests.test_imports import idn, person_row, write_csv

pytestmark = [
    pytest.mark.postgres(
        reason="needs PostgreSQL: a rotation and a second connection racing on row locks"
    ),
    pytest.mark.django_db(transaction=True),
]
SYSTEM = Actor.system("test")
PERSONS = 3000
CHUNK = 100


def number(i: int) -> str:
    born = date(1950, 1, 1) + timedelta(days=i)
    return idn(born=born.strftime("%Y%m%d"), seq=f"{100 + i % 800:03d}")


def import_file(path: Path, ids: list[str], phones: dict[str, str]) -> int:
    rows = [person_row(n, phone=phones[n]) for n in ids]
    job = import_persons(
        actor=SYSTEM,
        path=write_csv(path, PersonSpec.columns, rows),
        file_name=path.name,
    )
    assert job.rows_refused == 0, job.pk
    return job.rows_inserted


def test_rotation_under_load_loses_and_doubles_nothing(
    tmp_path: Path, settings: Any, record_property: Any
) -> None:
    # given 3,000 persons stored under key version 1
    divisions_load(actor=SYSTEM)
    phones = {number(i): f"139{i:08d}" for i in range(PERSONS)}
    assert import_file(tmp_path / "base.csv", list(phones), phones) == PERSONS
    # and version 2 configured next to it
    settings.SSCARD_FIELD_KEYS = {1: settings.SSCARD_FIELD_KEY, 2: secrets.token_hex(32)}
    assert field_key_rows_behind() == PERSONS

    rotating = threading.Event()
    stop = threading.Event()
    done: dict[str, int] = {"lookups": 0, "updates": 0, "imports": 0, "during": 0}
    errors: list[BaseException] = []

    def serve() -> None:
        # lookups by ID number, phone changes and imports (new and repeated rows), round robin
        i = 0
        try:
            while not stop.is_set():
                at = (i * 7919) % PERSONS
                n = number(at)
                found = person_find_by_id_number(actor=SYSTEM, id_number=n)
                assert field_cipher().decrypt(bytes(found.id_number_enc), field=ID_NUMBER) == n
                done["lookups"] += 1
                if at % 2 == 0:  # phones change on even persons, odd ones are re-imported
                    new_phone = f"137{i:08d}"
                    with transaction.atomic():
                        person = Person.objects.select_for_update().get(pk=found.pk)
                        person.phone_enc = field_cipher().encrypt(new_phone, field=PHONE)
                        person.phone_index = phone_index(new_phone)
                        person.phone_masked = new_phone[-4:].rjust(11, "*")
                        person.save(update_fields=["phone_enc", "phone_index", "phone_masked"])
                    phones[n] = new_phone
                    done["updates"] += 1
                if i % 25 == 0:
                    fresh = [number(PERSONS + i + k) for k in range(3)]
                    for k, m in enumerate(fresh):
                        phones[m] = f"136{i:06d}{k:02d}"
                    # three new persons and two already stored (under either version)
                    again = [number((i * 62 + 1) % PERSONS), number((i * 74 + 3) % PERSONS)]
                    rows = fresh + again
                    job_path = tmp_path / f"load-{i}.csv"
                    import_file(job_path, rows, {**phones})
                    done["imports"] += 1
                if rotating.is_set():
                    done["during"] += 1
                i += 1
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    # when the rotation runs in chunks of 100 while the load runs on another connection
    worker = threading.Thread(target=serve)
    worker.start()
    time.sleep(0.5)
    rotating.set()
    try:
        rotated = field_keys_rotate(actor=SYSTEM, chunk_rows=CHUNK)
    finally:
        rotating.clear()
        stop.set()
        worker.join(120)
    assert not worker.is_alive()
    assert not errors, errors

    record_property("load", {**done, "rotated": rotated})
    # then the load really overlapped the rotation
    assert done["during"] > 10, done
    assert done["updates"] > 0, done
    assert done["imports"] > 0, done
    assert rotated["registry.person"] > 0
    # and nothing is behind, nothing lost, nothing doubled
    assert field_key_rows_behind() == 0
    persons = list(Person.objects.values_list("id_number_enc", "phone_enc", "id_number_index"))
    assert len(persons) == len(phones)
    assert len({bytes(r[2]) for r in persons}) == len(persons)
    cipher = field_cipher()
    assert all(ph is not None for _, ph, _ in persons)  # a concurrent change is never undone
    read = {
        cipher.decrypt(bytes(enc), field=ID_NUMBER): cipher.decrypt(bytes(ph or b""), field=PHONE)
        for enc, ph, _ in persons
    }
    # every person reads back with the right values (changed phones included), under v2
    assert read == phones
    assert {key_version_of(bytes(r[0])) for r in persons} == {2}
    assert {key_version_of(bytes(r[1] or b"")) for r in persons} == {2}
    # and lookups by ID number find every one of them
    for n in list(phones)[::50]:
        assert person_find_by_id_number(actor=SYSTEM, id_number=n).id_number_masked

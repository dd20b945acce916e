"""One open application per person across all channels: the database holds it, even in a race.

Two channels (a community centre and the holder online) apply for the same person at the same
moment, on two connections; exactly one application is written. A second test shows the
partial unique index itself refusing the second open row while the first transaction is still
open, so the rule does not rest on the service's lock alone.
"""

from __future__ import annotations

import threading
import time
from functools import partial

import pytest
from django.db import IntegrityError, connections, transaction

from sscard.applications.choices import ApplicationStatus
from sscard.applications.models import Application
from sscard.applications.services import application_submit
from sscard.applications.tests.support import (
    SH_DAY,
    centre,
    clerk,
    holder,
    in_force,
    shanghai_person,
)
from sscard.testing.races import race

pytestmark = [
    pytest.mark.postgres(
        reason="needs PostgreSQL: two connections racing on row locks and a unique index"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_two_channels_racing_for_one_person_write_exactly_one_application():
    in_force("shanghai-2019")
    person = shanghai_person()
    desk, backup = centre(), centre()

    def apply(**kwargs: object) -> str:
        app = application_submit(
            person=person, day=SH_DAY, bank="CCB", backup_centre_id=backup.pk,
            photo_source="id_card", **kwargs,  # type: ignore[arg-type]
        )  # fmt: skip
        return f"ok:{app.channel}"

    calls = {
        "centre": partial(apply, actor=clerk(desk), channel="community_centre", action="first"),
        "online": partial(apply, actor=holder(person), channel="online", action="migrate"),
    }
    outcomes = race(calls, timeout=30)
    assert sorted(v.split(":")[0] for v in outcomes.values()) == [
        "application_already_open",
        "ok",
    ], outcomes
    assert Application.objects.filter(person=person, status="submitted").count() == 1


def test_the_partial_unique_index_refuses_a_second_open_row_from_another_connection():
    in_force("shanghai-2019")
    person = shanghai_person()
    first = application_submit(
        actor=holder(person),
        person=person,
        channel="online",
        action="migrate",
        day=SH_DAY,
        bank="CCB",
        backup_centre_id=centre().pk,
        photo_source="id_card",
    )
    Application.objects.filter(pk=first.pk).update(status=ApplicationStatus.CANCELLED)
    values = {
        f.attname: getattr(first, f.attname)
        for f in Application._meta.concrete_fields
        if f.attname != "id"
    }
    values["status"] = ApplicationStatus.SUBMITTED
    holding = threading.Event()
    release = threading.Event()
    errors: list[str] = []

    def writer_a() -> None:
        try:
            with transaction.atomic():
                Application.objects.create(**values)
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    def writer_b() -> None:
        try:
            holding.wait(10)
            with transaction.atomic():
                Application.objects.create(**values)  # blocks on A's uncommitted row
        except IntegrityError:
            errors.append("unique_violation")
        finally:
            connections.close_all()

    a = threading.Thread(target=writer_a)
    b = threading.Thread(target=writer_b)
    a.start()
    b.start()
    holding.wait(10)
    time.sleep(0.3)  # B is now waiting on A's row
    release.set()
    a.join(20)
    b.join(20)
    assert errors == ["unique_violation"]
    assert Application.objects.filter(person=person, status="submitted").count() == 1

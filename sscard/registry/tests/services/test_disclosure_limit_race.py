"""Six lookups by one clerk at the same moment, with room for two more this hour: exactly
two are shown and recorded, four are refused (PostgreSQL: six connections, the audit chain's
head lock orders them and the count is taken under it)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.registry.choices import DisclosurePurpose
from sscard.registry.services import COUNTER_LOOKUP_FIELDS, DISCLOSED, disclosure_record
from sscard.testing.factories import OutletFactory, PersonFactory

pytestmark = [
    pytest.mark.postgres(
        reason="needs PostgreSQL: six connections racing for the last lookups of the hour"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_concurrent_lookups_at_the_limit_let_exactly_the_remainder_through(settings):
    # given a clerk with a limit of three an hour who has used one
    settings.SSCARD_LOOKUP_LIMIT_PER_CLERK = 3
    outlet = OutletFactory.create()
    clerk = Actor(role=Role.BANK_CLERK, label="teller", user_id=4242, outlet_id=outlet.pk)
    people = [PersonFactory.create() for _ in range(7)]
    disclosure_record(
        actor=clerk,
        person=people[0],
        purpose=DisclosurePurpose.COUNTER_LOOKUP,
        fields=COUNTER_LOOKUP_FIELDS,
    )
    start = threading.Barrier(6)
    codes: list[str] = []
    errors: list[BaseException] = []

    def look(index: int) -> None:
        try:
            start.wait()
            disclosure_record(
                actor=clerk,
                person=people[index],
                purpose=DisclosurePurpose.COUNTER_LOOKUP,
                fields=COUNTER_LOOKUP_FIELDS,
            )
            codes.append("shown")
        except ApplicationError as error:
            codes.append(error.code)
        except BaseException as error:  # reported below, with the thread's cause
            errors.append(error)
        finally:
            connections.close_all()

    # when six more lookups arrive at once
    threads = [threading.Thread(target=look, args=(i,)) for i in range(1, 7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # then exactly two are shown and recorded, and four refused for the clerk
    assert errors == []
    assert sorted(codes) == ["lookup_limit_clerk"] * 4 + ["shown"] * 2
    assert AuditEvent.objects.filter(action=DISCLOSED, actor_user_id=4242).count() == 3

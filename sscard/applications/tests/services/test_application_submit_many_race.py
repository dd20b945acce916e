"""A queue taken at once races a single application for the same person: the person's lock
(taken for the whole queue, in id order) lets exactly one through, on PostgreSQL."""

from __future__ import annotations

from functools import partial

import pytest

from sscard.applications.models import Application
from sscard.applications.services import SubmitRequest, application_submit, application_submit_many
from sscard.applications.tests.support import (
    SH_DAY,
    centre,
    clerk,
    holder,
    in_force,
    shanghai_person,
)
from sscard.core.audit import audit_verify_chain
from sscard.core.errors import ApplicationError
from sscard.testing.races import race

pytestmark = [
    pytest.mark.postgres(reason="needs PostgreSQL: two connections racing on row locks"),
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize("round_", range(3))
def test_a_queue_and_a_single_call_for_the_same_person_write_one_application(round_: int) -> None:
    in_force("shanghai-2019")
    desk, backup = centre(), centre()
    contested = shanghai_person()
    others = [shanghai_person() for _ in range(5)]

    def queue() -> str:
        answers = application_submit_many(
            [
                SubmitRequest(
                    actor=clerk(desk), person=p, channel="community_centre", action="first",
                    day=SH_DAY, bank="BOSC", backup_centre_id=backup.pk, photo_source="id_card",
                )
                for p in [*others, contested]
            ]
        )  # fmt: skip
        last = answers[-1]
        assert all(not isinstance(a, ApplicationError) for a in answers[:-1]), answers
        return last.code if isinstance(last, ApplicationError) else "ok"

    single = partial(
        application_submit, actor=holder(contested), person=contested, channel="online",
        action="migrate", day=SH_DAY, bank="CCB", backup_centre_id=backup.pk,
        photo_source="id_card",
    )  # fmt: skip
    outcomes = race({"queue": queue, "single": lambda: "ok" if single() else "?"}, timeout=30)

    assert sorted(outcomes.values()) == ["application_already_open", "ok"], outcomes
    assert Application.objects.filter(person=contested).count() == 1
    assert Application.objects.filter(person__in=others).count() == 5
    assert audit_verify_chain().ok

"""Step 2 of a collective application: ``collective_arrange``."""

from __future__ import annotations

import pytest

from sscard.applications.services import collective_arrange, collective_open
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    beijing_unit,
    branch,
    hr,
    in_force,
    notified_collective,
    written,
)
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_arranging_a_branch_pickup_needs_an_outlet_of_the_chosen_bank() -> None:
    in_force("beijing-2024")
    employer, _ = beijing_unit(1)
    collective = collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    with pytest.raises(ApplicationError) as no_outlet:
        collective_arrange(
            actor=hr(employer),
            collective_id=collective.pk,
            day=BJ_PILOT_DAY,
            pickup="branch",
            bank="ICBC",
        )
    assert no_outlet.value.code == "outlet_required"
    with pytest.raises(ApplicationError) as other_bank:
        collective_arrange(
            actor=hr(employer),
            collective_id=collective.pk,
            day=BJ_PILOT_DAY,
            pickup="branch",
            bank="CCB",
            outlet_id=branch("ICBC").pk,
        )
    assert other_bank.value.code == "outlet_other_bank"
    posted = collective_arrange(
        actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY, pickup="post", bank="CCB"
    )
    assert (posted.step, posted.bank_code, posted.pickup_outlet) == ("arranged", "CCB", None)


def test_arranging_records_the_choice_and_the_decision_and_is_audited() -> None:
    # given an open collective application of a Xicheng unit
    in_force("beijing-2024")
    employer, _ = beijing_unit(1)
    collective = collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    outlet = branch("ICBC")
    # when HR chooses pickup at a branch of the bank
    arranged = collective_arrange(
        actor=hr(employer),
        collective_id=collective.pk,
        day=BJ_PILOT_DAY,
        pickup="branch",
        outlet_id=outlet.pk,
    )
    # then the bank is the outlet's, the step moves on, and one audit event says so
    arranged.refresh_from_db()
    assert (arranged.step, arranged.pickup, arranged.bank_code, arranged.pickup_outlet) == (
        "arranged",
        "branch",
        "ICBC",
        outlet,
    )
    event = AuditEvent.objects.get(action="collective_arrange")
    assert {k: event.changes[k] for k in ("pickup", "bank", "outlet_id")} == {
        "pickup": "branch",
        "bank": "ICBC",
        "outlet_id": outlet.pk,
    }


def test_arranging_after_the_staff_are_notified_is_out_of_order_and_writes_nothing() -> None:
    in_force("beijing-2024")
    employer, _ = beijing_unit(1)
    collective = notified_collective(employer)
    before = written()
    with pytest.raises(ApplicationError) as refused:
        collective_arrange(
            actor=hr(employer),
            collective_id=collective.pk,
            day=BJ_PILOT_DAY,
            pickup="post",
            bank="CCB",
        )
    assert (refused.value.code, refused.value.status) == ("collective_step_out_of_order", 409)
    assert written() == before

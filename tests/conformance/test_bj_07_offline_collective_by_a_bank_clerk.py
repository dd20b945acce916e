"""BJ-07: offline, the unit goes to a partner bank branch and the bank's staff do it: a clerk
opens and submits a collective application for the unit, attributed to both."""

from __future__ import annotations

import pytest

from sscard.applications.services import (
    collective_arrange,
    collective_notify,
    collective_open,
    collective_submit,
    roster_add_staff,
)
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    beijing_unit,
    branch,
    clerk,
    confirm_all,
    hr,
    in_force,
)
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_bj_07_a_bank_clerk_takes_the_units_collective_application_end_to_end() -> None:
    in_force("beijing-2024")
    employer, staff = beijing_unit(3)
    outlet = branch("ABC")
    teller = clerk(outlet)
    c = collective_open(actor=teller, day=BJ_PILOT_DAY, employer_id=employer.pk)
    assert (c.channel, c.employer, c.taken_at_outlet, c.opened_by_role) == (
        "collective_offline",
        employer,
        outlet,
        "bank_clerk",
    )
    arranged = collective_arrange(
        actor=teller, collective_id=c.pk, day=BJ_PILOT_DAY, pickup="branch"
    )
    assert (arranged.bank_code, arranged.pickup_outlet) == ("ABC", outlet)
    roster_add_staff(actor=teller, collective_id=c.pk, day=BJ_PILOT_DAY)
    collective_notify(actor=teller, collective_id=c.pk)
    confirm_all(c, staff, BJ_PILOT_DAY)
    result = collective_submit(actor=teller, collective_id=c.pk, day=BJ_PILOT_DAY)
    assert result.submitted == 3
    assert set(c.applications.values_list("channel", "taken_by_role")) == {
        ("collective_offline", "bank_clerk")
    }
    opened = AuditEvent.objects.get(action="collective_open", object_id=str(c.pk))
    assert opened.actor_role == "bank_clerk"
    assert opened.changes["on_behalf_of_employer"] == employer.pk
    assert opened.changes["outlet_id"] == outlet.pk
    # the unit's HR sees and may follow the same application
    c.refresh_from_db()
    assert c.submitted_by == teller.label
    from sscard.applications.selectors import collective_get

    assert collective_get(actor=hr(employer), collective_id=c.pk) == c


def test_bj_07_a_clerk_of_another_outlet_cannot_act_on_it() -> None:
    in_force("beijing-2024")
    employer, _ = beijing_unit(1)
    c = collective_open(actor=clerk(branch("ABC")), day=BJ_PILOT_DAY, employer_id=employer.pk)
    with pytest.raises(ApplicationError) as refused:
        collective_arrange(
            actor=clerk(branch("ABC")),
            collective_id=c.pk,
            day=BJ_PILOT_DAY,
            pickup="post",
            bank="ABC",
        )
    assert refused.value.code == "not_found"

"""BJ-06: open → choose pickup method and branch → notify staff → submit, in this order; a step
out of order is refused; only confirmed staff are submitted, the rest stay unconfirmed."""

from __future__ import annotations

from typing import Any

import pytest

from sscard.applications.choices import RosterStatus
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
    confirm_all,
    hr,
    in_force,
    written,
)
from sscard.core.errors import ApplicationError

pytestmark = pytest.mark.django_db


def _refused(call: Any, **kwargs: Any) -> str:
    before = written()
    with pytest.raises(ApplicationError) as refused:
        call(**kwargs)
    assert written() == before
    return refused.value.code


def test_bj_06_each_step_out_of_order_is_refused_and_writes_nothing() -> None:
    in_force("beijing-2024")
    employer, staff = beijing_unit(2)
    actor = hr(employer)
    c = collective_open(actor=actor, day=BJ_PILOT_DAY)
    ids: dict[str, Any] = {"actor": actor, "collective_id": c.pk}
    day: dict[str, Any] = {"day": BJ_PILOT_DAY}
    # step 1 done: neither notify nor submit yet
    assert _refused(collective_notify, **ids) == "collective_step_out_of_order"
    assert _refused(collective_submit, **ids, **day) == "collective_step_out_of_order"
    collective_arrange(**ids, **day, pickup="branch", outlet_id=branch("ICBC").pk)
    roster_add_staff(**ids, **day)
    assert _refused(collective_submit, **ids, **day) == "collective_step_out_of_order"
    collective_notify(**ids)
    # step 3 done: no going back to step 2, no re-notify, no roster changes
    assert (
        _refused(collective_arrange, **ids, **day, pickup="post", bank="CCB")
        == "collective_step_out_of_order"
    )
    assert _refused(collective_notify, **ids) == "collective_step_out_of_order"
    assert _refused(roster_add_staff, **ids, **day) == "collective_step_out_of_order"
    confirm_all(c, staff, BJ_PILOT_DAY)
    collective_submit(**ids, **day)
    # step 4 done: nothing more
    assert _refused(collective_submit, **ids, **day) == "collective_step_out_of_order"


def test_bj_06_submitting_with_no_confirmed_staff_is_refused() -> None:
    in_force("beijing-2024")
    employer, _ = beijing_unit(2)
    actor = hr(employer)
    c = collective_open(actor=actor, day=BJ_PILOT_DAY)
    collective_arrange(actor=actor, collective_id=c.pk, day=BJ_PILOT_DAY, pickup="post", bank="CCB")
    roster_add_staff(actor=actor, collective_id=c.pk, day=BJ_PILOT_DAY)
    collective_notify(actor=actor, collective_id=c.pk)
    code = _refused(collective_submit, actor=actor, collective_id=c.pk, day=BJ_PILOT_DAY)
    assert code == "collective_no_confirmed_staff"


def test_bj_06_only_confirmed_staff_are_submitted_the_rest_stay_listed_as_unconfirmed() -> None:
    in_force("beijing-2024")
    employer, staff = beijing_unit(5)
    actor = hr(employer)
    c = collective_open(actor=actor, day=BJ_PILOT_DAY)
    collective_arrange(actor=actor, collective_id=c.pk, day=BJ_PILOT_DAY, pickup="post", bank="CCB")
    roster_add_staff(actor=actor, collective_id=c.pk, day=BJ_PILOT_DAY)
    collective_notify(actor=actor, collective_id=c.pk)
    confirm_all(c, staff[:2], BJ_PILOT_DAY)
    result = collective_submit(actor=actor, collective_id=c.pk, day=BJ_PILOT_DAY)
    assert (result.submitted, result.unconfirmed) == (2, 3)
    assert set(c.applications.values_list("person_id", flat=True)) == {p.pk for p in staff[:2]}
    unconfirmed = c.roster.filter(status=RosterStatus.INVITED)
    assert set(unconfirmed.values_list("person_id", flat=True)) == {p.pk for p in staff[2:]}


def test_bj_06_after_the_pilot_window_the_submit_is_refused_with_the_engines_reason() -> None:
    from datetime import date

    in_force("beijing-2024")
    employer, _staff = beijing_unit(1, insured_district="110105")  # Chaoyang: not a pilot unit
    with pytest.raises(ApplicationError) as refused:
        collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    assert refused.value.code == "not_pilot_target"
    with pytest.raises(ApplicationError) as early:
        collective_open(actor=hr(employer), day=date(2024, 1, 30))
    assert early.value.code == "no_campaign_in_force"

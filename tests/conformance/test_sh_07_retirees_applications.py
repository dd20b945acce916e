"""SH-07 through the application service: retirees from January to June 2019 at service-bank
outlets and community centres; the pension bank is the account bank when it is one of the 11,
else the retiree picks one."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from sscard.applications.services import application_submit
from sscard.applications.tests.support import (
    SH_RETIREE_DAY,
    branch,
    centre,
    clerk,
    in_force,
    shanghai_person,
)
from sscard.core.errors import ApplicationError

pytestmark = pytest.mark.django_db


def _apply(person: Any, *, outlet: Any, day: Any = SH_RETIREE_DAY, bank: Any = None) -> Any:
    return application_submit(
        actor=clerk(outlet),
        person=person,
        channel="community_centre" if outlet.kind == "community_centre" else "bank_outlet",
        action="migrate",
        day=day,
        bank=bank,
        backup_centre_id=centre().pk,
        photo_source="id_card",
    )


def test_sh_07_the_pension_bank_is_the_account_bank_at_a_community_centre() -> None:
    in_force("shanghai-2019")
    retiree = shanghai_person(category="retiree", pension_bank="BOSC")
    app = _apply(retiree, outlet=centre())
    assert (app.bank_code, app.clause) == ("BOSC", "SH-07")


def test_sh_07_a_pension_bank_outside_the_eleven_means_the_retiree_picks_one() -> None:
    in_force("shanghai-2019")
    retiree = shanghai_person(category="retiree", pension_bank="CIB")
    with pytest.raises(ApplicationError) as refused:
        _apply(retiree, outlet=centre())
    assert refused.value.code == "bank_required"
    assert len(refused.value.details["banks"]) == 11
    assert _apply(retiree, outlet=centre(), bank="SRCB").bank_code == "SRCB"


def test_sh_07_at_a_bank_outlet_in_the_window_and_not_after_it() -> None:
    in_force("shanghai-2019")
    retiree = shanghai_person(category="retiree", pension_bank="ICBC")
    outlet = branch("ICBC")
    assert _apply(retiree, outlet=outlet).rule_id == "retirees-bank-or-centre"
    late = shanghai_person(category="retiree", pension_bank="ICBC")
    with pytest.raises(ApplicationError) as refused:
        _apply(late, outlet=outlet, day=date(2019, 7, 1))
    assert refused.value.code == "no_rule"

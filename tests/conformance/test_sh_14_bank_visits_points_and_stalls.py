"""SH-14: banks visit the elderly at home, open points in big enterprises and set up stalls in
big communities — each an acceptance-point kind taking its own applications."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from sscard.applications.services import application_submit
from sscard.applications.tests.support import (
    SH_DAY,
    bank,
    centre,
    clerk,
    in_force,
    shanghai_employer,
    shanghai_person,
)
from sscard.core.errors import ApplicationError
from sscard.network.choices import OutletKind
from sscard.testing.factories import OutletFactory

pytestmark = pytest.mark.django_db


def _point(kind: Any) -> Any:
    return OutletFactory.create(kind=kind, bank=bank("BOSC"), district="310101")


def _apply(outlet: Any, person: Any, channel: Any) -> Any:
    return application_submit(
        actor=clerk(outlet),
        person=person,
        channel=channel,
        action="migrate",
        day=SH_DAY,
        backup_centre_id=centre().pk,
        photo_source="id_card",
    )


def test_sh_14_a_home_visit_to_someone_very_old() -> None:
    in_force("shanghai-2019")
    elderly = shanghai_person(category="retiree", birth_date=date(1930, 5, 1), pension_bank="CCB")
    app = _apply(_point(OutletKind.HOME_VISIT_TEAM), elderly, "home_visit")
    assert (app.channel, app.clause, app.bank_code) == ("home_visit", "SH-14", "BOSC")


def test_sh_14_a_home_visit_is_not_for_younger_people() -> None:
    in_force("shanghai-2019")
    with pytest.raises(ApplicationError) as refused:
        _apply(_point(OutletKind.HOME_VISIT_TEAM), shanghai_person(), "home_visit")
    assert refused.value.code == "no_rule"


def test_sh_14_a_stall_in_a_residential_community() -> None:
    in_force("shanghai-2019")
    app = _apply(_point(OutletKind.COMMUNITY_STALL), shanghai_person(), "community_stall")
    assert (app.channel, app.rule_id) == ("community_stall", "campaign-community-stall")


def test_sh_14_a_point_in_a_big_enterprise_for_its_staff() -> None:
    in_force("shanghai-2019")
    staff = shanghai_person(category="in_service_staff", employer=shanghai_employer("BOSC"))
    app = _apply(_point(OutletKind.ENTERPRISE_POINT), staff, "enterprise_point")
    assert (app.channel, app.clause, app.bank_code) == ("enterprise_point", "SH-08", "BOSC")


def test_sh_14_each_point_takes_only_its_own_kind_of_application() -> None:
    in_force("shanghai-2019")
    with pytest.raises(ApplicationError) as refused:
        _apply(_point(OutletKind.COMMUNITY_STALL), shanghai_person(), "home_visit")
    assert refused.value.code == "channel_not_available"

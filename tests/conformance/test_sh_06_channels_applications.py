"""SH-06 through the application service: bank outlet, employer batch and online; first
applications and lost-card replacements at community centres — at a bank outlet they are
redirected there, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest

from sscard.applications.services import application_submit
from sscard.applications.tests.support import (
    SH_DAY,
    branch,
    centre,
    clerk,
    holder,
    in_force,
    shanghai_person,
    written,
)
from sscard.core.errors import ApplicationError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action", ["first", "replace_lost", "replace_damaged"])
def test_sh_06_first_applications_and_replacements_at_a_community_centre(action: Any) -> None:
    in_force("shanghai-2019")
    desk = centre()
    app = application_submit(
        actor=clerk(desk),
        person=shanghai_person(),
        channel="community_centre",
        action=action,
        day=SH_DAY,
        bank="BOSC",
        backup_centre_id=desk.pk,
        photo_source="id_card",
    )
    assert (app.channel, app.action, app.clause, app.outlet) == (
        "community_centre",
        action,
        "SH-06",
        desk,
    )


@pytest.mark.parametrize("action", ["first", "replace_lost"])
def test_sh_06_at_a_bank_outlet_they_are_redirected_to_the_community_centre(action: Any) -> None:
    in_force("shanghai-2019")
    before = written()
    with pytest.raises(ApplicationError) as refused:
        application_submit(
            actor=clerk(branch("BOSC")),
            person=shanghai_person(),
            channel="bank_outlet",
            action=action,
            day=SH_DAY,
            backup_centre_id=centre().pk,
            photo_source="id_card",
        )
    assert refused.value.code == "use_community_centre"
    assert refused.value.details["redirect_to"] == "community_centre"
    assert refused.value.details["clause"] == "SH-06"
    assert written()[:5] == before[:5]


@pytest.mark.parametrize("channel", ["bank_outlet", "online"])
def test_sh_06_the_replacement_itself_at_a_bank_outlet_or_online(channel: Any) -> None:
    in_force("shanghai-2019")
    person = shanghai_person()
    actor = holder(person) if channel == "online" else clerk(branch("BOSC"))
    app = application_submit(
        actor=actor,
        person=person,
        channel=channel,
        action="migrate",
        day=SH_DAY,
        bank="BOSC",
        backup_centre_id=centre().pk,
        photo_source="id_card",
    )
    assert (app.channel, app.pickup, app.card_generation) == (channel, "post", 3)

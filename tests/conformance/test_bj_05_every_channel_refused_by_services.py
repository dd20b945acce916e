"""BJ-05: during the pilot no individual application for the third-generation card is taken,
on every channel the platform has — driven through the application service, nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from sscard.applications.services import application_submit
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    branch,
    centre,
    clerk,
    holder,
    in_force,
    written,
)
from sscard.core.errors import ApplicationError
from sscard.network.choices import OutletKind
from sscard.testing.factories import CHAOYANG, EmployerFactory, OutletFactory, PersonFactory


def _outlet(channel: str) -> Any:
    if channel == "community_centre":
        return centre()
    if channel == "instant_outlet":
        return branch("ICBC", instant_issuance=True)
    kinds = {
        "community_stall": OutletKind.COMMUNITY_STALL,
        "home_visit": OutletKind.HOME_VISIT_TEAM,
    }
    if channel in kinds:
        return OutletFactory.create(kind=kinds[channel], bank=branch("ICBC").bank)
    return branch("ICBC")


INDIVIDUAL = ["online", "bank_outlet", "instant_outlet", "community_centre"]
ELSEWHERE = ["community_stall", "home_visit"]


# The old-style card through the old channels (BJ-10) is the only individual application the
# pilot leaves open, and only to persons outside it.
OLD_CHANNEL_FIRST = {
    (w, "first", c) for w in ("new_insured", "old_card_holder") for c in ("online", "bank_outlet")
}


def _person(who: str) -> Any:
    if who == "pilot_target":
        return PersonFactory.create(employer=EmployerFactory.create())  # Xicheng staff
    return PersonFactory.create(
        insured_region=CHAOYANG, hukou_region=CHAOYANG, category="flexible_worker"
    )


def _submit(channel: str, person: Any, action: str) -> Any:
    actor = holder(person) if channel == "online" else clerk(_outlet(channel))
    return application_submit(
        actor=actor,
        person=person,
        channel=channel,
        action=action,
        day=BJ_PILOT_DAY,
        bank="ICBC",
        photo_source="id_card",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("channel", INDIVIDUAL + ELSEWHERE)
@pytest.mark.parametrize("who", ["pilot_target", "new_insured", "old_card_holder"])
@pytest.mark.parametrize("action", ["first", "migrate"])
def test_bj_05_no_individual_third_generation_application_on_any_channel(
    channel: Any, who: Any, action: Any
) -> None:
    in_force("beijing-2024")
    person = _person(who)
    if (who, action, channel) in OLD_CHANNEL_FIRST:
        assert _submit(channel, person, action).card_generation == 2
        return
    before = written()
    with pytest.raises(ApplicationError) as refused:
        _submit(channel, person, action)
    if channel in INDIVIDUAL and (who == "pilot_target" or action == "migrate"):
        assert refused.value.code == "individual_third_gen_closed"
        assert refused.value.details["clause"] == "BJ-05"
    else:
        assert refused.value.code == "no_rule"
    assert written() == before

"""A renewal through an employer's collective application (到期换卡, issue 15 point 4): a staff
member whose card of the collective's generation runs out within the pack's notice period is
invited, confirms and is submitted with a renewal, whose card takes the old one's place; one
whose card runs on is left out as already holding one, as before."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sscard.applications.models import Application
from sscard.applications.selectors import roster_progress
from sscard.applications.services import collective_submit
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    beijing_unit,
    confirm_all,
    hr,
    in_force,
    notified_collective,
)
from sscard.cards.models import Card
from sscard.cards.services import cards_order
from sscard.cards.tests.support import card
from sscard.core.actors import Actor
from sscard.policy import load_pack
from sscard.policy.tests.packs import dump, pack_data
from sscard.registry.models import Employer, Person

pytestmark = pytest.mark.django_db


def _unit_with_cards(
    days_left: tuple[int | None, ...],
) -> tuple[Employer, list[Person], list[Card]]:
    employer, staff = beijing_unit(len(days_left))
    cards = [
        card(
            person,
            generation=3,
            ss_function="enabled",
            issued_on=date(2014, 4, 1),
            valid_until=BJ_PILOT_DAY + timedelta(days=days),
        )
        for person, days in zip(staff, days_left, strict=True)
        if days is not None
    ]
    return employer, staff, cards


def test_a_staff_member_whose_card_runs_out_renews_it_collectively():
    # given a pilot unit: one holds a third-generation card running out in 30 days, one a card
    # running on for years, one no card
    in_force("beijing-2024")
    employer, staff, (running_out, running_on) = _unit_with_cards((30, 2000, None))
    # when HR takes the unit through BJ-06's steps
    collective = notified_collective(employer)
    assert roster_progress(collective)["not_applicable"] == 1
    confirm_all(collective, staff, BJ_PILOT_DAY)
    result = collective_submit(actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY)
    # then the one running out renews, the one without a card migrates, the other is left out
    # (never invited: not on the confirmed list either)
    assert result.submitted == 2
    actions = dict(
        Application.objects.filter(collective=collective).values_list("person_id", "action")
    )
    assert actions == {staff[0].pk: "renewal", staff[2].pk: "migrate"}
    # and the renewal's card takes the old card's place when it is ordered
    renewal = Application.objects.get(person=staff[0])
    (new_id,) = cards_order(
        actor=Actor.system("t"), application_ids=[renewal.pk], today=BJ_PILOT_DAY
    )
    running_out.refresh_from_db()
    running_on.refresh_from_db()
    assert running_out.replaced_by_id == new_id
    assert running_on.replaced_by_id is None


def test_without_renewal_in_the_pack_a_card_running_out_is_left_out_as_before():
    data = pack_data("beijing-2024")
    data.pop("renewal")
    in_force("beijing-2024", pack=load_pack(dump(data)))
    employer, staff, _cards = _unit_with_cards((30, None))
    collective = notified_collective(employer)
    confirm_all(collective, staff, BJ_PILOT_DAY)
    result = collective_submit(actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY)
    assert result.submitted == 1
    assert roster_progress(collective)["not_applicable"] == 1
    assert not Application.objects.filter(person=staff[0]).exists()
    assert not Application.objects.filter(action="renewal").exists()

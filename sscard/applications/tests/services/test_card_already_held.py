"""One card in force per person and generation, at submission (issue 9, point 6).

Whatever the channel — a counter, the holder online, a parent for a child, the employer's
collective application — a person who already holds a card of the generation decided that is
not void (in force, or on its way) is refused with ``card_already_held`` and nothing is written;
a void card (invalid, cancelled, defective), a replaced one or one of another generation does not
stand in the way.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from sscard.applications.models import Application
from sscard.applications.services import application_submit, collective_submit, roster_remind
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    SH_DAY,
    SH_PUPIL_DAY,
    beijing_unit,
    centre,
    clerk,
    confirm_all,
    holder,
    hr,
    in_force,
    notified_collective,
    pupil_with_parent,
    shanghai_person,
    written,
)
from sscard.cards.models import Card
from sscard.cards.services import card_replacement_apply, cards_order
from sscard.cards.tests.support import card, card_ordered
from sscard.core.actors import Actor
from sscard.core.errors import ApplicationError
from sscard.registry.models import Person

pytestmark = pytest.mark.django_db


def _at_centre(person: Person) -> Application:
    return application_submit(
        actor=clerk(centre()),
        person=person,
        channel="community_centre",
        action="first",
        day=SH_DAY,
        bank="BOSC",
        backup_centre_id=centre().pk,
        photo_source="id_card",
    )


def _online(person: Person) -> Application:
    return application_submit(
        actor=holder(person),
        person=person,
        channel="online",
        action="migrate",
        day=SH_DAY,
        bank="CCB",
        backup_centre_id=centre().pk,
        photo_source="id_card",
    )


@pytest.mark.parametrize("apply", [_at_centre, _online], ids=["counter", "online"])
@pytest.mark.parametrize(
    "held",
    [
        lambda person, _campaign: card(person, generation=3, ss_function="enabled"),
        lambda person, campaign: card_ordered(person, campaign=campaign),
        lambda person, _campaign: card(person, generation=3, ss_function="enabled", block="formal"),
    ],
    ids=["in_force", "on_its_way", "reported_lost"],
)
def test_a_person_holding_a_third_generation_card_is_refused_and_nothing_is_written(
    apply: Any, held: Any
) -> None:
    # given a Shanghai resident who already holds a third-generation card that is not void
    campaign = in_force("shanghai-2019")
    person = shanghai_person()
    held(person, campaign)
    before = written()
    # when a channel takes a first application or a change to the new card for them
    with pytest.raises(ApplicationError) as caught:
        apply(person)
    # then it is refused with the stable code, the generation named, and nothing is written
    assert caught.value.code == "card_already_held"
    assert caught.value.details["generation"] == 3
    assert "第三代" in caught.value.message_zh
    assert "third" in caught.value.message_en
    assert written() == before


@pytest.mark.parametrize(
    "facets",
    [
        {"ss_function": "invalid"},
        {"ss_function": "cancelled"},
        {"generation": 2, "ss_function": "enabled"},
    ],
    ids=["invalid", "cancelled", "second_generation"],
)
def test_a_void_card_or_one_of_another_generation_does_not_stand_in_the_way(
    facets: dict[str, Any],
) -> None:
    in_force("shanghai-2019")
    person = shanghai_person()
    card(person, **facets)
    app = _at_centre(person)
    assert (app.status, app.card_generation) == ("submitted", 3)


def test_a_card_whose_replacement_is_ordered_gives_up_its_place() -> None:
    # given the old card in force and the card that replaces it on its way
    in_force("shanghai-2019")
    person = shanghai_person()
    old = card(person, generation=3, ss_function="enabled", bank_code="BOSC")
    replacement = card_replacement_apply(
        actor=clerk(centre()), card=old, reason="damaged", channel="community_centre",
        day=SH_DAY, backup_centre_id=centre().pk,
    )  # fmt: skip
    cards_order(actor=Actor.system("test"), application_ids=[replacement.pk], today=SH_DAY)
    old.refresh_from_db()
    assert old.replaced_by is not None
    # then the card on its way holds the place, and nothing else may be applied for
    with pytest.raises(ApplicationError) as caught:
        _online(person)
    assert caught.value.code == "card_already_held"


def test_a_parent_cannot_apply_for_a_child_who_already_has_a_card() -> None:
    campaign = in_force("shanghai-2019")
    parent, child = pupil_with_parent(notified=date(2019, 4, 8))
    card_ordered(child, campaign=campaign)
    before = written()
    with pytest.raises(ApplicationError) as caught:
        application_submit(
            actor=holder(parent),
            person=child,
            channel="parent_online",
            action="migrate",
            day=SH_PUPIL_DAY,
            bank="BOSC",
            backup_centre_id=centre().pk,
            photo_source="student_card",
        )
    assert caught.value.code == "card_already_held"
    assert written() == before


def test_collective_submit_leaves_out_staff_who_already_hold_a_card() -> None:
    # given a Beijing unit of three, one of whom holds an enabled third-generation card
    in_force("beijing-2024")
    employer, staff = beijing_unit(3)
    card(staff[0], generation=3, ss_function="enabled")
    collective = notified_collective(employer)
    # then that one is listed but not invited to confirm (no SMS asks them to)
    entry = collective.roster.get(person=staff[0])
    assert entry.status == "listed"
    assert entry.invited_at is None
    confirm_all(collective, staff, BJ_PILOT_DAY)
    # and is not submitted
    result = collective_submit(actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY)
    assert (result.submitted, result.unconfirmed, result.already_open) == (2, 1, 0)
    assert not Application.objects.filter(person=staff[0]).exists()
    assert Card.objects.filter(person=staff[0]).count() == 1


def test_collective_submit_leaves_out_someone_who_got_a_card_after_confirming() -> None:
    # given a confirmed staff member whose card arrived through another channel meanwhile
    campaign = in_force("beijing-2024")
    employer, staff = beijing_unit(2)
    collective = notified_collective(employer)
    confirm_all(collective, staff, BJ_PILOT_DAY)
    card_ordered(staff[1], campaign=campaign)
    # when HR submits
    result = collective_submit(actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY)
    # then only the other one is submitted
    assert (result.submitted, result.already_held) == (1, 1)
    assert list(
        Application.objects.filter(collective=collective).values_list("person_id", flat=True)
    ) == [staff[0].pk]


def test_nobody_applicable_on_the_roster_is_refused_and_nothing_is_written() -> None:
    in_force("beijing-2024")
    employer, staff = beijing_unit(1)
    collective = notified_collective(employer)
    confirm_all(collective, staff, BJ_PILOT_DAY)
    card(staff[0], generation=3, ss_function="enabled")
    before = written()
    with pytest.raises(ApplicationError) as caught:
        collective_submit(actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY)
    assert caught.value.code == "collective_no_confirmed_staff"
    assert caught.value.details == {"already_open": 0, "already_held": 1}
    assert written() == before


def test_a_reminder_does_not_reach_someone_who_got_a_card_meanwhile() -> None:
    # given two invited staff, one of whom has meanwhile got a card through another channel
    campaign = in_force("beijing-2024")
    employer, staff = beijing_unit(2)
    collective = notified_collective(employer)
    card_ordered(staff[0], campaign=campaign)
    # when HR sends a reminder
    sent = roster_remind(actor=hr(employer), collective_id=collective.pk)
    # then only the other one is reminded
    assert sent == 1
    reminded = dict(collective.roster.values_list("person_id", "reminders"))
    assert reminded == {staff[0].pk: 0, staff[1].pk: 1}

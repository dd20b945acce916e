"""SH-10: data collection first, then making and issuing in batches by channel and collection
time, oldest first."""

from __future__ import annotations

from datetime import date

import pytest

from sscard.applications.services import application_submit
from sscard.applications.tests.support import (
    branch,
    centre,
    clerk,
    in_force,
    shanghai_person,
)
from sscard.production.selectors import batch_list
from sscard.production.services import batches_form
from sscard.testing.card_life import OPERATOR, card_of

pytestmark = pytest.mark.django_db


def test_sh_10_batches_are_formed_by_channel_and_collection_date_oldest_first() -> None:
    # given applications collected on two days through two channels, in mixed order
    in_force("shanghai-2019")
    desk, backup, bank = centre(), centre(), branch("BOSC")
    earlier, later = date(2019, 9, 2), date(2019, 9, 3)
    taken = []
    for day, channel, actor in [
        (later, "community_centre", clerk(desk)),
        (earlier, "bank_outlet", clerk(bank)),
        (earlier, "community_centre", clerk(desk)),
        (later, "community_centre", clerk(desk)),
        (earlier, "community_centre", clerk(desk)),
    ]:
        action = "first" if channel == "community_centre" else "migrate"
        taken.append(
            application_submit(
                actor=actor,
                person=shanghai_person(),
                channel=channel,
                action=action,
                day=day,
                bank="BOSC",
                backup_centre_id=backup.pk,
                photo_source="id_card",
            )
        )
    # when production forms its batches
    formed = batches_form(actor=OPERATOR, today=later)
    # then one batch per channel and collection date, in the order they are made: oldest first
    assert [(b.collected_on, b.channel, b.card_count) for b in formed] == [
        (earlier, "bank_outlet", 1),
        (earlier, "community_centre", 2),
        (later, "community_centre", 2),
    ]
    listed = batch_list(actor=OPERATOR)
    assert [b.pk for b in listed] == [b.pk for b in formed]
    # and every card is in the batch of its application's channel and date
    for application in taken:
        entry = card_of(application).batch_entry
        assert (entry.batch.channel, entry.batch.collected_on) == (
            application.channel,
            application.applied_on,
        )
    # and a second run finds nothing left to batch
    assert batches_form(actor=OPERATOR, today=later) == []

"""application_submit: one person's application on a channel, as the pack in force decides."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from sscard.applications.models import Application
from sscard.applications.services import application_cancel, application_submit
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    SH_DAY,
    branch,
    centre,
    clerk,
    holder,
    in_force,
    shanghai_person,
    written,
)
from sscard.campaigns.selectors import campaign_pack
from sscard.core.errors import ApplicationError
from sscard.notifications.models import OutboxMessage
from sscard.testing.factories import CHAOYANG, PersonFactory

pytestmark = pytest.mark.django_db


def test_a_community_centre_takes_a_first_application_by_post_with_a_backup_centre() -> None:
    in_force("shanghai-2019")
    desk = centre()
    backup = centre()
    person = shanghai_person()
    app = application_submit(
        actor=clerk(desk),
        person=person,
        channel="community_centre",
        action="first",
        day=SH_DAY,
        bank="BOSC",
        backup_centre_id=backup.pk,
        photo_source="id_card",
    )
    app.refresh_from_db()
    assert (app.channel, app.action, app.bank_code, app.pickup) == (
        "community_centre",
        "first",
        "BOSC",
        "post",
    )
    assert app.outlet == desk
    assert app.backup_centre == backup
    assert app.mailing_address == person.address
    assert (app.rule_id, app.clause, app.card_generation) == (
        "campaign-community-centre",
        "SH-06",
        3,
    )
    assert app.photo.source == "id_card_shared"
    assert app.taken_by == f"clerk@{desk.code}"


def test_a_holder_applies_online_and_is_told_by_sms_from_the_packs_template() -> None:
    campaign = in_force("shanghai-2019")
    person = shanghai_person(phone="13912345678")
    app = application_submit(
        actor=holder(person),
        person=person,
        channel="online",
        action="migrate",
        day=SH_DAY,
        bank="CCB",
        backup_centre_id=centre().pk,
        photo_source="id_card",
    )
    message = OutboxMessage.objects.get(person_id=person.pk)
    assert message.template_key == "application_received"
    pack = campaign_pack(campaign)
    bank_zh = next(b.name_zh for b in pack.banks if b.code == "CCB")
    assert message.text == pack.templates["application_received"].text_zh.format(bank=bank_zh)
    assert "开户银行为中国建设银行" in message.text
    assert message.phone_masked == "*******5678"
    assert app.pack_hash == message.pack_hash


def test_a_second_open_application_is_refused_on_any_channel_and_nothing_is_written() -> None:
    in_force("shanghai-2019")
    person = shanghai_person()
    application_submit(
        actor=holder(person),
        person=person,
        channel="online",
        action="migrate",
        day=SH_DAY,
        bank="CCB",
        backup_centre_id=centre().pk,
        photo_source="id_card",
    )
    desk = centre()
    before = written()
    with pytest.raises(ApplicationError) as refused:
        application_submit(
            actor=clerk(desk),
            person=person,
            channel="community_centre",
            action="replace_lost",
            day=SH_DAY,
            bank="CCB",
            backup_centre_id=desk.pk,
            photo_source="id_card",
        )
    assert refused.value.code == "application_already_open"
    assert written() == before


def test_after_cancelling_the_person_may_apply_again() -> None:
    in_force("shanghai-2019")
    person = shanghai_person()
    kwargs = {
        "actor": holder(person),
        "person": person,
        "channel": "online",
        "action": "migrate",
        "day": SH_DAY,
        "bank": "CCB",
        "backup_centre_id": centre().pk,
        "photo_source": "id_card",
    }
    first = application_submit(**kwargs)
    application_cancel(actor=holder(person), application_id=first.pk)
    second = application_submit(**kwargs)
    assert second.pk != first.pk
    assert Application.objects.filter(person=person).count() == 2


@pytest.mark.parametrize(
    ("day", "code"),
    [
        ("2018-06-30", "no_campaign_in_force"),
        ("2021-01-04", "no_campaign_in_force"),
    ],
)
def test_outside_the_campaign_window_the_engine_refuses(day: Any, code: Any) -> None:
    from datetime import date

    in_force("shanghai-2019")
    person = shanghai_person()
    before = written()
    with pytest.raises(ApplicationError) as refused:
        application_submit(
            actor=holder(person),
            person=person,
            channel="online",
            action="migrate",
            day=date.fromisoformat(day),
            bank="CCB",
            backup_centre_id=centre().pk,
            photo_source="id_card",
        )
    assert refused.value.code == code
    assert written()[:5] == before[:5]


def test_a_bank_not_in_the_pack_is_refused() -> None:
    in_force("shanghai-2019")
    person = shanghai_person()
    with pytest.raises(ApplicationError) as refused:
        application_submit(
            actor=holder(person),
            person=person,
            channel="online",
            action="migrate",
            day=SH_DAY,
            bank="CIB",
            backup_centre_id=centre().pk,
            photo_source="id_card",
        )
    assert refused.value.code == "bank_not_partner"
    assert not Application.objects.exists()


def test_without_a_city_campaign_nothing_can_be_applied_for() -> None:
    person = shanghai_person()
    with pytest.raises(ApplicationError) as refused:
        application_submit(
            actor=holder(person),
            person=person,
            channel="online",
            action="migrate",
            day=SH_DAY,
            photo_source="id_card",
        )
    assert refused.value.code == "no_campaign_in_force"


def test_a_clerk_takes_only_the_channels_of_their_outlet() -> None:
    in_force("beijing-2024")
    outlet = branch("ICBC")
    person = PersonFactory.create(insured_region=CHAOYANG, hukou_region=CHAOYANG)
    with pytest.raises(ApplicationError) as refused:
        application_submit(
            actor=clerk(outlet),
            person=person,
            channel="community_centre",
            action="first",
            day=BJ_PILOT_DAY,
            photo_source="id_card",
        )
    assert refused.value.code == "channel_not_available"
    with pytest.raises(ApplicationError) as not_instant:
        application_submit(
            actor=clerk(outlet),
            person=person,
            channel="instant_outlet",
            action="replace_lost",
            day=BJ_PILOT_DAY,
            photo_source="id_card",
        )
    assert not_instant.value.code == "outlet_not_instant"


def test_a_holder_cannot_apply_for_someone_else() -> None:
    in_force("shanghai-2019")
    person, other = shanghai_person(), shanghai_person()
    with pytest.raises(ApplicationError) as refused:
        application_submit(
            actor=holder(other),
            person=person,
            channel="online",
            action="migrate",
            day=SH_DAY,
            photo_source="id_card",
        )
    assert refused.value.code == "not_found"


def test_an_old_channel_application_at_a_beijing_branch_takes_the_outlets_bank() -> None:
    in_force("beijing-2024")
    outlet = branch("BOB")
    person = PersonFactory.create(insured_region=CHAOYANG, hukou_region=CHAOYANG, address="x")
    app = application_submit(
        actor=clerk(outlet),
        person=person,
        channel="bank_outlet",
        action="first",
        day=BJ_PILOT_DAY,
        photo_source="id_card",
    )
    assert (app.bank_code, app.pickup, app.card_generation, app.clause) == (
        "BOB",
        "branch",
        2,
        "BJ-10",
    )
    assert json.dumps(app.rule_id) == '"pilot-old-channels"'


def test_on_any_database_a_second_open_row_is_refused_by_the_constraint() -> None:
    in_force("shanghai-2019")
    person = shanghai_person()
    first = application_submit(
        actor=holder(person),
        person=person,
        channel="online",
        action="migrate",
        day=SH_DAY,
        bank="CCB",
        backup_centre_id=centre().pk,
        photo_source="id_card",
    )
    first.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        first.save(force_insert=True)

"""Rules only in packs (issue 11, point 3), through the services: Beijing's pack changed in one
rule, put in force with ``campaign_put_in_force``, changes what the platform does — the time in
the post counts toward a due date (BJ-11), the instant outlets' channel no longer makes the card
in the visit (BJ-11, SH-12: the counter's channels, the clerk's check, production's batches), the
pickup method made on the spot has another name, and a counter's replacement goes by another
channel (SH-18). Each test runs the built-in pack and the changed one side by side."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from sscard.applications.models import Application
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    SYSTEM,
    beijing_unit,
    branch,
    clerk,
)
from sscard.campaigns.services import campaign_put_in_force
from sscard.cards.models import Card
from sscard.cards.services import card_replacement_apply, cards_order
from sscard.cards.tests.support import card
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError, PermissionDenied
from sscard.delivery.counter import INSTANT_REPLACEMENT, counter_cards, holder_serve
from sscard.delivery.models import Shipment
from sscard.delivery.services import post_event_record, replacement_instant
from sscard.policy import Pack, builtin_pack, load_pack
from sscard.policy.tests.packs import (
    dump,
    instant_pickup_renamed,
    no_instant_issuance,
    pack_data,
    postage_counted,
)
from sscard.production.services import batches_form
from sscard.registry.models import Person
from sscard.reports.selectors import card_is_overdue, overdue_by
from sscard.testing.api_client import ApiClient
from sscard.testing.card_life import OPERATOR, card_of, clerk_of, dispatch, id_number_of, produce
from sscard.testing.factories import AccountFactory, OutletFactory

pytestmark = pytest.mark.django_db
BUREAU = Actor(role=Role.CITY_OFFICER, label="bureau")
BUILT_IN = "built-in"


def pack(change: str | Callable[[dict[str, Any]], None]) -> Pack:
    """Beijing's pack as shipped, or changed by ``change``."""
    if change == BUILT_IN:
        return builtin_pack("beijing-2024")
    assert callable(change)
    data = pack_data("beijing-2024")
    change(data)
    return load_pack(dump(data))


def pilot_target_with_a_card(change: str | Callable[[dict[str, Any]], None]) -> Card:
    """A Xicheng employer's staff member (a pilot target) holding an enabled ICBC card, under
    Beijing's pack (changed by ``change``)."""
    campaign_put_in_force(actor=SYSTEM, pack=pack(change))
    _employer, (person,) = beijing_unit(1)
    return card(person, ss_function="enabled", bank_code="ICBC")


def _holder(c: Card) -> Person:
    return Person.objects.get(pk=c.person_id)


@pytest.mark.parametrize(
    ("change", "overdue_in_the_post"),
    [(BUILT_IN, False), (lambda d: postage_counted(d, "regular_outlet"), True)],
    ids=["postage-excluded", "postage-counted"],
)
def test_bj_11_whether_the_post_counts_toward_the_due_date_is_the_packs(
    change: Any, overdue_in_the_post: bool
) -> None:
    # given a pilot target whose damaged card is replaced on Mon 2024-03-04 and posted
    old = pilot_target_with_a_card(change)
    application = card_replacement_apply(
        actor=clerk(branch("ICBC")),
        card=old,
        reason="damaged",
        channel="bank_outlet",
        day=BJ_PILOT_DAY,
        pickup="post",
        mailing_address="北京市西城区测试街1号",
    )
    assert application.due_date == date(2024, 3, 8)  # four working days (BJ-11)
    # when the card is made the next day and spends two weeks in the post
    dispatch(produce(day=date(2024, 3, 5)))
    new = card_of(application)
    late = date(2024, 3, 11)
    # then it is overdue only where the pack's due rule counts the time in the post
    assert new.stage == "dispatched"
    assert card_is_overdue(new, today=late) is overdue_in_the_post
    rows = overdue_by(actor=BUREAU, today=late, by="bank")
    assert [(r.key, r.count) for r in rows] == ([("ICBC", 1)] if overdue_in_the_post else [])
    # and once it is delivered, it is not overdue under either pack
    shipment = Shipment.objects.get(card=new)
    post_event_record(
        actor=Actor(role=Role.POST, label="post"),
        tracking_number=shipment.tracking_number or "",
        kind="delivered",
        occurred_at=shipment.dispatched_at + timedelta(days=14),
    )
    new.refresh_from_db()
    assert not card_is_overdue(new, today=late)
    assert overdue_by(actor=BUREAU, today=late, by="bank") == []


@pytest.mark.parametrize(
    ("change", "made_in_the_visit"),
    [(BUILT_IN, True), (no_instant_issuance, False)],
    ids=["built-in", "no-instant-issuance"],
)
def test_the_channels_that_make_the_card_in_the_visit_are_the_packs(
    change: Any, made_in_the_visit: bool, client_for: Any
) -> None:
    old = pilot_target_with_a_card(change)
    counter = branch("ICBC")  # no instant-issuance machine
    # the counter page offers the instant outlets' channel only where it is not made in the visit
    page = client_for(AccountFactory.create(bank_clerk=True, outlet=counter))
    body = page.get("/applications/counter/").content.decode()
    assert ('value="instant_outlet"' in body) is not made_in_the_visit
    # and the service agrees: a replacement on that channel at this counter
    take: dict[str, Any] = {
        "actor": clerk(counter),
        "card": old,
        "reason": "damaged",
        "channel": "instant_outlet",
        "day": BJ_PILOT_DAY,
        "pickup": "branch",
    }
    if made_in_the_visit:
        with pytest.raises(ApplicationError) as refused:
            card_replacement_apply(**take)
        assert refused.value.code == "outlet_not_instant"
        return
    application = card_replacement_apply(**take)
    assert (application.channel, application.due_date) == ("instant_outlet", date(2024, 3, 8))
    # not made in the visit: a clerk may not order its card, production batches it
    with pytest.raises(PermissionDenied):
        cards_order(actor=clerk(counter), application_ids=[application.pk], today=BJ_PILOT_DAY)
    (batch,) = batches_form(actor=OPERATOR, today=BJ_PILOT_DAY)
    assert batch.channel == "instant_outlet"


@pytest.mark.parametrize(
    ("change", "pickup"),
    [(BUILT_IN, "on_the_spot"), (instant_pickup_renamed, "counter_made")],
    ids=["built-in", "renamed"],
)
def test_the_pickup_method_made_on_the_spot_is_the_packs(change: Any, pickup: str) -> None:
    old = pilot_target_with_a_card(change)
    point = OutletFactory.create(bank=branch("ICBC").bank, instant_issuance=True)
    new = replacement_instant(
        actor=clerk_of(point),
        card=old,
        reason="lost",
        id_number=id_number_of(_holder(old)),
        day=BJ_PILOT_DAY,
    )
    assert new.application is not None
    assert (new.application.channel, new.application.pickup) == ("instant_outlet", pickup)
    assert (new.stage, new.ss_function, new.handed_over_outlet) == ("handed_over", "enabled", point)


@pytest.mark.parametrize(
    ("change", "channel", "instant_offered"),
    [(BUILT_IN, "bank_outlet", True), (no_instant_issuance, "instant_outlet", False)],
    ids=["built-in", "no-instant-issuance"],
)
def test_sh_18_the_replacement_channel_at_a_counter_is_the_engines(
    change: Any, channel: str, instant_offered: bool
) -> None:
    # given a pilot target at an instant-issuance branch of their bank
    old = pilot_target_with_a_card(change)
    point = OutletFactory.create(bank=branch("ICBC").bank, instant_issuance=True)
    id_number = id_number_of(_holder(old))
    # the counter offers the instant replacement only where the pack makes cards in the visit
    (row,) = counter_cards(
        actor=clerk_of(point),
        view=holder_serve(actor=clerk_of(point), id_number=id_number),
        outlet=point,
        today=BJ_PILOT_DAY,
    )
    assert (INSTANT_REPLACEMENT in row.actions) is instant_offered
    # when the clerk takes a regular replacement through the API without naming a channel
    answer = ApiClient(AccountFactory.create(bank_clerk=True, outlet=point)).post(
        f"/cards/{old.pk}/replacements",
        {"reason": "damaged", "id_number": id_number, "pickup": "branch"},
    )
    # then the engine chose the channel from the pack
    assert answer.status_code == 201, answer.json()
    assert Application.objects.get(pk=answer.json()["application_id"]).channel == channel

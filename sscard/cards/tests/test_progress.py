"""True status everywhere (issue 12, point 3): an application and its card are walked through
each state by the platform's own services, and in each the holder's applications page, their
cards page, the API's "my applications" and "my cards" and the SMS they were sent all say the
same step — the one ``cards.progress`` derives from the card's real facets.

"Made" only once the factory reported it, "in the post" or "on its way to the outlet" only while
the card is, "handed over" when it is, and "done" (已完成) only at the end: never right after the
application, as the page once said.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.test import Client

from sscard.applications.models import Application
from sscard.applications.services import application_cancel
from sscard.applications.tests.support import branch, holder, in_force
from sscard.cards.models import Card
from sscard.cards.progress import progress_sms
from sscard.cards.rules import pack_by_hash
from sscard.cards.services import card_enable
from sscard.cards.tests.scenarios import shanghai_posted_application
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.delivery.models import Shipment
from sscard.delivery.services import card_hand_over, outlet_receive, post_event_record
from sscard.delivery.tests.page_support import applicant, applied_at, today
from sscard.notifications.models import OutboxMessage
from sscard.production.services import batches_form
from sscard.testing.api_client import ApiClient
from sscard.testing.card_life import (
    OPERATOR,
    clerk_of,
    dispatch,
    factory_round_trip,
    id_number_of,
    personalise,
    produce,
)
from sscard.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db
POST = Actor(role=Role.POST, label="China Post")


class Holder:
    """The holder's two pages and their API, and what each says of one application."""

    def __init__(self, client_for: object, application: Application) -> None:
        account = AccountFactory.create(cardholder=True, person=application.person)
        self.page: Client = client_for(account)  # type: ignore[operator]
        self.api = ApiClient(account)
        self.application = application

    def card(self) -> Card | None:
        return Card.objects.filter(application=self.application).exclude(stage="defective").first()

    def sees(self, step: str, label: str, *, sms: str | None = None) -> None:
        """Every way the holder learns of the application says ``step`` (``label`` in
        Chinese), and the last SMS they got is the one the step is told by."""
        pk = self.application.pk
        page = self.page.get("/applications/mine/").content.decode()
        section = page[page.index(f'id="a{pk}"') :]
        section = section[: section.index("</section>")]
        assert f'data-progress="{step}"' in section, step
        assert label in section, (step, label)
        if step != "enabled":
            assert "已完成" not in section, step
        mine = {a["id"]: a for a in self.api.get("/applications/mine").json()}
        assert mine[pk]["progress"]["status"] == step
        assert mine[pk]["progress"]["label_zh"] == label
        assert mine[pk]["progress"]["done"] is (step == "enabled")
        card = self.card()
        if card is not None:
            cards = {c["id"]: c for c in self.api.get("/cards/mine").json()["cards"]}
            assert cards[card.pk]["progress"]["status"] == step
            assert cards[card.pk]["progress"]["steps"] == mine[pk]["progress"]["steps"]
            text = self.page.get("/me/cards/").content.decode()
            block = text[text.index(f'id="card-{card.pk}"') :]
            block = block[: block.index("</section>")]
            if step == "enabled":
                assert "data-progress" not in block  # done: the card's own status speaks
            else:
                assert f'data-progress="{step}"' in block
                assert label in block
        if sms is not None:
            last = OutboxMessage.objects.filter(person_id=self.application.person_id).last()
            assert last is not None
            assert last.template_key == sms, step
            pack = pack_by_hash(self.application.pack_hash)
            assert pack is not None
            chosen = progress_sms(
                pack=pack,
                pickup=self.application.pickup,
                action=self.application.action,
                step=step,
                rerouted=sms == "undeliverable",
            )
            assert chosen == sms


def test_a_card_collected_at_the_branch_is_done_only_once_enabled(client_for):
    in_force("beijing-2024")
    home = branch("ICBC", name="工商银行朝阳支行")
    person, id_number = applicant()
    application = applied_at(home, person)
    me = Holder(client_for, application)
    day = today()
    me.sees("decided", "已受理，等待制卡", sms="application_received")
    (batch,) = batches_form(actor=OPERATOR, today=day)
    # the application's record is "completed" now: the holder is not told so
    me.sees("ordered", "制卡中")
    personalise(batch)
    me.sees("ordered", "制卡中")
    factory_round_trip(batch, day=day)
    me.sees("made", "已制成，等待发出")
    dispatch([batch])
    me.sees("to_outlet", "正配送至领卡网点")
    outlet_receive(actor=clerk_of(home))
    me.sees("at_outlet", "已到网点，待领取", sms="card_ready")
    card_hand_over(actor=clerk_of(home), card=me.card(), id_number=id_number)  # type: ignore[arg-type]
    me.sees("handed_over", "已领卡，待启用")
    # collected at the branch: it was never "in the post", and every step has its date
    page = me.page.get("/me/cards/").content.decode()
    assert "邮寄" not in page
    assert "寄送途中" not in page
    card_enable(actor=clerk_of(home), card=me.card(), today=day)  # type: ignore[arg-type]
    me.sees("enabled", "已完成")
    steps = me.api.get("/applications/mine").json()[0]["progress"]["steps"]
    assert [s["key"] for s in steps] == [
        "submitted", "decided", "ordered", "made", "to_outlet", "at_outlet", "handed_over",
        "enabled",
    ]  # fmt: skip
    assert all(s["done"] and s["at"] for s in steps)
    assert "已到工商银行朝阳支行，待领取" in me.page.get("/applications/mine/").content.decode()


def test_a_posted_card_the_post_could_not_deliver_waits_at_the_backup_centre(client_for):
    posted = shanghai_posted_application()
    me = Holder(client_for, posted.application)
    day = posted.application.applied_on
    me.sees("decided", "已受理，等待制卡", sms="application_received")
    batches = produce(day=day)
    me.sees("made", "已制成，等待发出")
    dispatch(batches)
    me.sees("posted", "邮寄途中", sms="card_posted")
    shipment = Shipment.objects.get(card=me.card(), method="post")
    assert shipment.tracking_number is not None
    when = datetime(2019, 9, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    post_event_record(
        actor=POST, tracking_number=shipment.tracking_number, kind="failed", occurred_at=when
    )
    me.sees("at_outlet", "已到网点，待领取", sms="undeliverable")
    assert f"投递未成功，已转至{posted.backup.name}待领取" in (
        me.page.get("/applications/mine/").content.decode()
    )
    card = me.card()
    assert card is not None
    card_hand_over(actor=clerk_of(posted.backup), card=card, id_number=id_number_of(card.person))
    me.sees("handed_over", "已领卡，待启用")
    card_enable(actor=holder(card.person), card=me.card(), today=day)  # type: ignore[arg-type]
    me.sees("enabled", "已完成")


def test_a_delivered_card_reads_delivered(client_for):
    posted = shanghai_posted_application()
    me = Holder(client_for, posted.application)
    dispatch(produce(day=posted.application.applied_on))
    shipment = Shipment.objects.get(card=me.card(), method="post")
    assert shipment.tracking_number is not None
    when = datetime(2019, 9, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    post_event_record(
        actor=POST, tracking_number=shipment.tracking_number, kind="delivered", occurred_at=when
    )
    me.sees("handed_over", "已领卡，待启用")
    page = me.page.get("/applications/mine/").content.decode()
    assert re.search(r"已投递</strong> · <span class=\"muted\">2019-09-20", page)


class _Rollback(Exception):
    pass


def _cancel_accepted(application: Application) -> bool:
    try:
        with transaction.atomic():
            application_cancel(actor=holder(application.person), application_id=application.pk)
            raise _Rollback
    except _Rollback:
        return True
    except ApplicationError:
        return False


def test_withdrawing_an_application_is_offered_while_the_service_accepts_it(client_for):
    # given two open applications at a branch
    in_force("beijing-2024")
    home = branch("ICBC")
    kept = Holder(client_for, applied_at(home, applicant()[0]))
    withdrawn = Holder(client_for, applied_at(home, applicant()[0]))

    def offered(me: Holder) -> bool:
        body = me.page.get("/applications/mine/").content.decode()
        return f"/applications/mine/{me.application.pk}/cancel/" in body

    for me in (kept, withdrawn):
        assert offered(me) is _cancel_accepted(me.application) is True
    # when the holder withdraws one: asked first, nothing changes until confirmed
    url = f"/applications/mine/{withdrawn.application.pk}/cancel/"
    asked = withdrawn.page.post(url).content.decode()
    assert 'data-confirm="cancel"' in asked
    withdrawn.application.refresh_from_db()
    assert withdrawn.application.status == "submitted"
    done = withdrawn.page.post(url, {"confirm": "1"}, follow=True).content.decode()
    assert "您的申请已撤回" in done
    withdrawn.sees("cancelled", "已撤销")
    # and the other's card is ordered
    batches_form(actor=OPERATOR, today=today())
    # then neither is offered any more, and the service refuses both
    for me in (kept, withdrawn):
        me.application.refresh_from_db()
        assert offered(me) is _cancel_accepted(me.application) is False

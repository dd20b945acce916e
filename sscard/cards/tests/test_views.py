"""The holder's cards page: status, timeline and the electronic card; enabling online, a
temporary loss report online and its withdrawal; nobody else's card."""

from __future__ import annotations

import pytest

from sscard.cards.tests.support import card, in_force, person
from sscard.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db
MINE = "/me/cards/"


@pytest.fixture
def holder_and_client(client_for):
    in_force("beijing-2024")
    me = person(name="王小明")
    return me, client_for(AccountFactory.create(cardholder=True, person=me))


def test_the_holder_sees_their_cards_with_timeline_in_few_queries(
    holder_and_client, django_assert_max_num_queries
):
    # given an old card replaced by a new one in force, and a child's card
    me, client = holder_and_client
    old = card(me, ss_function="invalid")
    new = card(me, ss_function="enabled")
    child = person(name="王小宝", guardian=me)
    childs = card(child)
    # when the holder opens the page (per card: its loss reports and pickup rule)
    with django_assert_max_num_queries(14):
        page = client.get(MINE)
    # then each card shows its status, its life so far and the electronic card
    body = page.content.decode()
    assert page.status_code == 200
    assert "我的社保卡" in body
    assert old.card_number in body
    assert new.card_number in body
    assert 'data-status="valid"' in body
    assert 'data-status="replaced"' in body
    assert "已下单制卡" in body  # the timeline's first step
    assert "电子社保卡" in body
    assert f"对应您的社保卡{new.card_number}" in body
    assert childs.card_number in body  # the child's card, read-only, masked
    assert child.masked_name in body
    assert "王小宝" not in body
    assert f"{MINE}{childs.pk}/report-loss/" not in body


@pytest.mark.parametrize("role", ["bank_clerk", "production_operator", "city_officer"])
def test_other_roles_are_refused(role, client_for):
    assert client_for(AccountFactory.of_role(role)).get(MINE).status_code == 403


def test_a_holder_cannot_see_or_act_on_anothers_card(holder_and_client):
    _me, client = holder_and_client
    theirs = card(person(), ss_function="enabled")
    assert theirs.card_number not in client.get(MINE).content.decode()
    response = client.post(f"{MINE}{theirs.pk}/report-loss/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.block == "none"


def test_the_holder_enables_online_then_reports_lost_and_withdraws(holder_and_client):
    me, client = holder_and_client
    mine = card(me)  # handed over, not yet enabled; no pickup rule limits it
    page = client.get(MINE).content.decode()
    assert "线上启用" in page
    enabled = client.post(f"{MINE}{mine.pk}/enable/", HTTP_HX_REQUEST="true")
    assert enabled["HX-Retarget"] == "#my-cards"
    assert "社保功能已启用" in enabled.content.decode()

    # a loss report is asked again first: nothing is blocked until the holder confirms
    asked = client.post(f"{MINE}{mine.pk}/report-loss/", HTTP_HX_REQUEST="true")
    assert 'data-confirm="report-loss"' in asked.content.decode()
    mine.refresh_from_db()
    assert mine.block == "none"
    lost = client.post(f"{MINE}{mine.pk}/report-loss/", {"confirm": "1"}, HTTP_HX_REQUEST="true")
    body = lost.content.decode()
    assert "<html" not in body
    assert "临时挂失" in body
    assert 'data-status="blocked_temporary"' in body
    mine.refresh_from_db()
    assert mine.block == "temporary"
    assert mine.blocked_until is not None

    asked = client.post(f"{MINE}{mine.pk}/withdraw-loss/", HTTP_HX_REQUEST="true")
    assert 'data-confirm="withdraw-loss"' in asked.content.decode()
    withdrawn = client.post(
        f"{MINE}{mine.pk}/withdraw-loss/", {"confirm": "1"}, HTTP_HX_REQUEST="true"
    )
    assert "挂失已撤销" in withdrawn.content.decode()
    mine.refresh_from_db()
    assert mine.block == "none"


def test_a_refusal_is_shown_in_english_on_the_english_page(holder_and_client):
    me, client = holder_and_client
    mine = card(me, ss_function="enabled")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    client.post(f"{MINE}{mine.pk}/report-loss/", {"confirm": "1"})
    # the page no longer offers it, but a second report (another tab) is refused politely
    again = client.post(f"{MINE}{mine.pk}/report-loss/", HTTP_HX_REQUEST="true")
    body = again.content.decode()
    assert "loss_already_reported" in body
    assert "This card has already been reported lost." in body
    assert "My cards" in client.get(MINE).content.decode()


def test_without_htmx_the_actions_come_back_to_the_page_with_a_message(holder_and_client):
    me, client = holder_and_client
    mine = card(me, ss_function="enabled")
    # without script the question is a page of its own, whose form posts the answer
    asked = client.post(f"{MINE}{mine.pk}/report-loss/").content.decode()
    assert "<html" in asked
    assert 'data-confirm="report-loss"' in asked
    assert '<input type="hidden" name="confirm" value="1">' in asked
    page = client.post(f"{MINE}{mine.pk}/report-loss/", {"confirm": "1"}, follow=True)
    assert "您的社保卡已挂失冻结" in page.content.decode()

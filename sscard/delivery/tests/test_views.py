"""The counter's card page: the outlet's stock, and the holder served by their ID number with
the actions their cards allow — hand-over, enabling, the financial function, loss reports and
replacements — each refused in the page's language where the services refuse it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sscard.applications.models import Application
from sscard.applications.tests.page_refusals import field_refusal, value_of, visible_text
from sscard.applications.tests.support import BJ_PILOT_DAY, branch, centre, in_force
from sscard.cards.models import Card
from sscard.cards.tests.scenarios import beijing_pilot_unit
from sscard.delivery.models import Shipment
from sscard.delivery.tests.page_support import in_hands, in_stock, on_the_way
from sscard.network.models import Bank
from sscard.notifications.models import OutboxMessage
from sscard.testing.card_life import id_number_of, issue
from sscard.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db
COUNTER = "/cards/counter/"


@pytest.fixture
def outlet():
    in_force("beijing-2024")
    return branch("ICBC", name="工商银行朝阳支行")


@pytest.fixture
def clerk(outlet, client_for):
    return client_for(AccountFactory.create(bank_clerk=True, outlet=outlet))


def act(client: Client, card: Card, action: str, id_number: str, **data: str) -> Any:
    return client.post(
        f"{COUNTER}{card.pk}/{action}/",
        {"id_number": id_number, **data},
        HTTP_HX_REQUEST="true",
    )


def test_the_clerk_sees_the_stock_in_few_queries(outlet, clerk, django_assert_max_num_queries):
    # given three cards on their way to the outlet
    on_the_way(outlet, count=3)
    # when the clerk opens the page (session, account, outlet, counts, stock)
    with django_assert_max_num_queries(8):
        page = clerk.get(COUNTER)
    # then the cards are listed with masked names only
    body = page.content.decode()
    assert page.status_code == 200
    assert "本网点库存" in body
    assert body.count('class="mono">') >= 3
    for card in Card.objects.select_related("person"):
        assert card.card_number in body
        assert card.person.masked_name in body
        assert card.person.name not in body


@pytest.mark.parametrize("role", ["cardholder", "production_operator", "city_officer"])
def test_other_roles_are_refused(role, client_for):
    client = client_for(AccountFactory.of_role(role))
    assert client.get(COUNTER).status_code == 403
    assert client.post(f"{COUNTER}receive/").status_code == 403


def test_receive_all_takes_the_cards_into_stock_and_tells_the_holders(outlet, clerk):
    on_the_way(outlet, count=2)
    page = clerk.post(f"{COUNTER}receive/", follow=True)
    assert "2张卡已入库" in page.content.decode()
    assert Shipment.objects.filter(outlet=outlet, status="at_outlet").count() == 2
    assert OutboxMessage.objects.filter(template_key="card_ready").count() == 2


def test_the_clerk_hands_over_enables_and_activates_at_the_counter(outlet, clerk):
    person, id_number, card = in_stock(outlet)
    # the holder's ID number finds them and their card, in stock here
    served = clerk.post(f"{COUNTER}serve/", {"id_number": id_number}, HTTP_HX_REQUEST="true")
    body = served.content.decode()
    assert "<html" not in body
    assert person.masked_name in body
    assert card.card_number in body
    assert f"{COUNTER}{card.pk}/hand-over/" in body
    assert "启用社保功能" not in body  # not in the holder's hands yet

    row = act(clerk, card, "hand-over", id_number)
    assert "社保卡已交付持卡人" in row.content.decode()
    # the card has left the stock: the stock panel is told to refresh itself
    assert "stock-changed" in row["HX-Trigger"]
    stock = clerk.get(f"{COUNTER}stock/", HTTP_HX_REQUEST="true").content.decode()
    assert card.card_number not in stock
    assert f"{COUNTER}{card.pk}/enable/" in row.content.decode()
    assert "<article" in row.content.decode()

    enabled = act(clerk, card, "enable", id_number)
    # enabling may invalidate an older card: the whole list is redrawn
    assert enabled["HX-Retarget"] == "#served"
    assert "社保功能已启用" in enabled.content.decode()

    act(clerk, card, "activate-financial", id_number)
    card.refresh_from_db()
    assert (card.stage, card.ss_function, card.financial_function) == (
        "handed_over",
        "enabled",
        "activated",
    )


def test_another_banks_clerk_is_refused_the_financial_function_in_the_page_language(
    outlet, client_for
):
    # given the issuing bank by its real names: the clerk reads the name, never the code
    Bank.objects.filter(code="ICBC").update(
        name_zh="中国工商银行", name_en="Industrial and Commercial Bank of China"
    )
    _person, id_number, card = in_hands(outlet, enabled=True)
    other = client_for(AccountFactory.create(bank_clerk=True, outlet=branch("CCB")))
    row = act(other, card, "activate-financial", id_number)
    assert row.status_code == 200
    body = row.content.decode()
    assert "financial_activation_wrong_bank" in body
    assert "金融功能只能在发卡银行（中国工商银行）的服务网点办理" in body
    other.post("/i18n/setlang/", {"language": "en", "next": "/"})
    row = act(other, card, "activate-financial", id_number)
    assert (
        "The financial function is handled only at an outlet of the issuing bank "
        "(Industrial and Commercial Bank of China)"
    ) in row.content.decode()
    card.refresh_from_db()
    assert card.financial_function == "not_activated"


def test_a_clerk_of_another_outlet_neither_sees_nor_hands_over_the_card(outlet, client_for):
    _person, id_number, card = in_stock(outlet)
    elsewhere = client_for(AccountFactory.create(bank_clerk=True, outlet=branch("ICBC")))
    # not in the other outlet's stock
    assert card.card_number not in elsewhere.get(COUNTER).content.decode()
    # served by ID number, the card shows, but it cannot be handed over there
    served = elsewhere.post(f"{COUNTER}serve/", {"id_number": id_number}, HTTP_HX_REQUEST="true")
    assert f"{COUNTER}{card.pk}/hand-over/" not in served.content.decode()
    row = act(elsewhere, card, "hand-over", id_number)
    assert "not_found" in row.content.decode()
    card.refresh_from_db()
    assert card.stage == "at_outlet"


def test_a_card_is_reached_only_through_its_holders_id_number(outlet, clerk):
    _person, _id_number, card = in_stock(outlet)
    _other, other_id, _other_card = in_stock(outlet)
    # the card id of one person with the ID number of another: not found, nothing changes
    response = act(clerk, card, "hand-over", other_id)
    assert response.status_code == 404
    card.refresh_from_db()
    assert card.stage == "at_outlet"


def test_a_community_clerk_has_no_financial_actions(client_for):
    in_force("beijing-2024")
    desk = centre(name="朝阳区测试社区事务受理中心")
    _person, id_number, card = in_hands(branch("ICBC"))
    clerk = client_for(AccountFactory.create(community_clerk=True, outlet=desk))
    served = clerk.post(f"{COUNTER}serve/", {"id_number": id_number}, HTTP_HX_REQUEST="true")
    body = served.content.decode()
    # the card is served and a replacement offered, but no financial action
    assert card.card_number in body
    assert "受理补换" in body
    assert "激活金融功能" not in body
    # nor enabling: a branch card is enabled on site only (BJ-08 (1)), and the page offers
    # only what the service accepts
    assert "启用社保功能" not in body
    assert "enable_path_not_allowed" in act(clerk, card, "enable", id_number).content.decode()


def test_a_formal_loss_report_and_its_withdrawal_at_the_counter(outlet, clerk):
    _person, id_number, card = in_hands(outlet, enabled=True)
    # the clerk is asked first: the row asks, and nothing is blocked yet
    asked = act(clerk, card, "report-loss", id_number)
    assert 'data-confirm="report-loss"' in asked.content.decode()
    card.refresh_from_db()
    assert card.block == "none"
    row = act(clerk, card, "report-loss", id_number, confirm="1")
    assert "已正式挂失" in row.content.decode()
    card.refresh_from_db()
    assert card.block == "formal"
    # a formal report stands: it is not offered again, only its withdrawal
    assert f"{COUNTER}{card.pk}/report-loss/" not in row.content.decode()
    assert f"{COUNTER}{card.pk}/withdraw-loss/" in row.content.decode()
    row = act(clerk, card, "withdraw-loss", id_number, confirm="1")
    assert "挂失已撤销" in row.content.decode()
    card.refresh_from_db()
    assert card.block == "none"


def test_a_replacement_is_taken_at_the_counter(outlet, clerk):
    person, id_number, card = in_hands(outlet, enabled=True)
    fields = {"reason": "damaged", "mode": "regular", "pickup": ""}
    asked = act(clerk, card, "replace", id_number, **fields).content.decode()
    # the question carries the form's choices to the confirmed post
    assert 'data-confirm="replace"' in asked
    assert '<input type="hidden" name="reason" value="damaged">' in asked
    answer = act(clerk, card, "replace", id_number, confirm="1", **fields)
    assert answer["HX-Retarget"] == "#served"
    assert "补换申请#" in answer.content.decode()
    assert Application.objects.filter(person=person, action="replace_damaged").exists()


def test_instant_replacement_is_offered_only_at_an_instant_issuance_point(outlet, clerk):
    _person, id_number, _card = in_hands(outlet, enabled=True)
    served = clerk.post(f"{COUNTER}serve/", {"id_number": id_number}, HTTP_HX_REQUEST="true")
    assert 'value="instant"' not in served.content.decode()


def test_an_unknown_id_number_is_refused_in_the_page(clerk):
    served = clerk.post(f"{COUNTER}serve/", {"id_number": "110101199003077777"})
    assert served.status_code == 200
    assert "<html" in served.content.decode()
    assert 'role="alert"' in served.content.decode()


def test_the_visiting_team_hands_over_and_switches_both_functions_on(client_for):
    # given a pilot unit whose staff chose the bank's visit, their cards made and dispatched
    unit = beijing_pilot_unit(pickup="bank_visit")
    (card,) = issue(unit.applications, day=BJ_PILOT_DAY)
    team = client_for(AccountFactory.create(bank_clerk=True, outlet=unit.outlet))
    id_number = id_number_of(card.person)
    # when the team serves the employee at the employer
    served = team.post(f"{COUNTER}serve/", {"id_number": id_number}, HTTP_HX_REQUEST="true")
    assert "上门交付" in served.content.decode()
    answer = act(team, card, "visit-hand-over", id_number)
    # then the card is in their hands with both functions on
    assert "社保功能和金融功能均已开通" in answer.content.decode()
    card.refresh_from_db()
    assert (card.stage, card.ss_function, card.financial_function) == (
        "handed_over",
        "enabled",
        "activated",
    )


def test_a_refused_replacement_is_shown_beside_its_field_with_the_choices_kept(outlet, clerk):
    # given a holder whose card is in force, and a pickup method the counter does not offer
    person, id_number, card = in_hands(outlet, enabled=True)
    fields = {"reason": "lost", "mode": "regular", "pickup": "post"}
    # when the clerk confirms the replacement without JavaScript
    answer = clerk.post(
        f"{COUNTER}{card.pk}/replace/", {"id_number": id_number, "confirm": "1", **fields}
    )
    # then nothing is taken, and the card's form comes back with the reason beside the pickup
    assert answer.status_code == 400
    page = answer.content.decode()
    assert not Application.objects.filter(person=person, action="replace_lost").exists()
    beside = field_refusal(page, f"id_card{card.pk}_pickup")
    assert beside.codes == ["invalid_choice"]
    assert beside.messages == ["请在提供的选项中选择。"]  # never the code posted
    assert beside.invalid
    assert beside.described
    assert "post" not in visible_text(page)
    # with the other choices as they were made
    assert value_of(page, f"id_card{card.pk}_reason") == "lost"
    assert value_of(page, f"id_card{card.pk}_mode") == "regular"

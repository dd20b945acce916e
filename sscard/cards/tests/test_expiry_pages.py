"""The expiring cards page (issue 15 point 4): the bureau's list, scoped, masked, names not
codes, filtered, paginated and exported; its "tell the holders" button for those the service
accepts; and the holder's own page saying "your card expires on … — renew"."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sscard.applications.models import Application
from sscard.cards.models import Card, CardRenewalNotice
from sscard.cards.tests.support import card, in_force, person
from sscard.core.clock import today
from sscard.notifications.models import OutboxMessage
from sscard.testing.factories import AccountFactory, DivisionFactory, EmployerFactory

pytestmark = pytest.mark.django_db
PAGE = "/cards/expiring/"
CHAOYANG = "110105"


def _card(days_left: int, **person_kwargs: object) -> Card:
    return card(
        person(**person_kwargs),
        ss_function="enabled",
        valid_until=today() + timedelta(days=days_left),
    )


def test_the_city_officer_lists_the_cards_running_out_with_names_and_masks(
    client_for, django_assert_max_num_queries
):
    in_force("beijing-2024")
    DivisionFactory.create()
    DivisionFactory.create(code=CHAOYANG, name_zh="朝阳区", name_en="Chaoyang District")
    soon = _card(10, name="李小龙")
    chaoyang = _card(40, insured_region=CHAOYANG, hukou_region=CHAOYANG)
    later = _card(200)
    client = client_for(AccountFactory.create())
    with django_assert_max_num_queries(25):
        page = client.get(PAGE)
    body = page.content.decode()
    assert page.status_code == 200
    assert soon.card_number in body
    assert chaoyang.card_number in body
    assert later.card_number not in body
    # the name and the ID number masked, the district by its name, days left
    assert soon.person.masked_name in body
    assert "李小龙" not in body
    assert soon.person.masked_id_number in body
    assert "西城区" in body
    assert "朝阳区" in body
    assert "110105" not in body.split('id="expiring-cards"')[1].split("</table>")[0]
    assert ">10<" in body
    assert 'id="expiring-notify"' in body
    # filtered by district
    only = client.get(PAGE, {"district": CHAOYANG}).content.decode()
    assert chaoyang.card_number in only
    assert soon.card_number not in only


def test_the_export_carries_the_pages_filter_and_masks(client_for):
    in_force("beijing-2024")
    soon = _card(10, name="李小龙")
    client = client_for(AccountFactory.create())
    response = client.get("/cards/expiring/export.csv", {"told": "false"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert soon.card_number in text
    assert soon.person.masked_id_number in text
    assert "李小龙" not in text
    assert "110102" in text  # the code in its own column, beside the name
    xlsx = client.get("/cards/expiring/export.xlsx")
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_button_tells_the_holders_once(client_for):
    in_force("beijing-2024")
    soon = _card(10)
    client = client_for(AccountFactory.create(district_officer=True))
    assert client.post("/cards/expiring/notify/").status_code == 302
    assert client.post("/cards/expiring/notify/").status_code == 302
    assert OutboxMessage.objects.filter(person_id=soon.person_id).count() == 1
    assert CardRenewalNotice.objects.filter(card=soon).count() == 1


def test_hr_sees_their_staff_without_the_button_and_cannot_press_it(client_for):
    in_force("beijing-2024")
    employer = EmployerFactory.create()
    staff = _card(10, employer=employer)
    other = _card(10)
    client = client_for(AccountFactory.create(employer_hr=True, employer=employer))
    body = client.get(PAGE).content.decode()
    assert staff.card_number in body
    assert other.card_number not in body
    assert 'id="expiring-notify"' not in body
    assert client.post("/cards/expiring/notify/").status_code == 403
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize("role", ["bank_clerk", "cardholder", "production_operator"])
def test_other_roles_are_refused(role, client_for):
    assert client_for(AccountFactory.of_role(role)).get(PAGE).status_code == 403


def test_the_holder_is_told_on_their_page_and_renews_online(client_for):
    in_force("beijing-2024")
    mine = _card(20, category="retiree")
    client = client_for(AccountFactory.create(cardholder=True, person=mine.person))
    body = client.get("/me/cards/").content.decode()
    until = mine.valid_until.isoformat()
    assert "data-renew" in body
    assert until in body
    assert f"/me/cards/{mine.pk}/renew/" in body
    assert client.post(f"/me/cards/{mine.pk}/renew/").status_code == 302
    application = Application.objects.get(person=mine.person)
    assert application.action == "renewal"
    # once applied for, the page no longer offers it
    assert "data-renew" not in client.get("/me/cards/").content.decode()


def test_a_staff_members_page_says_renew_at_a_counter_not_online(client_for):
    # Beijing staff renew at the partner bank outlets only (BJ-11): no online button
    in_force("beijing-2024")
    mine = _card(20, employer=EmployerFactory.create())
    client = client_for(AccountFactory.create(cardholder=True, person=mine.person))
    body = client.get("/me/cards/").content.decode()
    assert "data-renew" in body
    assert f"/me/cards/{mine.pk}/renew/" not in body
    client.post(f"/me/cards/{mine.pk}/renew/")
    assert not Application.objects.exists()


def test_a_card_far_from_its_end_shows_no_renewal(client_for):
    in_force("beijing-2024")
    mine = _card(300, category="retiree")
    client = client_for(AccountFactory.create(cardholder=True, person=mine.person))
    assert "data-renew" not in client.get("/me/cards/").content.decode()
    client.post(f"/me/cards/{mine.pk}/renew/")
    assert not Application.objects.exists()


def test_a_holder_whose_card_ran_out_is_told_it_expired_and_may_renew(client_for):
    in_force("beijing-2024")
    mine = _card(-3, category="retiree")
    client = client_for(AccountFactory.create(cardholder=True, person=mine.person))
    body = client.get("/me/cards/").content.decode()
    assert f"您的社保卡已于{mine.valid_until.isoformat()}到期" in body
    assert f"/me/cards/{mine.pk}/renew/" in body

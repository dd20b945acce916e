"""Who looked at my record (谁查看了我的信息): the holder's page and its API twin list each
clerk's lookup of their record by name — role, outlet, bank — with when, which parts and what
for; nobody sees anyone else's."""

from __future__ import annotations

import pytest
from django.test import Client

from sscard.applications.tests.support import branch
from sscard.portal.models import Account
from sscard.testing.api_client import ApiClient
from sscard.testing.factories import (
    CHAOYANG,
    AccountFactory,
    BankFactory,
    OutletFactory,
    PersonFactory,
    make_id_number,
)

pytestmark = pytest.mark.django_db

JSON = "application/json"


def _holder(n: int) -> tuple[Account, str]:
    number = make_id_number(n, region=CHAOYANG)
    person = PersonFactory.create(id_number=number)
    return AccountFactory.create(cardholder=True, person=person), number


def _looked_up(clerk: Client, number: str, *, serve: bool = False) -> None:
    if serve:
        answer = clerk.post(
            "/api/v1/outlets/counter/serve", {"id_number": number}, content_type=JSON
        )
    else:
        answer = clerk.post("/api/v1/persons/lookup", {"id_number": number}, content_type=JSON)
    assert answer.status_code == 200


def test_the_holder_sees_who_looked_at_their_record_by_name(client_for):
    # given a holder looked up by a bank clerk at the counter, then served at the card counter
    # of a community centre
    holder, number = _holder(601)
    bank = BankFactory.create(code="ICBC", name_zh="中国工商银行", name_en="ICBC")
    teller = AccountFactory.create(
        bank_clerk=True, outlet=OutletFactory.create(bank=bank, name="工商银行朝阳门支行")
    )
    centre = OutletFactory.create(community_centre=True, name="朝阳区第一社区事务受理中心")
    desk = AccountFactory.create(community_clerk=True, outlet=centre)
    _looked_up(client_for(teller), number)
    _looked_up(client_for(desk), number, serve=True)
    # when the holder opens their page and calls the API
    me = client_for(holder)
    page = me.get("/me/access/")
    listed = ApiClient(holder).get("/me/access-events").json()
    # then both lookups are there, newest first, with names and never the clerks' accounts
    assert page.status_code == 200
    text = page.content.decode()
    for name in ("工商银行朝阳门支行", "中国工商银行", "朝阳区第一社区事务受理中心"):
        assert name in text
    assert teller.user.username not in text
    assert desk.user.username not in text
    assert listed["count"] == 2
    newest, oldest = listed["items"]
    assert newest["role"] == "community_clerk"
    assert newest["outlet_name"] == "朝阳区第一社区事务受理中心"
    assert newest["bank_name"] == ""
    assert newest["purpose"] == "card_counter"
    assert newest["fields"] == ["id_number", "cards"]
    assert oldest["role"] == "bank_clerk"
    assert oldest["outlet_name"] == "工商银行朝阳门支行"
    assert oldest["bank_name"] == "中国工商银行"
    assert oldest["purpose"] == "counter_lookup"
    assert "birth_date" in oldest["fields"]
    assert oldest["at"] <= newest["at"]
    # and the labels are words in the reader's language (Chinese by default), not codes
    assert oldest["role_label"] == "银行柜员"
    assert oldest["purpose_label"] == "柜面查询"
    assert oldest["field_labels"][0] == "身份证件号码"
    for words in ("银行柜员", "柜面查询", "柜台发卡", "身份证件号码"):
        assert words in text
    assert "counter_lookup" not in text


def test_the_api_speaks_english_when_chosen(client_for, settings):
    holder, number = _holder(602)
    bank = BankFactory.create(code="CCB", name_zh="中国建设银行", name_en="China Construction Bank")
    teller = AccountFactory.create(bank_clerk=True, outlet=OutletFactory.create(bank=bank))
    _looked_up(client_for(teller), number)
    api = ApiClient(holder)
    api.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch
    english = api.get("/me/access-events").json()
    (event,) = english["items"]
    assert event["bank_name"] == "China Construction Bank"
    assert event["role_label"] == "Bank clerk"
    assert event["purpose_label"] == "Counter lookup"
    assert event["field_labels"][:2] == ["ID number", "Full name"]


def test_a_holder_sees_only_their_own_record_s_events(client_for):
    # given two holders, one of them looked up
    looked_at, number = _holder(603)
    other, _ = _holder(604)
    _looked_up(client_for(AccountFactory.create(bank_clerk=True, outlet=branch("ICBC"))), number)
    # then the other holder sees none of it, on the page or in the API
    assert ApiClient(looked_at).get("/me/access-events").json()["count"] == 1
    assert ApiClient(other).get("/me/access-events").json()["count"] == 0
    page = client_for(other).get("/me/access/").content.decode()
    assert 'class="empty"' in page


@pytest.mark.parametrize("role", ["bank_clerk", "city_officer", "district_officer", "employer_hr"])
def test_only_holders_have_the_page(role, client_for):
    account = AccountFactory.of_role(role)
    assert client_for(account).get("/me/access/").status_code == 403
    refused = ApiClient(account).get("/me/access-events")
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")


def test_the_page_and_api_read_a_bounded_number_of_queries(
    client_for, django_assert_max_num_queries
):
    # given a holder looked up at thirty outlets
    holder, number = _holder(605)
    for _ in range(30):
        _looked_up(client_for(AccountFactory.create(bank_clerk=True)), number)
    me = client_for(holder)
    api = ApiClient(holder)
    # then a page of them costs the same few queries however many outlets it names
    with django_assert_max_num_queries(8):
        page = me.get("/me/access/")
    assert page.content.decode().count("<tr>") == 1 + 25
    with django_assert_max_num_queries(8):
        listed = api.get("/me/access-events").json()
    assert listed["count"] == 30
    assert len(listed["items"]) == 30


def test_the_holder_s_record_and_home_link_to_the_page(client_for):
    holder, _ = _holder(606)
    me = client_for(holder)
    assert 'href="/me/access/"' in me.get("/me/").content.decode()
    assert 'href="/me/access/"' in me.get("/").content.decode()

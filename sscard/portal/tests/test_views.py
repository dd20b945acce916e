"""Portal pages: the home page of each role, language, sign-in and out, API tokens."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from sscard.core.actors import Role
from sscard.portal.models import ApiToken
from sscard.testing.factories import TEST_PASSWORD, AccountFactory

pytestmark = pytest.mark.django_db
ROLES = [r.value for r in Role if r is not Role.SYSTEM]


def test_visitor_home_is_chinese_and_speaks_to_each_role(client):
    # a browser that prefers English still gets Chinese until the user switches
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = response.content.decode()
    assert response.status_code == 200
    assert "社会保障卡服务平台" in page
    for audience in (
        "人社局经办人员",
        "单位经办人",
        "银行柜员",
        "社区事务受理中心经办人员",
        "制卡中心操作员",
        "持卡人及家长",
        "医院、药店等接口调用方",
    ):
        assert audience in page, audience
    assert 'href="/login/"' in page


def test_language_switch_turns_the_site_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    page = response.content.decode()
    assert "Social Security Card Service Platform" in page
    assert "What you can do here" in page
    back = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}, follow=True)
    assert "您可以在这里办理" in back.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_each_role_home_links_only_to_pages_that_open(role, client_for):
    account = AccountFactory.of_role(role)
    client = client_for(account)
    page = client.get("/").content.decode()
    links = set(re.findall(r'<a class="card" href="([^"]+)"', page))
    assert links, role
    for link in links:
        assert client.get(link).status_code == 200, (role, link)
    assert "退出登录" in page


def test_role_home_shows_the_role_badge_and_what_comes_later(employer_hr, client_for):
    page = client_for(employer_hr).get("/").content.decode()
    assert "单位经办人" in page
    assert "后续版本提供" in page
    assert f"/employers/{employer_hr.employer_id}/" in page


def test_sign_in_and_sign_out(client):
    account = AccountFactory.create(bank_clerk=True)
    response = client.post(
        "/login/", {"username": account.user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert "银行柜员" in client.get("/").content.decode()
    client.post("/logout/")
    assert 'href="/login/"' in client.get("/").content.decode()


def test_wrong_password_is_refused_on_the_page(client):
    account = AccountFactory.create()
    response = client.post("/login/", {"username": account.user.username, "password": "nope"})
    assert response.status_code == 200
    assert "notice error" in response.content.decode()


def test_token_page_issues_a_token_once_and_revokes_it(relying_party, client_for):
    client = client_for(relying_party)
    page = client.post("/tokens/", {"name": "门诊HIS"}).content.decode()
    token = ApiToken.objects.get()
    shown = re.search(r"sst_[A-Za-z0-9_-]+", page)
    assert shown is not None
    plaintext = shown.group(0)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 200
    # shown once: the list shows the prefix only
    assert plaintext not in client.get("/tokens/").content.decode()
    client.post(f"/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_token_of_another_user_cannot_be_revoked(relying_party, city_officer, client_for):
    client_for(relying_party).post("/tokens/", {"name": "x"})
    token = ApiToken.objects.get()
    response = client_for(AccountFactory.create(employer_hr=True)).post(
        f"/tokens/{token.pk}/revoke/"
    )
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_unknown_page_is_the_styled_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "社会保障卡服务平台" in response.content.decode()


def test_static_assets_are_served_locally(client):
    page = Client().get("/").content.decode()
    assert "/static/portal/vendor/htmx.min.js" in page
    assert "/static/portal/sscard.css" in page
    assert "http://" not in re.sub(r'href="http[^"]*"', "", page.split("<body")[0])


def test_the_header_marks_only_the_section_the_page_belongs_to(client_for, cardholder):
    # /me/cards/ lies under both "My record" (/me/) and "My cards": only the longer one is current
    page = client_for(cardholder).get("/me/cards/").content.decode()
    current = [line for line in page.splitlines() if 'aria-current="page"' in line]
    assert len(current) == 1
    assert 'href="/me/cards/"' in current[0]

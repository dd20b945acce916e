"""Guessing is bounded (issue 10, 4): failed sign-ins per account and per address, unknown API
tokens per address, each with a cool-off, in django-axes's tables on the real database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from sscard.core.actors import Actor
from sscard.portal.services import api_token_create
from sscard.testing.factories import TEST_PASSWORD, AccountFactory

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
LIMIT = 3
ATTACKER = "203.0.113.9"


def sign_in(client: Client, username: str, password: str, address: str, **extra: Any) -> Any:
    return client.post(
        reverse("portal:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **extra,
    )


def signed_in(response: Any) -> bool:
    return bool(response.status_code == 302 and "_auth_user_id" in response.client.session)


def cool_off_passes() -> None:
    """Given the failures happened a cool-off (and a minute) ago."""
    ago = timezone.now() - timedelta(minutes=settings.SSCARD_LOGIN_COOLOFF_MINUTES + 1)
    AccessAttempt.objects.update(attempt_time=ago)


# --- sign-in --------------------------------------------------------------------------------


def test_the_limits_come_from_the_settings() -> None:
    assert settings.SSCARD_LOGIN_FAILURE_LIMIT == 5
    assert settings.SSCARD_LOGIN_COOLOFF_MINUTES == 15
    assert get_cool_off() == timedelta(minutes=15)
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


@override_settings(SSCARD_LOGIN_FAILURE_LIMIT=1, SSCARD_LOGIN_COOLOFF_MINUTES=2)
def test_a_shorter_cool_off_in_the_settings_applies_to_the_count_and_the_page() -> None:
    AccountFactory.create(user__username="clerk-c")
    # given an account locked with a two-minute cool-off
    answer = sign_in(Client(), "clerk-c", "wrong", "198.51.100.3")
    assert answer.status_code == 429
    assert "2 分钟" in answer.content.decode()
    # when three minutes have passed (the default fifteen have not)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=3))
    # then the account signs in again
    assert signed_in(sign_in(Client(), "clerk-c", TEST_PASSWORD, "198.51.100.3"))


@override_settings(SSCARD_LOGIN_FAILURE_LIMIT=LIMIT)
def test_an_account_is_locked_after_the_limit_from_any_addresses_until_the_cool_off() -> None:
    account = AccountFactory.create(user__username="clerk-a")
    # given wrong passwords for one account, each from another address
    for n in range(LIMIT - 1):
        answer = sign_in(Client(), "clerk-a", f"wrong-{n}", f"198.51.100.{n + 1}")
        assert answer.status_code == 200  # the form again, with its error
    # when the limit is reached
    answer = sign_in(Client(), "clerk-a", "wrong-last", "198.51.100.50")
    # then the sign-in is refused with the lock-out page, in Chinese
    assert answer.status_code == 429
    assert "登录已暂停" in answer.content.decode()
    assert "15" in answer.content.decode()
    # and even the right password, from a fresh address, does not sign in
    answer = sign_in(Client(), "clerk-a", TEST_PASSWORD, "198.51.100.99")
    assert answer.status_code == 429
    assert not signed_in(answer)
    # while another account still signs in from the same addresses
    other = AccountFactory.create(user__username="clerk-b")
    assert signed_in(sign_in(Client(), other.user.username, TEST_PASSWORD, "198.51.100.1"))
    # and once the cool-off has passed the account signs in again
    cool_off_passes()
    assert signed_in(sign_in(Client(), account.user.username, TEST_PASSWORD, "198.51.100.99"))


@override_settings(SSCARD_LOGIN_FAILURE_LIMIT=LIMIT)
def test_an_address_is_locked_after_the_limit_across_accounts_until_the_cool_off() -> None:
    AccountFactory.create(user__username="officer-z")
    # given one address trying a different account each time (even ones that do not exist)
    for n in range(LIMIT):
        answer = sign_in(Client(), f"guess-{n}", "password-guess", ATTACKER)
    assert answer.status_code == 429
    # then a real account's right password is refused from that address
    assert sign_in(Client(), "officer-z", TEST_PASSWORD, ATTACKER).status_code == 429
    # but signs in from another address
    assert signed_in(sign_in(Client(), "officer-z", TEST_PASSWORD, "192.0.2.7"))
    # and from the throttled address once the cool-off has passed
    cool_off_passes()
    assert signed_in(sign_in(Client(), "officer-z", TEST_PASSWORD, ATTACKER))


@override_settings(SSCARD_LOGIN_FAILURE_LIMIT=1)
def test_the_lock_out_page_speaks_the_readers_language() -> None:
    # given a reader who chose English with the page's switch
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    answer = sign_in(client, "someone", "wrong", ATTACKER)
    assert answer.status_code == 429
    text = answer.content.decode()
    assert "Sign-in paused" in text
    assert "Try again in 15 minutes" in text
    assert "Account locked" not in text  # not django-axes's own message


# --- API tokens -----------------------------------------------------------------------------


def me(client: Client, token: str, address: str) -> Any:
    return client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR=address)


@override_settings(SSCARD_TOKEN_FAILURE_LIMIT=LIMIT)
def test_unknown_tokens_from_one_address_are_throttled_until_the_cool_off(client: Client) -> None:
    account = AccountFactory.create(api_client=True)
    _issued, token = api_token_create(actor=SYSTEM, account=account, name="terminal")
    # given unknown tokens from one address, short of the limit: each refused as unknown
    for n in range(LIMIT - 1):
        answer = me(client, f"sst_guess-{n}", ATTACKER)
        assert (answer.status_code, answer.json()["code"]) == (401, "authentication_required")
    # when the limit is reached
    answer = me(client, "sst_guess-last", ATTACKER)
    # then the answer is 429 with its code, in both languages
    assert answer.status_code == 429
    body = answer.json()
    assert body["code"] == "token_attempts_throttled"
    assert body["message_zh"]
    assert body["message_en"]
    # and even a valid token is refused from that address, so a lucky guess tells nothing
    answer = me(client, token, ATTACKER)
    assert (answer.status_code, answer.json()["code"]) == (429, "token_attempts_throttled")
    # while the same token works from another address
    assert me(client, token, "192.0.2.7").status_code == 200
    # and from the throttled address once the cool-off has passed
    cool_off_passes()
    assert me(client, token, ATTACKER).status_code == 200


@override_settings(SSCARD_TOKEN_FAILURE_LIMIT=LIMIT)
def test_valid_tokens_do_not_count_and_other_addresses_are_not_affected(client: Client) -> None:
    account = AccountFactory.create(api_client=True)
    _issued, token = api_token_create(actor=SYSTEM, account=account, name="terminal")
    # given many calls with a valid token, and an address that guessed to the limit
    for _ in range(LIMIT * 2):
        assert me(client, token, "192.0.2.8").status_code == 200
    for n in range(LIMIT):
        me(client, f"sst_guess-{n}", ATTACKER)
    # then the valid caller is still served, and one unknown token from it is only unknown
    assert me(client, token, "192.0.2.8").status_code == 200
    assert me(client, "sst_typo", "192.0.2.8").status_code == 401


def test_the_token_limit_is_its_own_setting() -> None:
    assert settings.SSCARD_TOKEN_FAILURE_LIMIT == 20


# --- passwords and sessions -----------------------------------------------------------------


def test_the_session_ends_with_the_working_day_and_the_browser() -> None:
    assert settings.SESSION_COOKIE_AGE == 10 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"


def test_a_signed_in_session_cookie_expires_with_the_browser_and_is_http_only() -> None:
    AccountFactory.create(user__username="clerk-s")
    answer = sign_in(Client(), "clerk-s", TEST_PASSWORD, "192.0.2.9")
    cookie = answer.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["expires"] == ""  # a browser-session cookie: gone when the browser closes
    assert cookie["max-age"] == ""
    # and the server forgets it after the working day
    session = answer.client.session
    assert session.get_expiry_age() == 10 * 3600

"""pytest fixtures shared by every app's tests: one signed-in account per role, and clients;
and the UI's default language at the start of every test.

Registered through ``pytest_plugins`` in the repository's root ``conftest.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from sscard.portal.models import Account
from sscard.testing.factories import AccountFactory

ClientFor = Callable[[Account], Client]


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in the UI's default language (Chinese). A request through the test
    client activates its language on the worker's thread and leaves it there (as Django does
    for a server thread): without this, a test that reads Chinese failed after an English page
    had run on the same worker (``test_export_tables`` in CI on 2026-12-03)."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def client_for(db: None) -> ClientFor:
    """A fresh test client signed in as the given account."""

    def make(account: Account) -> Client:
        client = Client()
        client.force_login(account.user)
        return client

    return make


@pytest.fixture
def city_officer(db: None) -> Account:
    return AccountFactory.create()


@pytest.fixture
def district_officer(db: None) -> Account:
    return AccountFactory.create(district_officer=True)


@pytest.fixture
def employer_hr(db: None) -> Account:
    return AccountFactory.create(employer_hr=True)


@pytest.fixture
def bank_clerk(db: None) -> Account:
    return AccountFactory.create(bank_clerk=True)


@pytest.fixture
def community_clerk(db: None) -> Account:
    return AccountFactory.create(community_clerk=True)


@pytest.fixture
def production_operator(db: None) -> Account:
    return AccountFactory.create(production_operator=True)


@pytest.fixture
def cardholder(db: None) -> Account:
    return AccountFactory.create(cardholder=True)


@pytest.fixture
def relying_party(db: None) -> Account:
    return AccountFactory.create(api_client=True)

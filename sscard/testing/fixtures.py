"""pytest fixtures shared by every app's tests: one signed-in account per role, and clients.

Registered through ``pytest_plugins`` in the repository's root ``conftest.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from sscard.portal.models import Account
from sscard.testing.factories import AccountFactory

ClientFor = Callable[[Account], Client]


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

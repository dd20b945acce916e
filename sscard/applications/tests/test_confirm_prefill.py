"""The confirmation page starts from what the registry knows of the staff member — their phone
and address — and, once they confirmed, from what they confirmed (issue 12, point 8)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sscard.applications.models import RosterEntry
from sscard.applications.tests.support import in_force, notified_collective
from sscard.core.clock import today
from sscard.registry.models import Person
from sscard.testing.factories import AccountFactory, EmployerFactory, PersonFactory

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
ADDRESS = "北京市西城区登记街5号"


def _value(page: str, name: str) -> str | None:
    """The value a form field starts with (``None`` when the field has none)."""
    tag = re.search(rf"<input[^>]*name=\"{name}\"[^>]*>", page)
    assert tag is not None, f"no field {name}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


def _confirmation(client_for: Any, person: Person) -> tuple[Any, RosterEntry, str]:
    entry = RosterEntry.objects.get(person=person)
    me = client_for(AccountFactory.create(cardholder=True, person=person))
    return me, entry, f"/applications/mine/confirm/{entry.pk}/"


def test_the_form_is_prefilled_from_the_registry(client_for):
    in_force("beijing-2024")
    employer = EmployerFactory.create()
    person = PersonFactory.create(employer=employer, phone=PHONE, address=ADDRESS)
    notified_collective(employer, day=today())
    me, _entry, url = _confirmation(client_for, person)

    page = me.get(url).content.decode()

    assert _value(page, "phone") == PHONE
    assert _value(page, "mailing_address") == ADDRESS


def test_a_person_without_a_phone_on_record_gets_an_empty_field(client_for):
    in_force("beijing-2024")
    employer = EmployerFactory.create()
    person = PersonFactory.create(employer=employer, phone="", address="")
    notified_collective(employer, day=today())
    me, _entry, url = _confirmation(client_for, person)

    page = me.get(url).content.decode()

    assert not _value(page, "phone")
    assert not _value(page, "mailing_address")


def test_what_the_person_confirmed_wins_over_the_registry(client_for):
    in_force("beijing-2024")
    employer = EmployerFactory.create()
    person = PersonFactory.create(employer=employer, phone=PHONE, address=ADDRESS)
    notified_collective(employer, day=today(), pickup="post")  # the address is kept for the post
    me, _entry, url = _confirmation(client_for, person)
    done = me.post(
        url,
        {"phone": "13700001111", "photo_source": "id_card", "mailing_address": "新地址1号"},
    )
    assert done.status_code == 302, done.content.decode()

    page = me.get(url).content.decode()

    assert _value(page, "phone") == "13700001111"
    assert _value(page, "mailing_address") == "新地址1号"


def test_another_holder_cannot_open_the_form(client_for):
    in_force("beijing-2024")
    employer = EmployerFactory.create()
    person = PersonFactory.create(employer=employer, phone=PHONE)
    notified_collective(employer, day=today())
    _me, entry, url = _confirmation(client_for, person)
    stranger = client_for(AccountFactory.create(cardholder=True, person=PersonFactory.create()))

    response = stranger.get(url)

    assert response.status_code == 404
    assert PHONE not in response.content.decode()
    assert entry.person_id == person.pk

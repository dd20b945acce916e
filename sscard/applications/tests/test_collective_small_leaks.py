"""Collective answers name the employer; a repeated confirmation is one event (issue 10)."""

from __future__ import annotations

from typing import Any

import pytest

from sscard.applications.services import roster_confirm
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    beijing_unit,
    branch,
    holder,
    in_force,
    notified_collective,
    written,
)
from sscard.core.models import AuditEvent
from sscard.testing.factories import AccountFactory, PersonFactory

pytestmark = pytest.mark.django_db
DAY = BJ_PILOT_DAY.isoformat()


def _names(answer: Any) -> list[str]:
    """Every ``employer_name`` anywhere in a JSON answer."""
    if isinstance(answer, dict):
        found = [answer["employer_name"]] if "employer_name" in answer else []
        return found + [n for v in answer.values() for n in _names(v)]
    if isinstance(answer, list):
        return [n for v in answer for n in _names(v)]
    return []


def test_every_collective_answer_names_the_employer(employer_hr, client_for) -> None:  # type: ignore[no-untyped-def]
    # given an HR officer walking the four steps through the API
    in_force("beijing-2024")
    employer = employer_hr.employer
    person = PersonFactory.create(employer=employer)
    hr = client_for(employer_hr)
    opened = hr.post("/api/v1/collectives", {"day": DAY}, content_type="application/json")
    cid = opened.json()["id"]
    answers = [
        opened,
        hr.post(
            f"/api/v1/collectives/{cid}/arrange",
            {"day": DAY, "pickup": "branch", "outlet_id": branch("ICBC").pk},
            content_type="application/json",
        ),
    ]
    added = hr.post(
        f"/api/v1/collectives/{cid}/roster", {"day": DAY}, content_type="application/json"
    )
    assert added.json()["added"] == 1
    answers += [
        hr.post(f"/api/v1/collectives/{cid}/notify"),
        hr.get("/api/v1/collectives"),
        hr.get(f"/api/v1/collectives/{cid}"),
    ]
    me = client_for(AccountFactory.create(cardholder=True, person=person))
    answers.append(me.get("/api/v1/invitations"))
    [invitation] = answers[-1].json()
    answers.append(
        me.post(
            f"/api/v1/invitations/{invitation['id']}/confirm",
            {"day": DAY, "phone": "13700001111", "photo_source": "id_card"},
            content_type="application/json",
        )
    )
    answers.append(
        hr.post(f"/api/v1/collectives/{cid}/submit", {"day": DAY}, content_type="application/json")
    )
    # then each answer that speaks of the collective application carries the employer's name
    for answer in answers:
        assert answer.status_code in (200, 201), answer.json()
        assert _names(answer.json()) != [], answer.json()
        assert set(_names(answer.json())) == {employer.name}


def test_a_repeated_identical_confirmation_writes_one_audit_event() -> None:
    # given an invited staff member who has confirmed
    in_force("beijing-2024")
    employer, staff = beijing_unit(1)
    collective = notified_collective(employer)
    entry = collective.roster.get()

    def confirm(phone: str = "13800138000") -> None:
        roster_confirm(
            actor=holder(staff[0]),
            entry_id=entry.pk,
            day=BJ_PILOT_DAY,
            phone=phone,
            photo_source="id_card",
        )

    confirm()
    events = AuditEvent.objects.count()
    before = written()
    entry.refresh_from_db()
    confirmed_at = entry.confirmed_at
    # when the same confirmation arrives again
    confirm()
    # then nothing changes and nothing is written
    entry.refresh_from_db()
    assert (AuditEvent.objects.count(), written(), entry.confirmed_at) == (
        events,
        before,
        confirmed_at,
    )
    # while a confirmation that changes something is recorded
    confirm(phone="13900139000")
    assert AuditEvent.objects.count() == events + 1

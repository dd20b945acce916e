"""The mass-action pages: the officer previews a selection (masked rows, nothing written),
proposes it, a second officer approves it on the approval page, and the action's page shows
its progress; another district's cards are refused on the form; other roles get no page."""

from __future__ import annotations

import pytest

from sscard.cards.models import Card, MassAction
from sscard.cards.tests.support import card, person
from sscard.core.models import Approval
from sscard.testing.factories import CHAOYANG, AccountFactory

pytestmark = pytest.mark.django_db


def _form(numbers: str, step: str, **extra: str) -> dict[str, str]:
    return {"action": "block", "selection": "list", "value": numbers, "step": step, **extra}


def test_preview_propose_approve_and_follow_the_progress(
    district_officer, client_for, django_capture_on_commit_callbacks
):
    cards = [card(person()) for _ in range(3)]
    numbers = "\n".join(c.card_number for c in cards)
    maker = client_for(district_officer)
    listing = maker.get("/cards/mass-actions/")
    assert listing.status_code == 200
    assert "/cards/mass-actions/new/" in listing.content.decode()
    # the preview shows the count and masked names, and writes nothing
    preview = maker.post("/cards/mass-actions/new/", _form(numbers, "preview"))
    text = preview.content.decode()
    assert preview.status_code == 200
    assert 'id="mass-preview"' in text
    assert cards[0].card_number in text
    assert cards[0].person.name not in text
    assert not MassAction.objects.exists()
    # proposing needs a reason
    missing = maker.post("/cards/mass-actions/new/", _form(numbers, "propose"))
    assert missing.status_code == 422
    assert not MassAction.objects.exists()
    done = maker.post("/cards/mass-actions/new/", _form(numbers, "propose", reason="批量冻结"))
    action = MassAction.objects.get()
    assert done.status_code == 302
    assert done["Location"] == f"/cards/mass-actions/{action.pk}/"
    # a second officer approves it on the approval page
    checker = client_for(AccountFactory.create(district_officer=True))
    with django_capture_on_commit_callbacks(execute=True):
        checker.post(f"/approvals/{action.approval_id}/", {"action": "approve", "note": ""})
    assert Approval.objects.get(pk=action.approval_id or 0).state == "applied"
    assert Card.objects.filter(block="formal").count() == 3
    page = maker.get(f"/cards/mass-actions/{action.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="mass-done">3<' in body
    assert "hx-trigger" not in body  # applied: no more polling


def test_another_district_s_cards_are_refused_on_the_form(district_officer, client_for):
    theirs = card(person(insured_region=CHAOYANG, hukou_region=CHAOYANG))
    maker = client_for(district_officer)
    answer = maker.post(
        "/cards/mass-actions/new/", _form(theirs.card_number, "propose", reason="x")
    )
    assert answer.status_code == 403
    assert "mass-preview" not in answer.content.decode()
    assert not MassAction.objects.exists()


def test_a_clerk_gets_no_mass_action_page(client_for):
    clerk = client_for(AccountFactory.create(bank_clerk=True))
    assert clerk.get("/cards/mass-actions/").status_code == 403
    assert clerk.get("/cards/mass-actions/new/").status_code == 403

"""A recorded death or departure is undone only with a second officer's approval; the cards it
cancelled stay cancelled."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sscard.cards.models import Card
from sscard.cards.services.departure import departure_record, departure_reversal_propose
from sscard.cards.tests.support import TODAY, card, person
from sscard.core.actors import Actor, Role
from sscard.core.approvals import approval_decide, approval_describe
from sscard.core.errors import ApplicationError
from sscard.core.models import Approval, AuditEvent
from sscard.registry.models import Departure, Person
from sscard.testing.factories import CHAOYANG, XICHENG

pytestmark = pytest.mark.django_db

MAKER = Actor(role=Role.CITY_OFFICER, label="maker", user_id=911, city_code="110000")
CHECKER = Actor(role=Role.DISTRICT_OFFICER, label="checker", user_id=912, district_code=XICHENG)
STRANGER = Actor(role=Role.DISTRICT_OFFICER, label="stranger", user_id=913, district_code=CHAOYANG)


def _departed() -> tuple[Person, Card]:
    holder = person(name="李建国")
    c = card(holder, ss_function="enabled")
    departure_record(
        actor=MAKER,
        person=holder,
        kind="death",
        on=TODAY - timedelta(days=1),
        reference="SW-1",
        today=TODAY,
    )
    holder.refresh_from_db()
    return holder, c


def test_an_approved_reversal_makes_the_person_present_and_keeps_the_card_cancelled():
    # given a person recorded dead in error
    holder, c = _departed()
    # when one officer proposes the reversal and another approves it
    proposal = departure_reversal_propose(
        actor=MAKER, person=holder, reason="民政部门更正：登记错误", evidence="函 2024-17"
    )
    holder.refresh_from_db()
    assert holder.departed_on is not None  # nothing applied by the proposal alone
    assert "李*" in approval_describe(proposal)
    assert "李建国" not in approval_describe(proposal)
    decided = approval_decide(actor=CHECKER, approval_id=proposal.pk, approve=True)
    # then the person is present again, the record kept and marked reversed ...
    assert decided.state == Approval.State.APPLIED
    assert decided.result["cards_revived"] == 0
    holder.refresh_from_db()
    assert holder.departed_on is None
    assert holder.departure_kind == ""
    departure = Departure.objects.get(person=holder)
    assert departure.reversed_at is not None
    assert (departure.reversed_by, departure.reversal_approval_id) == ("checker", proposal.pk)
    assert AuditEvent.objects.filter(action="departure_reverse", object_id=str(holder.pk)).exists()
    # ... and the cancelled card stays cancelled: the person applies for a new one
    c.refresh_from_db()
    assert c.ss_function == "cancelled"
    # ... and a new departure may be recorded later
    departure_record(
        actor=MAKER, person=holder, kind="emigration", on=TODAY, reference="EM-1", today=TODAY
    )
    assert Departure.objects.filter(person=holder, reversed_at__isnull=True).count() == 1


def test_the_maker_cannot_approve_their_own_reversal():
    holder, _card = _departed()
    proposal = departure_reversal_propose(actor=MAKER, person=holder, reason="错误")
    with pytest.raises(ApplicationError) as refused:
        approval_decide(actor=MAKER, approval_id=proposal.pk, approve=True)
    assert refused.value.code == "approval_own_change"
    holder.refresh_from_db()
    assert holder.departed_on is not None


def test_a_reversal_for_a_person_present_or_of_another_district_is_refused():
    holder = person()
    with pytest.raises(ApplicationError) as refused:
        departure_reversal_propose(actor=MAKER, person=holder, reason="x")
    assert refused.value.code == "departure_not_recorded"
    departed, _card = _departed()
    with pytest.raises(ApplicationError) as other:
        departure_reversal_propose(actor=STRANGER, person=departed, reason="x")
    assert other.value.code == "departure_other_district"
    with pytest.raises(ApplicationError) as no_reason:
        departure_reversal_propose(actor=MAKER, person=departed, reason=" ")
    assert no_reason.value.code == "approval_reason_required"
    assert not Approval.objects.exists()


def test_a_second_proposal_while_one_is_pending_is_refused():
    holder, _card = _departed()
    departure_reversal_propose(actor=MAKER, person=holder, reason="错误")
    with pytest.raises(ApplicationError) as refused:
        departure_reversal_propose(actor=CHECKER, person=holder, reason="错误")
    assert refused.value.code == "approval_already_pending"

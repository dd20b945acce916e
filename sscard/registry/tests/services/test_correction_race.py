"""A name correction approved at the very moment the clerk hands the holder's card over: both
succeed, whichever commits first, and the card handed over is flagged for reissue with the
holder told once.

The correction locks the person's current cards (no key update) before the audit chain, then
writes the person and a flag row per card; the hand-over locks and writes the card, then
appends to the audit chain. Either waits for the other's commit, neither is refused, and the
cards flagged are the person's current cards either way (a card at the outlet and a card
handed over are both current). Without the early card lock the flag's foreign-key check,
deferred by PostgreSQL to the commit, deadlocked with the hand-over's wait for the chain."""

from __future__ import annotations

import pytest

from sscard.applications.tests.support import BJ_PILOT_DAY
from sscard.cards.models import Card, CardReissueFlag
from sscard.cards.tests.scenarios import beijing_pilot_unit
from sscard.core.actors import Actor, Role
from sscard.core.approvals import approval_decide
from sscard.core.models import Approval
from sscard.delivery.services import outlet_receive
from sscard.delivery.services.handover import card_hand_over
from sscard.notifications.models import OutboxMessage
from sscard.registry.corrections import person_correct
from sscard.testing.card_life import card_of, clerk_of, dispatch, id_number_of, produce
from sscard.testing.races import race

pytestmark = [
    pytest.mark.postgres(reason="needs PostgreSQL: two connections racing on row locks"),
    pytest.mark.django_db(transaction=True),
]

MAKER = Actor(role=Role.CITY_OFFICER, label="maker", user_id=931, city_code="110000")
CHECKER = Actor(role=Role.CITY_OFFICER, label="checker", user_id=932, city_code="110000")
ROUNDS = 4


def _race(clerk: Actor, card: Card, id_number: str, approval_id: int) -> dict[str, str]:
    """Hand ``card`` over and approve ``approval_id`` at the same moment; how each ended."""

    def hand_over() -> str:
        card_hand_over(actor=clerk, card=card, id_number=id_number)
        return "ok"

    def approve() -> str:
        approval_decide(actor=CHECKER, approval_id=approval_id, approve=True)
        return "ok"

    return race({"hand_over": hand_over, "correction": approve})


def test_a_name_correction_racing_a_hand_over_both_succeed_and_the_card_is_flagged():
    # given cards waiting at the outlet, and a name correction proposed for each holder
    unit = beijing_pilot_unit(size=ROUNDS)
    dispatch(produce(day=BJ_PILOT_DAY))
    clerk = clerk_of(unit.outlet)
    outlet_receive(actor=clerk)
    for application in unit.applications:
        c = card_of(application)
        holder = c.person
        done = person_correct(
            actor=MAKER,
            person=holder,
            changes={"name": holder.name[:1] + "更名"},
            reason="公安部门姓名变更",
            evidence="户籍证明",
        )
        assert done.approval is not None
        approval = done.approval
        # when the checker approves the correction while the clerk hands the card over
        outcomes = _race(clerk, c, id_number_of(holder), done.approval.pk)
        # then both succeed ...
        assert outcomes == {"hand_over": "ok", "correction": "ok"}, outcomes
        c.refresh_from_db()
        holder.refresh_from_db()
        assert c.stage == "handed_over"
        assert holder.name.endswith("更名")
        assert Approval.objects.get(pk=approval.pk).state == Approval.State.APPLIED
        # ... and the card handed over is flagged for reissue, the holder told once
        assert CardReissueFlag.objects.filter(card=c, fields=["name"]).count() == 1
        told = OutboxMessage.objects.filter(
            person_id=holder.pk, template_key="reissue_after_correction"
        ).count()
        assert told == (1 if holder.phone_enc else 0)

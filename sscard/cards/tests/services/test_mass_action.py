"""Mass actions on cards: prepared by one officer (a preview, nothing written), approved by
another, applied in chunks with one audit event per card; cards of another district, the
maker's own approval and bad selections are refused with nothing written."""

from __future__ import annotations

import pytest
from django.test import override_settings

from sscard.applications.tests.support import BJ_PILOT_DAY
from sscard.cards.choices import CardBlock, MassActionState, SocialSecurityFunction
from sscard.cards.models import Card, CardCertificate, MassAction, MassActionCard
from sscard.cards.services import card_challenge_answer, card_challenge_issue
from sscard.cards.services.mass import (
    mass_action_apply,
    mass_action_counts,
    mass_action_prepare,
    mass_action_propose,
    mass_action_step,
)
from sscard.cards.tests.scenarios import beijing_pilot_unit, hospital
from sscard.cards.tests.support import card, person
from sscard.core.actors import Actor, Role
from sscard.core.approvals import approval_decide
from sscard.core.errors import ApplicationError
from sscard.core.models import Approval, AuditEvent, BackgroundJob
from sscard.production.models import Batch, FactoryExport
from sscard.production.virtual_card import VirtualCard
from sscard.testing.card_life import card_of, produce
from sscard.testing.factories import CHAOYANG, XICHENG, EmployerFactory

pytestmark = pytest.mark.django_db

CITY = "110000"
MAKER = Actor(role=Role.CITY_OFFICER, label="maker", user_id=1, city_code=CITY)
CHECKER = Actor(role=Role.CITY_OFFICER, label="checker", user_id=2, city_code=CITY)
XICHENG_OFFICER = Actor(
    role=Role.DISTRICT_OFFICER, label="xicheng", user_id=3, city_code=CITY, district_code=XICHENG
)
XICHENG_CHECKER = Actor(
    role=Role.DISTRICT_OFFICER, label="xicheng2", user_id=4, city_code=CITY, district_code=XICHENG
)


def _cards(n: int, district: str = XICHENG, **kwargs: object) -> list[Card]:
    return [
        card(person(insured_region=district, hukou_region=district), **kwargs) for _ in range(n)
    ]


def _numbers(cards: list[Card]) -> str:
    return "\n".join(c.card_number for c in cards)


def _written() -> tuple[int, int, int]:
    return MassAction.objects.count(), MassActionCard.objects.count(), Approval.objects.count()


def _refused(code: str, call, **kwargs):  # type: ignore[no-untyped-def]
    before = _written()
    with pytest.raises(ApplicationError) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value.details
    assert _written() == before
    return caught.value


def _approve(action: MassAction, checker: Actor, capture) -> Approval:  # type: ignore[no-untyped-def]
    assert action.approval_id is not None
    with capture(execute=True):
        return approval_decide(actor=checker, approval_id=action.approval_id, approve=True)


def test_prepare_previews_the_count_and_masked_rows_and_writes_nothing():
    cards = _cards(3)
    cards += _cards(1, ss_function="cancelled")
    preview = mass_action_prepare(
        actor=XICHENG_OFFICER, kind="cancel", selection="list", value=_numbers(cards)
    )
    assert (preview.count, preview.already) == (4, 1)
    assert preview.district_code == XICHENG
    assert sorted(r.card_number for r in preview.rows) == sorted(c.card_number for c in cards)
    for row, found in zip(
        sorted(preview.rows, key=lambda r: r.card_number),
        sorted(cards, key=lambda c: c.card_number),
        strict=True,
    ):
        assert row.holder.startswith(found.person.name[0])
        assert "*" in row.holder
        assert row.holder != found.person.name
        assert "*" in row.id_number
    assert _written() == (0, 0, 0)


def test_a_district_officer_cannot_take_another_district_s_cards():
    mine = _cards(2)
    theirs = _cards(1, district=CHAOYANG)
    error = _refused(
        "mass_action_out_of_scope",
        mass_action_propose,
        actor=XICHENG_OFFICER,
        kind="block",
        selection="list",
        value=_numbers(mine + theirs),
        reason="批量挂失",
    )
    assert error.details["outside"] == 1
    assert "1" in error.message_zh
    assert Card.objects.filter(block=CardBlock.FORMAL).count() == 0


def test_bad_selections_and_actions_are_refused_with_nothing_written():
    cards = _cards(2)
    base = {"actor": MAKER, "reason": "批量处理", "selection": "list", "kind": "cancel"}
    _refused("mass_action_unknown", mass_action_propose, **{**base, "kind": "burn"}, value="x")
    _refused("mass_selection_invalid", mass_action_propose, **base, value="not-a-number")
    _refused(
        "mass_selection_invalid", mass_action_propose, **{**base, "selection": "zip"}, value="1"
    )
    _refused(
        "mass_selection_invalid", mass_action_propose, **{**base, "selection": "batch"}, value="x"
    )
    unknown = "A99999999"[:8]
    from sscard.kernel.cardcodes import card_number_check

    error = _refused(
        "mass_selection_invalid",
        mass_action_propose,
        **base,
        value=_numbers(cards) + "\n" + unknown + card_number_check(unknown),
    )
    assert error.details["unknown"] == 1
    _refused(
        "mass_selection_empty",
        mass_action_propose,
        **{**base, "selection": "employer"},
        value="91110000000000000X",
    )
    _refused(
        "mass_revocation_reason_invalid",
        mass_action_propose,
        **{**base, "kind": "revoke"},
        value=_numbers(cards),
    )
    _refused(
        "approval_reason_required",
        mass_action_propose,
        **{**base, "reason": " "},
        value=_numbers(cards),
    )
    clerk = Actor(role=Role.BANK_CLERK, label="clerk", outlet_id=1)
    _refused(
        "permission_denied", mass_action_propose, **{**base, "actor": clerk}, value=_numbers(cards)
    )


def test_the_maker_cannot_approve_their_own_mass_action(django_capture_on_commit_callbacks):
    cards = _cards(2)
    action = mass_action_propose(
        actor=MAKER, kind="cancel", selection="list", value=_numbers(cards), reason="卡片作废"
    )
    with pytest.raises(ApplicationError) as caught:
        _approve(action, MAKER, django_capture_on_commit_callbacks)
    assert caught.value.code == "approval_own_change"
    action.refresh_from_db()
    assert action.state == MassActionState.PROPOSED
    assert not Card.objects.filter(ss_function="cancelled").exists()
    assert not BackgroundJob.objects.exists()


def test_an_approved_cancel_applies_to_every_card_once_audited_per_card(
    django_capture_on_commit_callbacks,
):
    fresh = _cards(3)
    done_before = _cards(1, ss_function="cancelled")
    action = mass_action_propose(
        actor=XICHENG_OFFICER,
        kind="cancel",
        selection="list",
        value=_numbers(fresh + done_before),
        reason="制卡批次数据泄露，整批作废",
    )
    assert action.card_count == 4
    # nothing happens before the approval
    assert Card.objects.filter(ss_function="cancelled").count() == 1
    approval = _approve(action, XICHENG_CHECKER, django_capture_on_commit_callbacks)
    assert approval.state == Approval.State.APPLIED
    assert approval.result["cards"] == 4
    action.refresh_from_db()
    assert action.state == MassActionState.APPLIED
    assert mass_action_counts(action.pk) == {"done": 3, "skipped": 1, "refused": 0, "pending": 0}
    assert Card.objects.filter(ss_function="cancelled").count() == 4
    job = BackgroundJob.objects.get(pk=action.job_id or 0)
    assert job.status == BackgroundJob.Status.SUCCEEDED
    assert job.result["done"] == 3
    assert job.actor_label == "xicheng2"
    events = AuditEvent.objects.filter(action="card_cancel")
    assert sorted(events.values_list("object_id", flat=True)) == sorted(str(c.pk) for c in fresh)
    assert all(e.changes["mass_action"] == action.pk for e in events)
    # verification now answers cancelled
    from sscard.cards.status import card_status

    statuses = {
        str(card_status(c, today=BJ_PILOT_DAY))
        for c in Card.objects.filter(pk__in=[c.pk for c in fresh])
    }
    assert statuses == {"cancelled"}


@override_settings(SSCARD_MASS_CHUNK=2)
def test_apply_goes_in_chunks_and_a_resume_does_no_card_twice(django_capture_on_commit_callbacks):
    cards = _cards(5)
    action = mass_action_propose(
        actor=MAKER, kind="block", selection="list", value=_numbers(cards), reason="批量冻结"
    )
    # approved, but its job not run yet (as when the server is killed before it starts)
    with django_capture_on_commit_callbacks(execute=False):
        approval_decide(actor=CHECKER, approval_id=action.approval_id or 0, approve=True)
    action.refresh_from_db()
    # one chunk done
    assert mass_action_step(action=action, actor=CHECKER, size=2, today=BJ_PILOT_DAY) == 2
    assert mass_action_counts(action.pk)["pending"] == 3
    # the rest by the resumed apply
    counts = mass_action_apply(action_id=action.pk, actor=CHECKER)
    assert counts == {"done": 5, "skipped": 0, "refused": 0, "pending": 0}
    assert Card.objects.filter(block=CardBlock.FORMAL).count() == 5
    per_card = AuditEvent.objects.filter(action="card_block").values_list("object_id", flat=True)
    assert sorted(per_card) == sorted(str(c.pk) for c in cards)
    # a second apply finds nothing to do
    assert mass_action_apply(action_id=action.pk, actor=CHECKER)["done"] == 5
    assert AuditEvent.objects.filter(action="card_block").count() == 5


def test_a_mass_revocation_by_batch_refuses_the_cards_challenge(django_capture_on_commit_callbacks):
    unit = beijing_pilot_unit(size=2)
    produce(day=BJ_PILOT_DAY)
    made = [card_of(a) for a in unit.applications]
    batch = Batch.objects.get(entries__card=made[0])
    action = mass_action_propose(
        actor=MAKER,
        kind="revoke",
        selection="batch",
        value=str(batch.pk),
        reason="芯片批次密钥泄露",
        revocation_reason="key_compromise",
    )
    assert action.card_count == 2
    _approve(action, CHECKER, django_capture_on_commit_callbacks)
    assert CardCertificate.objects.filter(revoked_at__isnull=False).count() == 2
    assert set(CardCertificate.objects.values_list("revocation_reason", flat=True)) == {
        "key_compromise"
    }
    party = hospital()
    issued = card_challenge_issue(actor=party, card_number=made[0].card_number)
    assert issued.code
    assert issued.nonce
    outcome = card_challenge_answer(
        actor=party, code=issued.code, signature=VirtualCard(made[0]).answer(issued.nonce)
    )
    assert (outcome.authenticated, outcome.reason) == (False, "certificate_revoked")
    # the same selection by its card-factory file finds the same cards
    export = FactoryExport.objects.get(batch=batch)
    preview = mass_action_prepare(actor=MAKER, kind="block", selection="lot", value=str(export.pk))
    assert preview.count == 2


def test_enable_takes_a_visited_employer_s_handed_over_cards(django_capture_on_commit_callbacks):
    employer = EmployerFactory.create()
    staff = [person(employer=employer) for _ in range(3)]
    cards = [card(p) for p in staff]
    enabled = card(person(employer=employer), ss_function="enabled")
    action = mass_action_propose(
        actor=MAKER,
        kind="enable",
        selection="employer",
        value=employer.credit_code,
        reason="单位现场服务后批量启用",
    )
    assert action.card_count == 4
    _approve(action, CHECKER, django_capture_on_commit_callbacks)
    assert mass_action_counts(action.pk) == {"done": 3, "skipped": 1, "refused": 0, "pending": 0}
    assert Card.objects.filter(pk__in=[c.pk for c in cards], ss_function="enabled").count() == 3
    assert Card.objects.get(pk=enabled.pk).ss_function == SocialSecurityFunction.ENABLED
    assert AuditEvent.objects.filter(action="card_enable").count() == 3

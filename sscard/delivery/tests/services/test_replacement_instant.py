"""replacement_instant: at an instant-issuance point a lost or damaged card is replaced while
the holder waits — application, key and certificate, hand-over and switching on, in one
transaction or not at all (BJ-11, SH-12); the old card answers "replaced" (BJ-10)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sscard.applications.models import Application
from sscard.applications.tests.support import BJ_PILOT_DAY, beijing_unit, branch, clerk, in_force
from sscard.cards.models import Card, CardCertificate, LossReport
from sscard.cards.services.authority import chain_of
from sscard.cards.tests.support import card as card_held
from sscard.cards.verify import card_verify
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.delivery.services import handover, replacement_instant
from sscard.kernel.pki import verify_chain
from sscard.notifications.models import OutboxMessage
from sscard.production.models import CardKey
from sscard.registry.models import Person
from sscard.testing.card_life import id_number_of
from sscard.testing.factories import CHAOYANG, PersonFactory, RelyingPartyFactory

pytestmark = pytest.mark.django_db
DAY = BJ_PILOT_DAY


def pilot_holder() -> tuple[Person, Card]:
    """A pilot target (Xicheng unit's staff) with the second-generation ICBC card in force."""
    in_force("beijing-2024")
    _employer, (person,) = beijing_unit(1)
    return person, card_held(person, generation=2, ss_function="enabled")


def reader() -> Actor:
    party = RelyingPartyFactory.create()
    return Actor(role=Role.RELYING_PARTY, label=party.code, relying_party_id=party.pk)


def written() -> tuple[object, ...]:
    return (
        Application.objects.count(),
        Card.objects.count(),
        CardCertificate.objects.count(),
        CardKey.objects.count(),
        LossReport.objects.count(),
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
        list(Card.objects.order_by("pk").values_list("ss_function", "block")),
    )


@pytest.mark.parametrize("reason", ["lost", "damaged"])
def test_a_new_third_generation_card_is_made_handed_over_and_switched_on_in_one_visit(
    reason: str,
) -> None:
    person, old = pilot_holder()
    point = branch("ICBC", instant_issuance=True)
    new = replacement_instant(
        actor=clerk(point), card=old, reason=reason, id_number=id_number_of(person), day=DAY
    )
    # the new card is the holder's, third-generation, in hand and working
    assert (new.person_id, new.generation, new.bank_code) == (person.pk, 3, "ICBC")
    assert (new.stage, new.handed_over_outlet_id) == ("handed_over", point.pk)
    assert (new.ss_function, new.financial_function) == ("enabled", "activated")
    application = new.application
    assert application is not None
    assert (application.channel, application.pickup, application.status) == (
        "instant_outlet",
        "on_the_spot",
        "completed",
    )
    assert application.due_date == DAY
    # with its own certificate from the issuing CA
    cert = CardCertificate.objects.get(card=new)
    chain = chain_of(cert.authority_id)
    assert chain is not None
    verify_chain(bytes(cert.der), chain, at=datetime.now(tz=UTC))
    assert CardKey.objects.filter(card=new).exists()
    # and a terminal is told the old card is replaced, the new one valid
    assert card_verify(actor=reader(), card_number=old.card_number, today=DAY).status == "replaced"
    assert card_verify(actor=reader(), card_number=new.card_number, today=DAY).status == "valid"


def test_the_visit_is_audited_as_one_story() -> None:
    person, old = pilot_holder()
    point = branch("ICBC", instant_issuance=True)
    new = replacement_instant(
        actor=clerk(point), card=old, reason="damaged", id_number=id_number_of(person), day=DAY
    )
    actions = set(
        AuditEvent.objects.filter(actor_label=f"clerk@{point.code}").values_list(
            "action", flat=True
        )
    )
    assert {
        "card_replacement_apply",
        "card_order",
        "card_hand_over",
        "card_enable",
        "card_invalidate",
        "card_activate_financial",
    } <= actions
    handed = AuditEvent.objects.get(action="card_hand_over")
    assert (handed.object_id, handed.changes["instant"]) == (str(new.pk), point.pk)


def test_another_persons_id_leaves_no_application_no_card_no_certificate() -> None:
    _person, old = pilot_holder()
    someone_else = PersonFactory.create()
    point = branch("ICBC", instant_issuance=True)
    before = written()
    with pytest.raises(ApplicationError) as refused:
        replacement_instant(
            actor=clerk(point),
            card=old,
            reason="lost",
            id_number=id_number_of(someone_else),
            day=DAY,
        )
    assert refused.value.code == "holder_id_mismatch"
    assert written() == before
    assert card_verify(actor=reader(), card_number=old.card_number, today=DAY).status == "valid"


def test_a_failure_at_the_last_step_undoes_the_whole_visit(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a failure after the card was made, handed over and enabled
    person, old = pilot_holder()
    point = branch("ICBC", instant_issuance=True)

    def bank_system_down(**_kwargs: object) -> Card:
        raise ApplicationError("bank_unavailable", "银行系统不可用。", "The bank is down.")

    monkeypatch.setattr(handover, "card_activate_financial", bank_system_down)
    before = written()
    with pytest.raises(ApplicationError) as failed:
        replacement_instant(
            actor=clerk(point), card=old, reason="lost", id_number=id_number_of(person), day=DAY
        )
    # then there is no application, no card, no key, no certificate, no loss report
    assert failed.value.code == "bank_unavailable"
    assert written() == before
    assert card_verify(actor=reader(), card_number=old.card_number, today=DAY).status == "valid"


def test_at_a_branch_without_instant_issuance_nothing_is_made() -> None:
    person, old = pilot_holder()
    before = written()
    with pytest.raises(ApplicationError) as refused:
        replacement_instant(
            actor=clerk(branch("ICBC")),
            card=old,
            reason="damaged",
            id_number=id_number_of(person),
            day=DAY,
        )
    assert refused.value.code == "outlet_not_instant"
    assert written() == before


def test_a_person_outside_the_pilot_is_not_replaced_instantly() -> None:
    in_force("beijing-2024")
    person = PersonFactory.create(insured_region=CHAOYANG, hukou_region=CHAOYANG)
    old = card_held(person, generation=2, ss_function="enabled")
    before = written()
    with pytest.raises(ApplicationError) as refused:
        replacement_instant(
            actor=clerk(branch("ICBC", instant_issuance=True)),
            card=old,
            reason="damaged",
            id_number=id_number_of(person),
            day=DAY,
        )
    assert refused.value.code == "no_rule"
    assert written() == before


def test_a_reason_other_than_lost_or_damaged_is_refused() -> None:
    person, old = pilot_holder()
    before = written()
    with pytest.raises(ApplicationError) as refused:
        replacement_instant(
            actor=clerk(branch("ICBC", instant_issuance=True)),
            card=old,
            reason="bored",
            id_number=id_number_of(person),
            day=DAY,
        )
    assert refused.value.code == "replacement_reason_invalid"
    assert written() == before


@pytest.mark.parametrize("role", [Role.CARDHOLDER, Role.PRODUCTION_OPERATOR, Role.CITY_OFFICER])
def test_only_a_clerk_at_the_point_replaces_on_the_spot(role: Role) -> None:
    person, old = pilot_holder()
    point = branch("ICBC", instant_issuance=True)
    before = written()
    with pytest.raises(ApplicationError) as refused:
        replacement_instant(
            actor=Actor(role=role, label="someone", outlet_id=point.pk, person_id=person.pk),
            card=old,
            reason="damaged",
            id_number=id_number_of(person),
            day=DAY,
        )
    assert refused.value.code == "permission_denied"
    assert written() == before


def test_another_banks_instant_point_does_not_make_this_banks_card() -> None:
    # given an ICBC card; a BOC branch's machine makes BOC cards only
    person, old = pilot_holder()
    before = written()
    with pytest.raises(ApplicationError) as refused:
        replacement_instant(
            actor=clerk(branch("BOC", instant_issuance=True)),
            card=old,
            reason="damaged",
            id_number=id_number_of(person),
            day=DAY,
        )
    assert refused.value.code == "instant_other_bank"
    assert refused.value.details == {"bank": "ICBC", "here": "BOC"}
    assert written() == before


def test_a_card_made_at_a_community_centre_opens_its_account_later_at_its_bank() -> None:
    # given a Shanghai resident whose card is replaced at a designated centre (SH-12)
    from sscard.applications.tests.support import SH_DAY, centre, shanghai_person
    from sscard.cards.services import card_activate_financial
    from sscard.testing.card_life import clerk_of

    in_force("shanghai-2019")
    person = shanghai_person()
    old = card_held(person, generation=2, ss_function="enabled", bank_code="BOSC")
    new = replacement_instant(
        actor=clerk_of(centre(instant_issuance=True)),
        card=old,
        reason="lost",
        id_number=id_number_of(person),
        day=SH_DAY,
    )
    # the centre opens no bank account: the card leaves with its SS function only
    assert (new.ss_function, new.financial_function) == ("enabled", "not_activated")
    # and any outlet of its bank opens the account afterwards (the pack's on_the_spot paths)
    new = card_activate_financial(actor=clerk_of(branch("BOSC")), card=new, today=SH_DAY)
    assert new.financial_function == "activated"

"""Recording a death or departure cancels the cards, withdraws the applications and stops the
texts in one transaction; bad input is refused with its code and writes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from sscard.applications.models import Application
from sscard.cards.models import Card
from sscard.cards.services.departure import DepartureDone, departure_record
from sscard.cards.tests.support import TODAY, application, card, in_force, person
from sscard.cards.verify import card_verify
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent, Milestone
from sscard.notifications.models import OutboxMessage
from sscard.notifications.services import (
    message_queue,
    message_queue_many,
    recipient_for_phone,
)
from sscard.policy import builtin_pack
from sscard.registry.eligibility import eligible_figures, eligible_persons
from sscard.registry.models import Departure, Person
from sscard.testing.factories import CHAOYANG, XICHENG

pytestmark = pytest.mark.django_db

CITY = Actor(role=Role.CITY_OFFICER, label="city officer", user_id=901, city_code="110000")
XICHENG_OFFICER = Actor(
    role=Role.DISTRICT_OFFICER, label="xicheng officer", user_id=902, district_code=XICHENG
)
CHAOYANG_OFFICER = Actor(
    role=Role.DISTRICT_OFFICER, label="chaoyang officer", user_id=903, district_code=CHAOYANG
)
RP = Actor(role=Role.RELYING_PARTY, label="hospital", relying_party_id=1)
DIED = TODAY - timedelta(days=3)


def _queued(holder: Person) -> OutboxMessage:
    with transaction.atomic():
        message = message_queue(
            actor=CITY,
            phone="13900001111",
            text="您的社会保障卡已制作完成。",
            template_key="card_ready",
            person_id=holder.pk,
        )
    assert message is not None
    return message


def _record(actor: Actor = CITY, holder: Person | None = None, **kwargs: object) -> DepartureDone:
    values: dict[str, object] = {"kind": "death", "on": DIED, "reference": "SW-2024-0001"}
    values.update(kwargs)
    assert holder is not None
    return departure_record(actor=actor, person=holder, today=TODAY, **values)  # type: ignore[arg-type]


def test_a_death_cancels_every_card_withdraws_applications_and_stops_texts():
    # given a person with an enabled old card, a new card handed over, an open application
    # and a text still queued to them
    campaign = in_force()
    holder = person()
    old = card(holder, generation=2, ss_function="enabled")
    new = card(holder)
    open_application = application(campaign, holder)
    queued = _queued(holder)
    assert card_verify(actor=RP, card_number=old.card_number, today=TODAY).status == "valid"
    # when an officer records their death
    done = _record(holder=holder)
    # then, in the same transaction, every card answers "cancelled" ...
    for c in (old, new):
        c.refresh_from_db()
        assert c.ss_function == "cancelled"
        answer = card_verify(actor=RP, card_number=c.card_number, today=TODAY)
        assert answer.status == "cancelled"
    # ... the application is withdrawn (with its milestone), the text will never go ...
    open_application.refresh_from_db()
    assert open_application.status == "cancelled"
    assert Milestone.objects.filter(kind="withdrawn", person_id=holder.pk).count() == 1
    queued.refresh_from_db()
    assert (queued.status, queued.last_error) == ("failed", "recipient_departed")
    # ... the person is departed and the record says what it did
    holder.refresh_from_db()
    assert (holder.departed_on, holder.departure_kind) == (DIED, "death")
    departure = Departure.objects.get(person=holder)
    assert (done.cards_cancelled, done.applications_withdrawn, done.messages_stopped) == (2, 1, 1)
    assert (departure.cards_cancelled, departure.applications_withdrawn) == (2, 1)
    assert departure.recorded_by == "city officer"
    assert departure.district_code == XICHENG
    # ... each card, the application and the departure audited
    events = AuditEvent.objects.values_list("action", "object_id")
    assert {("card_cancel_departure", str(old.pk)), ("card_cancel_departure", str(new.pk))} <= set(
        events
    )
    assert ("application_cancel", str(open_application.pk)) in set(events)
    assert ("departure_record", str(holder.pk)) in set(events)


def test_a_cancelled_card_stays_as_it_is_and_other_persons_are_untouched():
    holder, other = person(), person()
    gone = card(holder, generation=2, ss_function="cancelled")
    others = card(other, ss_function="enabled")
    done = _record(holder=holder)
    assert done.cards_cancelled == 0
    others.refresh_from_db()
    assert others.ss_function == "enabled"
    assert not AuditEvent.objects.filter(action="card_cancel_departure", object_id=str(gone.pk))


def test_no_text_reaches_a_departed_person_whatever_the_flow():
    # given a departed person and a present one
    holder, other = person(), person()
    _record(holder=holder)
    # when a flow queues a text to both, in bulk or one by one
    with transaction.atomic():
        queued = message_queue_many(
            actor=CITY,
            recipients=[
                recipient_for_phone("13900002222", person_id=holder.pk),
                recipient_for_phone("13900003333", person_id=other.pk),
            ],
            text="请尽快申领新卡。",
            template_key="campaign_reminder",
        )
        single = message_queue(
            actor=CITY,
            phone="13900002222",
            text="请尽快申领新卡。",
            template_key="campaign_reminder",
            person_id=holder.pk,
        )
    # then only the present person's is queued
    assert queued == 1
    assert single is None
    assert list(OutboxMessage.objects.values_list("person_id", flat=True)) == [other.pk]


def test_a_departed_person_is_eligible_no_more_from_the_day_of_departure():
    pack = builtin_pack("beijing-2024")
    group = next(g.id for g in pack.groups.values() if g.subject == "person")
    holder, other = person(), person()
    day = date(2024, 2, 1)
    before = set(eligible_persons(pack, group, today=day).values_list("pk", flat=True))
    assert {holder.pk, other.pk} <= before
    people_before = eligible_figures(pack, today=day).people
    _record(holder=holder, on=day)
    after = set(eligible_persons(pack, group, today=day).values_list("pk", flat=True))
    assert holder.pk not in after
    assert other.pk in after
    assert eligible_figures(pack, today=day).people == people_before - 1
    # a past day's figure does not move: the day before the departure they were present
    earlier = day - timedelta(days=1)
    assert holder.pk in set(
        eligible_persons(pack, group, today=earlier).values_list("pk", flat=True)
    )


def test_a_district_officer_records_for_their_district_only():
    holder = person(insured_region=XICHENG, hukou_region=XICHENG)
    c = card(holder, ss_function="enabled")
    with pytest.raises(ApplicationError) as refused:
        _record(actor=CHAOYANG_OFFICER, holder=holder)
    assert refused.value.code == "departure_other_district"
    assert refused.value.status == 403
    _nothing_written(holder, c)
    _record(actor=XICHENG_OFFICER, holder=holder)
    assert Departure.objects.filter(person=holder).count() == 1


def test_a_second_recording_is_refused_and_writes_nothing():
    holder = person()
    _record(holder=holder)
    events = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as refused:
        _record(holder=holder, kind="emigration", reference="X-2")
    assert refused.value.code == "departure_already_recorded"
    assert Departure.objects.filter(person=holder).count() == 1
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"on": TODAY + timedelta(days=1)}, "departure_date_in_future"),
        ({"on": date(1900, 1, 1)}, "departure_date_before_birth"),
        ({"on": None}, "departure_date_invalid"),
        ({"kind": "vanished"}, "departure_kind_invalid"),
        ({"reference": "  "}, "departure_reference_required"),
        ({"reference": "X" * 65}, "departure_reference_required"),
        ({"reference": "SW\x00-1"}, "departure_reference_required"),
        ({"kind": "transfer_out"}, "departure_destination_invalid"),
        ({"kind": "transfer_out", "destination_city": CHAOYANG}, "departure_destination_invalid"),
        ({"kind": "transfer_out", "destination_city": "999999"}, "departure_destination_invalid"),
    ],
)
def test_bad_input_is_refused_with_its_code_and_nothing_is_written(kwargs, code):
    holder = person()
    c = card(holder, ss_function="enabled")
    with pytest.raises(ApplicationError) as refused:
        _record(holder=holder, **kwargs)
    assert refused.value.code == code
    _nothing_written(holder, c)


def test_only_officers_record_and_an_unknown_person_is_refused():
    holder = person()
    c = card(holder, ss_function="enabled")
    clerk = Actor(role=Role.BANK_CLERK, label="clerk", outlet_id=1)
    with pytest.raises(ApplicationError) as refused:
        _record(actor=clerk, holder=holder)
    assert refused.value.code == "permission_denied"
    _nothing_written(holder, c)
    ghost = Person(pk=10**9, birth_date=date(1980, 1, 1))
    with pytest.raises(ApplicationError) as unknown:
        _record(holder=ghost)
    assert unknown.value.code == "departure_person_unknown"


def test_a_transfer_names_the_city_it_goes_to():
    holder = person()
    done = _record(holder=holder, kind="transfer_out", destination_city="310104")
    assert (done.departure.kind, done.departure.destination_city) == ("transfer_out", "310000")


def test_a_city_officer_of_another_city_does_not_find_the_person():
    holder = person()
    shanghai = Actor(role=Role.CITY_OFFICER, label="sh", user_id=904, city_code="310000")
    with pytest.raises(ApplicationError) as refused:
        _record(actor=shanghai, holder=holder)
    assert refused.value.code == "not_found"
    assert not Departure.objects.exists()


def _nothing_written(holder: Person, c: Card) -> None:
    holder.refresh_from_db()
    c.refresh_from_db()
    assert holder.departed_on is None
    assert holder.departure_kind == ""
    assert c.ss_function == "enabled"
    assert not Departure.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["departure_record", "card_cancel_departure"])
    assert not Application.objects.filter(status="cancelled").exists()


def test_no_card_is_applied_for_a_departed_person_alone_or_with_their_unit():
    from sscard.applications.services import application_submit, collective_submit
    from sscard.applications.tests.support import (
        BJ_PILOT_DAY,
        SH_DAY,
        beijing_unit,
        centre,
        clerk,
        confirm_all,
        hr,
        notified_collective,
        shanghai_person,
    )
    from sscard.applications.tests.support import in_force as pack_in_force

    # given a Shanghai resident recorded dead
    pack_in_force("shanghai-2019")
    desk = centre()
    dead = shanghai_person()
    shanghai = Actor(role=Role.CITY_OFFICER, label="sh", user_id=905, city_code="310000")
    departure_record(
        actor=shanghai, person=dead, kind="death", on=SH_DAY, reference="SW-SH", today=SH_DAY
    )
    # when a clerk takes an application for them, it is refused and nothing is written
    with pytest.raises(ApplicationError) as refused:
        application_submit(
            actor=clerk(desk),
            person=dead,
            channel="community_centre",
            action="first",
            day=SH_DAY,
            bank="BOSC",
            photo_source="id_card",
        )
    assert refused.value.code == "person_departed"
    assert not Application.objects.filter(person=dead).exists()
    # and a unit's submission leaves out a staff member who died after confirming
    pack_in_force("beijing-2024")
    employer, staff = beijing_unit(2)
    collective = notified_collective(employer, day=BJ_PILOT_DAY)
    confirm_all(collective, staff, BJ_PILOT_DAY)
    departure_record(
        actor=CITY,
        person=staff[0],
        kind="death",
        on=BJ_PILOT_DAY,
        reference="SW-BJ",
        today=BJ_PILOT_DAY,
    )
    collective_submit(actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY)
    assert not Application.objects.filter(person=staff[0]).exists()
    assert Application.objects.filter(person=staff[1]).count() == 1


def test_a_text_queued_by_a_racing_transaction_is_not_sent_once_the_person_departed():
    from sscard.notifications.providers import SendResult
    from sscard.notifications.services import outbox_send_due

    class Recording:
        name = "recording"

        def __init__(self) -> None:
            self.calls: list[int] = []

        def send(self, message: OutboxMessage, phone: str) -> SendResult:
            self.calls.append(message.pk)
            return SendResult.sent(f"r-{message.pk}")

    # given a person recorded dead, and a text another transaction queued for them before
    # the departure committed (written as that transaction wrote it)
    holder, other = person(), person()
    _record(holder=holder)
    late = recipient_for_phone("13900004444", person_id=holder.pk)
    fine = recipient_for_phone("13900005555", person_id=other.pk)
    now = timezone.now()
    rows = [
        OutboxMessage.objects.create(
            phone_index=r.phone_index,
            phone_enc=r.phone_enc,
            phone_masked=r.phone_masked,
            person_id=r.person_id,
            template_key="card_ready",
            text="您的社会保障卡已制作完成。",
            next_attempt_at=now,
            created_at=now,
        )
        for r in (late, fine)
    ]
    # when the sender runs
    provider = Recording()
    outbox_send_due(provider=provider)
    # then only the present person's text goes; the other ends unsent, saying why
    assert provider.calls == [rows[1].pk]
    rows[0].refresh_from_db()
    assert (rows[0].status, rows[0].last_error) == ("failed", "recipient_departed")


def test_a_departed_person_is_neither_recorded_eligible_nor_reminded():
    from sscard.campaigns.milestones import eligible_record
    from sscard.campaigns.selectors import OutreachFilter, outreach_candidates, outreach_target

    # given a campaign in force and two persons recorded eligible
    in_force()
    holder, other = person(), person()
    eligible_record(actor=CITY, city_code="110000", day=TODAY)
    # when one of them dies
    _record(holder=holder, on=TODAY)
    # then a reminder round no longer selects them
    target = outreach_target(actor=CITY, filters=OutreachFilter(), day=TODAY)
    assert set(outreach_candidates(target).values_list("pk", flat=True)) == {other.pk}
    # and a person who died before they were ever recorded eligible is not recorded
    late = person()
    _record(holder=late, on=TODAY - timedelta(days=1))
    eligible_record(actor=CITY, city_code="110000", day=TODAY)
    recorded = set(Milestone.objects.filter(kind="eligible").values_list("person_id", flat=True))
    assert recorded == {holder.pk, other.pk}

"""The collective services: open → arrange → roster → notify → confirm → submit."""

from __future__ import annotations

from pathlib import Path

import pytest

from sscard.applications.choices import CollectiveStep, RosterStatus
from sscard.applications.collective import (
    collective_arrange,
    collective_notify,
    collective_open,
    collective_submit,
    roster_add_staff,
    roster_confirm,
    roster_remind,
    roster_upload,
)
from sscard.applications.models import Application, RosterEntry
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    beijing_unit,
    branch,
    confirm_all,
    holder,
    hr,
    in_force,
    notified_collective,
    written,
)
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.notifications.models import OutboxMessage
from sscard.testing.factories import EmployerFactory, PersonFactory, make_id_number

pytestmark = pytest.mark.django_db


def test_roster_from_the_registry_lists_only_staff_the_engine_admits() -> None:
    in_force("beijing-2024")
    employer, _staff = beijing_unit(3)
    PersonFactory.create(employer=employer, category="retiree")
    collective = collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    result = roster_add_staff(actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY)
    assert (result.added, result.already, dict(result.refused)) == (3, 0, {"not_pilot_target": 1})
    again = roster_add_staff(actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY)
    assert (again.added, again.already) == (0, 3)


def test_a_person_not_insured_with_the_employer_is_refused_and_nothing_is_listed() -> None:
    in_force("beijing-2024")
    employer, _ = beijing_unit(2)
    stranger = PersonFactory.create(employer=EmployerFactory.create())
    collective = collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    before = written()
    with pytest.raises(ApplicationError) as refused:
        roster_add_staff(
            actor=hr(employer),
            collective_id=collective.pk,
            day=BJ_PILOT_DAY,
            person_ids=[stranger.pk],
        )
    assert refused.value.code == "roster_not_insured_here"
    assert written() == before


def test_an_uploaded_roster_is_checked_row_by_row_against_the_registry(tmp_path: Path) -> None:
    in_force("beijing-2024")
    employer = EmployerFactory.create()
    ours = PersonFactory.create(employer=employer, id_number=make_id_number(1), name="李雷")
    PersonFactory.create(employer=EmployerFactory.create(), id_number=make_id_number(2))
    collective = collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    upload = tmp_path / "roster.csv"
    upload.write_text(
        "id_number,name\n"
        f"{make_id_number(1)},李雷\n"
        f"{make_id_number(1)},李雷\n"
        f"{make_id_number(2)},\n"
        f"{make_id_number(3)},\n"
        "110102199901011234,\n",
        encoding="utf-8",
    )
    result = roster_upload(
        actor=hr(employer),
        collective_id=collective.pk,
        day=BJ_PILOT_DAY,
        path=upload,
        file_name="roster.csv",
    )
    assert result.added == 1
    assert dict(result.refused) == {
        "roster_duplicate_in_file": 1,
        "roster_not_insured_here": 1,
        "person_unknown": 1,
        "id_check_digit": 1,
    }
    report = Path(result.report_path).read_text(encoding="utf-8-sig").splitlines()
    assert report[0] == "row,column,code,message_zh,message_en"
    assert [line.split(",")[:3] for line in report[1:]] == [
        ["3", "id_number", "roster_duplicate_in_file"],
        ["6", "id_number", "id_check_digit"],
        ["4", "id_number", "roster_not_insured_here"],
        ["5", "id_number", "person_unknown"],
    ]
    assert list(RosterEntry.objects.values_list("person_id", flat=True)) == [ours.pk]


def test_a_roster_file_with_the_wrong_columns_writes_nothing(tmp_path: Path) -> None:
    in_force("beijing-2024")
    employer, _ = beijing_unit(1)
    collective = collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    upload = tmp_path / "roster.csv"
    upload.write_text("身份证号\n110102199901011234\n", encoding="utf-8")
    before = written()
    with pytest.raises(ApplicationError) as refused:
        roster_upload(
            actor=hr(employer),
            collective_id=collective.pk,
            day=BJ_PILOT_DAY,
            path=upload,
            file_name="roster.csv",
        )
    assert refused.value.code == "columns_missing"
    assert written() == before


def test_the_invitation_is_the_packs_sms_without_a_link_and_reminders_reach_the_unconfirmed() -> (
    None
):
    in_force("beijing-2024")
    employer, staff = beijing_unit(3)
    collective = notified_collective(employer)
    invitations = OutboxMessage.objects.filter(template_key="confirm_request")
    assert invitations.count() == 3
    text = invitations[0].text
    assert text.startswith(employer.name)
    assert "http" not in text
    confirm_all(collective, staff[:1], BJ_PILOT_DAY)
    assert roster_remind(actor=hr(employer), collective_id=collective.pk) == 2
    assert invitations.count() == 5
    assert set(
        RosterEntry.objects.filter(status=RosterStatus.INVITED).values_list("reminders", flat=True)
    ) == {1}


def test_confirming_refuses_a_phone_that_is_not_a_mainland_mobile() -> None:
    in_force("beijing-2024")
    employer, staff = beijing_unit(1)
    collective = notified_collective(employer)
    entry = collective.roster.get()
    before = written()
    for phone in ("12345678901", "+8613800138000", "1380013800"):
        with pytest.raises(ApplicationError) as refused:
            roster_confirm(
                actor=holder(staff[0]),
                entry_id=entry.pk,
                day=BJ_PILOT_DAY,
                phone=phone,
                photo_source="id_card",
            )
        assert refused.value.code == "phone_invalid"
    assert written() == before


def test_only_the_invited_person_confirms_their_own_entry() -> None:
    in_force("beijing-2024")
    employer, staff = beijing_unit(2)
    collective = notified_collective(employer)
    other_entry = collective.roster.get(person=staff[1])
    with pytest.raises(ApplicationError) as refused:
        roster_confirm(
            actor=holder(staff[0]),
            entry_id=other_entry.pk,
            day=BJ_PILOT_DAY,
            phone="13800138000",
            photo_source="id_card",
        )
    assert refused.value.code == "not_found"


def test_submit_writes_one_application_per_confirmed_staff_member_and_one_audit_event() -> None:
    in_force("beijing-2024")
    employer, staff = beijing_unit(4)
    collective = notified_collective(employer)
    confirm_all(collective, staff[:3], BJ_PILOT_DAY)
    events = AuditEvent.objects.exclude(object_type__startswith="notifications").count()
    result = collective_submit(actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY)
    assert (result.submitted, result.unconfirmed, result.already_open) == (3, 1, 0)
    apps = Application.objects.filter(collective=collective)
    assert sorted(apps.values_list("person_id", flat=True)) == sorted(p.pk for p in staff[:3])
    app = apps[0]
    assert (app.channel, app.action, app.bank_code, app.pickup, app.status) == (
        "collective_online",
        "migrate",
        "ICBC",
        "branch",
        "submitted",
    )
    assert (app.rule_id, app.clause, app.card_generation) == ("pilot-collective", "BJ-04", 3)
    assert app.due_date is not None
    assert app.photo_id is not None
    # one event for the whole submission (the receipt SMS audits itself in the outbox)
    assert AuditEvent.objects.exclude(object_type__startswith="notifications").count() == events + 1
    assert AuditEvent.objects.filter(action="message_queue_many").exists()
    collective.refresh_from_db()
    assert (collective.step, collective.submitted_count) == (CollectiveStep.SUBMITTED, 3)
    assert collective.roster.filter(status=RosterStatus.INVITED).count() == 1


def test_confirmed_staff_with_an_open_application_elsewhere_are_not_submitted_twice() -> None:
    from sscard.applications.services import application_submit

    in_force("beijing-2024")
    employer, staff = beijing_unit(2)
    collective = notified_collective(employer)
    confirm_all(collective, staff, BJ_PILOT_DAY)
    outlet = branch("ICBC", instant_issuance=True)
    from sscard.applications.tests.support import clerk

    application_submit(
        actor=clerk(outlet),
        person=staff[0],
        channel="instant_outlet",
        action="replace_lost",
        day=BJ_PILOT_DAY,
        photo_source="id_card",
    )
    result = collective_submit(actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY)
    assert (result.submitted, result.already_open) == (1, 1)


def test_arranging_a_branch_pickup_needs_an_outlet_of_the_chosen_bank() -> None:
    in_force("beijing-2024")
    employer, _ = beijing_unit(1)
    collective = collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    with pytest.raises(ApplicationError) as no_outlet:
        collective_arrange(
            actor=hr(employer),
            collective_id=collective.pk,
            day=BJ_PILOT_DAY,
            pickup="branch",
            bank="ICBC",
        )
    assert no_outlet.value.code == "outlet_required"
    with pytest.raises(ApplicationError) as other_bank:
        collective_arrange(
            actor=hr(employer),
            collective_id=collective.pk,
            day=BJ_PILOT_DAY,
            pickup="branch",
            bank="CCB",
            outlet_id=branch("ICBC").pk,
        )
    assert other_bank.value.code == "outlet_other_bank"
    posted = collective_arrange(
        actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY, pickup="post", bank="CCB"
    )
    assert (posted.step, posted.bank_code, posted.pickup_outlet) == ("arranged", "CCB", None)


def test_notifying_an_empty_roster_is_refused() -> None:
    in_force("beijing-2024")
    employer, _ = beijing_unit(0)
    collective = collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    collective_arrange(
        actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY, pickup="post", bank="CCB"
    )
    with pytest.raises(ApplicationError) as refused:
        collective_notify(actor=hr(employer), collective_id=collective.pk)
    assert refused.value.code == "roster_empty"


def test_another_employers_hr_cannot_see_the_collective() -> None:
    in_force("beijing-2024")
    employer, _ = beijing_unit(1)
    collective = collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    with pytest.raises(ApplicationError) as refused:
        roster_add_staff(
            actor=hr(EmployerFactory.create()), collective_id=collective.pk, day=BJ_PILOT_DAY
        )
    assert refused.value.code == "not_found"


def test_a_second_open_collective_for_the_same_employer_is_refused() -> None:
    in_force("beijing-2024")
    employer, _ = beijing_unit(1)
    collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    with pytest.raises(ApplicationError) as refused:
        collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    assert refused.value.code == "collective_already_open"


def test_an_invitation_that_would_carry_a_link_is_refused_and_the_step_rolls_back() -> None:
    in_force("beijing-2024")
    employer, _ = beijing_unit(1, name="速办 www.fake-sscard.cn")
    actor = hr(employer)
    collective = collective_open(actor=actor, day=BJ_PILOT_DAY)
    collective_arrange(
        actor=actor, collective_id=collective.pk, day=BJ_PILOT_DAY, pickup="post", bank="CCB"
    )
    roster_add_staff(actor=actor, collective_id=collective.pk, day=BJ_PILOT_DAY)
    before = written()
    with pytest.raises(ApplicationError) as refused:
        collective_notify(actor=actor, collective_id=collective.pk)
    assert refused.value.code == "message_contains_link"
    assert written() == before
    collective.refresh_from_db()
    assert collective.step == CollectiveStep.ARRANGED
    assert not RosterEntry.objects.filter(status=RosterStatus.INVITED).exists()

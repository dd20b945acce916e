"""Reminder rounds (issue 14 point 1): whom a round selects, whom it skips and why, the texts it
queues (no link, at the pack's pace), resuming a stopped round, HR's reminders as rounds, the
conversion on the funnel, and the pages in both languages. Every count is checked against an
independent reading of the database."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from sscard.applications.tests.support import HUANGPU, JINGAN, SH_DAY, shanghai_person
from sscard.campaigns.choices import RoundKind, RoundStatus
from sscard.campaigns.milestones import eligible_record
from sscard.campaigns.models import Campaign, OutreachReminder, OutreachRound
from sscard.campaigns.selectors import (
    OutreachFilter,
    outreach_conversion,
    outreach_preview,
    outreach_rounds,
    outreach_target,
)
from sscard.campaigns.services import (
    campaign_put_in_force,
    outreach_round_resume,
    outreach_round_start,
)
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.milestones import milestone_record
from sscard.core.models import Milestone, MilestoneKind
from sscard.kernel import messages
from sscard.notifications.models import OutboxMessage, ReminderOptOut
from sscard.notifications.services import reminders_set
from sscard.policy import builtin_pack
from sscard.registry.models import Person
from sscard.registry.services import divisions_load
from sscard.testing.api_client import ApiClient
from sscard.testing.factories import AccountFactory, PersonFactory
from sscard.testing.fixtures import ClientFor

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
CITY = Actor(role=Role.CITY_OFFICER, label="city officer", city_code="310000")
HUANGPU_OFFICER = Actor(role=Role.DISTRICT_OFFICER, label="huangpu", district_code=HUANGPU)


@pytest.fixture
def campaign() -> Campaign:
    divisions_load(actor=SYSTEM)
    return campaign_put_in_force(actor=SYSTEM, pack=builtin_pack("shanghai-2019"))


def eligible(campaign: Campaign) -> None:
    eligible_record(actor=SYSTEM, city_code="310000", day=SH_DAY)


def applied(person: Person, day: date) -> None:
    milestone_record(
        MilestoneKind.APPLIED,
        day=day,
        city_code="310000",
        district_code=HUANGPU,
        person_id=person.pk,
    )


def people(campaign: Campaign) -> dict[str, Any]:
    """Huangpu: three to remind, one without a phone, one who asked for none, one who applied;
    Jing'an: two."""
    found: dict[str, Any] = {
        "remind": [shanghai_person() for _ in range(3)],
        "no_phone": shanghai_person(phone=""),
        "opted_out": shanghai_person(),
        "applied": shanghai_person(),
        "jingan": [shanghai_person(insured_region=JINGAN, hukou_region=JINGAN) for _ in range(2)],
    }
    eligible(campaign)
    applied(found["applied"], SH_DAY)
    reminders_set(actor=SYSTEM, person_id=found["opted_out"].pk, wanted=False)
    return found


def independent(campaign: Campaign, district: str) -> tuple[int, int, int]:
    """(selected, no phone, opted out) read person by person, not through the selector."""
    eligible_ids = set(
        Milestone.objects.filter(campaign_id=campaign.pk, kind="eligible").values_list(
            "person_id", flat=True
        )
    )
    applied_ids = set(Milestone.objects.filter(kind="applied").values_list("person_id", flat=True))
    opted = set(ReminderOptOut.objects.values_list("person_id", flat=True))
    selected = [
        p
        for p in Person.objects.all()
        if p.pk in eligible_ids
        and p.pk not in applied_ids
        and (p.insured_region or p.hukou_region) == district
    ]
    return (
        len(selected),
        sum(1 for p in selected if p.pk not in opted and not p.phone_enc),
        sum(1 for p in selected if p.pk in opted),
    )


def test_the_preview_counts_what_an_independent_reading_counts(campaign: Campaign) -> None:
    people(campaign)
    target = outreach_target(actor=CITY, filters=OutreachFilter(district_code=HUANGPU), day=SH_DAY)
    preview = outreach_preview(target)
    selected, no_phone, opted = independent(campaign, HUANGPU)
    assert (preview.selected, preview.skipped["no_phone"], preview.skipped["opted_out"]) == (
        selected,
        no_phone,
        opted,
    )
    assert preview.to_remind == 3
    assert OutboxMessage.objects.count() == 0  # a preview sends nothing


def test_a_round_queues_link_free_texts_at_the_packs_pace_and_honours_max_and_spacing(
    campaign: Campaign,
) -> None:
    found = people(campaign)
    terms = builtin_pack("shanghai-2019").outreach
    assert terms is not None
    filters = OutreachFilter(district_code=HUANGPU)
    round_ = outreach_round_start(actor=CITY, filters=filters, day=SH_DAY)
    assert round_.status == RoundStatus.DONE
    assert round_.kind == RoundKind.BUREAU
    sent = OutboxMessage.objects.filter(template_key="campaign_reminder").order_by(
        "next_attempt_at"
    )
    assert {m.person_id for m in sent} == {p.pk for p in found["remind"]}
    assert all(messages.check(m.text).ok and "http" not in m.text for m in sent)
    # the throttle: one text every 60 / rate seconds from the round's start
    gaps = [
        b.next_attempt_at - a.next_attempt_at
        for a, b in zip(list(sent), list(sent)[1:], strict=False)
    ]
    assert gaps == [timedelta(minutes=1) / terms.messages_per_minute] * 2
    assert sent[0].next_attempt_at == round_.releases_from
    # each reminded person is invited once in the campaign (the funnel's second step)
    invited = Milestone.objects.filter(campaign_id=campaign.pk, kind="invited")
    assert set(invited.values_list("person_id", flat=True)) == {p.pk for p in found["remind"]}
    assert round_.skipped == {"opted_out": 1, "no_phone": 1, "at_max": 0, "too_recent": 0}
    # the same choice again within the pack's spacing: everyone is too recent, nothing goes
    with pytest.raises(ApplicationError) as refused:
        outreach_round_start(actor=CITY, filters=filters, day=SH_DAY + timedelta(days=1))
    assert refused.value.code == "outreach_nobody_to_remind"
    # after the spacing, up to the pack's most; then nobody more
    day = SH_DAY
    for _ in range(terms.max_reminders - 1):
        day += timedelta(days=terms.min_days_between)
        later = outreach_round_start(actor=CITY, filters=filters, day=day)
        assert later.sent == 3
        assert later.releases_from is not None
        assert round_.releases_until is not None
        assert later.releases_from >= round_.releases_until
    day += timedelta(days=terms.min_days_between)
    preview = outreach_preview(outreach_target(actor=CITY, filters=filters, day=day))
    assert preview.skipped["at_max"] == 3
    counts = OutreachReminder.objects.filter(campaign_id=campaign.pk).values_list("person_id")
    assert max(list(counts).count(c) for c in set(counts)) == terms.max_reminders


def test_a_district_officer_cannot_target_another_district(campaign: Campaign) -> None:
    people(campaign)
    with pytest.raises(ApplicationError) as refused:
        outreach_round_start(
            actor=HUANGPU_OFFICER, filters=OutreachFilter(district_code=JINGAN), day=SH_DAY
        )
    assert (refused.value.code, refused.value.status) == ("outreach_district_not_yours", 403)
    officer = AccountFactory.create(district_officer=True, district_code=HUANGPU, city_code="")
    answer = ApiClient(officer).post("/outreach/preview", {"district_code": JINGAN})
    assert answer.status_code == 403
    assert answer.json()["code"] == "outreach_district_not_yours"
    # their own district, chosen or not, is what they get
    own = ApiClient(officer).post("/outreach/preview", {})
    assert own.status_code == 200, own.content
    assert own.json()["selected"] == independent(campaign, HUANGPU)[0]
    assert not OutreachRound.objects.exists()


def test_a_stopped_round_resumes_without_reminding_anyone_twice(
    campaign: Campaign, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(5):
        shanghai_person()
    eligible(campaign)
    import sscard.campaigns.services as services

    monkeypatch.setattr(services, "ROUND_CHUNK", 2)
    real = services.campaign_invited_record  # type: ignore[attr-defined]
    calls = {"n": 0}

    def dies_on_the_second_chunk(**kwargs: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("the worker was killed")
        return real(**kwargs)

    monkeypatch.setattr(services, "campaign_invited_record", dies_on_the_second_chunk)
    # the worker dies in the second chunk (the task's error is logged, not raised here)
    outreach_round_start(actor=CITY, filters=OutreachFilter(), day=SH_DAY)
    round_ = OutreachRound.objects.get()
    assert (round_.status, round_.sent) == (RoundStatus.FAILED, 2)
    assert OutboxMessage.objects.count() == 2  # the second chunk rolled back whole
    resumed = outreach_round_resume(actor=CITY, round_id=round_.pk)
    assert (resumed.status, resumed.sent) == (RoundStatus.DONE, 5)
    persons = list(OutboxMessage.objects.values_list("person_id", flat=True))
    assert len(persons) == len(set(persons)) == 5
    assert OutreachReminder.objects.count() == 5
    with pytest.raises(ApplicationError) as refused:
        outreach_round_resume(actor=CITY, round_id=round_.pk)
    assert refused.value.code == "outreach_round_not_resumable"


def test_conversion_counts_those_reminded_who_applied_since(
    campaign: Campaign, city_officer: Any, client_for: ClientFor
) -> None:
    found = people(campaign)
    round_ = outreach_round_start(
        actor=CITY, filters=OutreachFilter(district_code=HUANGPU), day=SH_DAY
    )
    applied(found["remind"][0], SH_DAY + timedelta(days=3))
    applied(found["jingan"][0], SH_DAY + timedelta(days=3))  # not reminded
    reminded = set(
        OutreachReminder.objects.filter(round=round_).values_list("person_id", flat=True)
    )
    since = set(
        Milestone.objects.filter(kind="applied", day__gte=round_.day).values_list(
            "person_id", flat=True
        )
    )
    conversion = outreach_conversion([round_.pk])[round_.pk]
    assert (conversion.reminded, conversion.applied) == (len(reminded), len(reminded & since))
    assert (conversion.reminded, conversion.applied) == (3, 1)
    officer = AccountFactory.create(city_code="310000")
    page = client_for(officer).get("/reports/funnel/", {"day": "2019-12-31"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "funnel-rounds" in body
    assert "33%" in body


def test_hr_reminders_are_recorded_as_rounds() -> None:
    from sscard.applications.services import roster_remind
    from sscard.applications.tests.support import (
        BJ_PILOT_DAY,
        beijing_unit,
        confirm_all,
        hr,
        in_force,
        notified_collective,
    )

    in_force("beijing-2024")
    employer, staff = beijing_unit(3)
    collective = notified_collective(employer)
    confirm_all(collective, staff[:1], BJ_PILOT_DAY)
    sent = roster_remind(actor=hr(employer), collective_id=collective.pk)
    round_ = OutreachRound.objects.get()
    assert (round_.kind, round_.employer_id, round_.sent) == (RoundKind.EMPLOYER, employer.pk, sent)
    reminded = set(OutreachReminder.objects.values_list("person_id", flat=True))
    assert reminded == {staff[1].pk, staff[2].pk}
    assert list(outreach_rounds(actor=hr(employer))) == [round_]
    other = Actor(role=Role.EMPLOYER_HR, label="other", employer_id=employer.pk + 1000)
    assert list(outreach_rounds(actor=other)) == []


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("zh-hans", ("提醒轮次", "预览", "黄浦区")),
        ("en", ("Reminder rounds", "Preview", "Huangpu")),
    ],
)
def test_the_pages_in_both_languages(
    campaign: Campaign, client_for: ClientFor, language: str, words: tuple[str, ...]
) -> None:
    people(campaign)
    officer = AccountFactory.create(city_code="310000")
    client = client_for(officer)
    client.cookies["django_language"] = language
    page = client.get("/campaigns/outreach/", {"district_code": HUANGPU, "preview": "1"})
    body = page.content.decode()
    assert page.status_code == 200
    assert all(w in body for w in words), words
    assert 'id="outreach-preview"' in body
    # send: the question first (no JavaScript), then the round
    asked = client.post("/campaigns/outreach/send/", {"district_code": HUANGPU})
    assert asked.status_code == 200
    assert 'name="confirm" value="1"' in asked.content.decode()
    assert not OutreachRound.objects.exists()
    sent = client.post("/campaigns/outreach/send/", {"district_code": HUANGPU, "confirm": "1"})
    round_ = OutreachRound.objects.get()
    assert sent.status_code == 302
    assert sent["Location"].endswith(f"/outreach/{round_.pk}/")
    detail = client.get(sent["Location"])
    assert detail.status_code == 200
    assert str(round_.sent) in detail.content.decode()
    assert "campaign_reminder" not in detail.content.decode()
    # the holder's own setting, page and API
    holder = AccountFactory.create(cardholder=True, person=PersonFactory.create())
    mine = client_for(holder)
    mine.cookies["django_language"] = language
    assert mine.get("/me/reminders/").status_code == 200
    assert mine.post("/me/reminders/", {"wanted": "0"}).status_code == 302
    assert holder.person_id is not None
    assert ReminderOptOut.objects.filter(person_id=holder.person_id).exists()
    api = ApiClient(holder)
    assert api.get("/me/reminders").json() == {"wanted": False}
    put = api.client.put(
        "/api/v1/me/reminders",
        {"wanted": True},
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert put.status_code == 200
    assert not ReminderOptOut.objects.filter(person_id=holder.person_id).exists()

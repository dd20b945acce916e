"""The campaign's statistics (issue 13, SH-02): milestones written by the services as they work,
figures for any day that never change afterwards, every figure against an independent count over
the source tables, the series, the funnel, the backfill of the history, and the scopes.

The history is driven through the real services, one simulated day after another (the clock is
pinned: ``timezone.now`` answers 10:00 of the day in Beijing).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sscard.applications.models import Application, RosterEntry
from sscard.applications.services import (
    application_cancel,
    application_submit,
    collective_arrange,
    collective_notify,
    collective_open,
    collective_submit,
    roster_add_staff,
)
from sscard.applications.tests.support import branch, clerk, confirm_all, hr, in_force
from sscard.campaigns.milestones import eligible_record
from sscard.cards.models import Card
from sscard.cards.services import card_enable, card_replacement_apply
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.milestones import milestone_tallies_refresh
from sscard.core.models import AuditEvent, Milestone, MilestoneTally
from sscard.network.models import Outlet
from sscard.registry.models import Employer, Person
from sscard.reports.backfill import milestones_backfill
from sscard.reports.statistics import (
    APPLIED_NET,
    FUNNEL_KINDS,
    KINDS,
    StatScope,
    figures_on,
    funnel,
    scope_for,
    series,
)
from sscard.testing.card_life import clerk_of, collect_at, dispatch, produce
from sscard.testing.factories import (
    CHAOYANG,
    SHIJINGSHAN,
    XICHENG,
    BankFactory,
    EmployerFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db
D0 = date(2024, 3, 4)  # a Monday of Beijing's pilot
DAYS = [D0 + timedelta(days=i) for i in range(5)]
BUREAU = Actor(role=Role.CITY_OFFICER, label="bureau", city_code="110000")
SYSTEM = Actor.system("test")


class Clock:
    """The simulated day: ``timezone.now`` (and with it ``clock.today``) answers 10:00 of it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch

    def set(self, day: date) -> None:
        moment = timezone.make_aware(datetime.combine(day, time(10, 0)))
        self.monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    found = Clock(monkeypatch)
    found.set(D0)
    return found


@dataclass
class Unit:
    employer: Employer
    staff: list[Person]
    outlet: Outlet
    applications: list[Application]


@dataclass
class History:
    units: list[Unit]
    individual: Application
    withdrawn: Application
    eligible: int
    replacement: Application


def _unit(district: str, size: int, bank: str) -> tuple[Employer, list[Person], Outlet]:
    employer = EmployerFactory.create(insured_district=district)
    staff = [
        PersonFactory.create(
            employer=employer, insured_region=district, hukou_region=district, address="北京市"
        )
        for _ in range(size)
    ]
    return employer, staff, branch(bank, district=district)


def _collective(employer: Employer, staff: list[Person], outlet: Outlet, day: date) -> Unit:
    actor = hr(employer)
    collective = collective_open(actor=actor, day=day)
    collective_arrange(
        actor=actor, collective_id=collective.pk, day=day, pickup="branch", outlet_id=outlet.pk
    )
    roster_add_staff(actor=actor, collective_id=collective.pk, day=day)
    collective_notify(actor=actor, collective_id=collective.pk)
    confirm_all(collective, staff, day)
    collective_submit(actor=actor, collective_id=collective.pk, day=day)
    applications = list(Application.objects.filter(collective=collective).order_by("pk"))
    return Unit(employer, staff, outlet, applications)


def _at_a_branch(day: date) -> Application:
    """A Chaoyang resident (not a pilot target) applies for a card at a branch."""
    person = PersonFactory.create(insured_region=CHAOYANG, hukou_region=CHAOYANG, address="x")
    return application_submit(
        actor=clerk(branch("ICBC")),
        person=person,
        channel="bank_outlet",
        action="first",
        day=day,
        photo_source="id_card",
    )


def _enable(unit: Unit, card: Card, day: date) -> None:
    card_enable(actor=clerk_of(unit.outlet), card=Card.objects.get(pk=card.pk), today=day)


def build_history(clock: Clock, *, after_snapshot: Callable[[], None] | None = None) -> History:
    """Five days of a pilot: two units and two residents apply (D0), one withdraws and the cards
    are made (D1), one unit collects and enables (D2) — then ``after_snapshot`` — the other
    unit collects (D3), a damaged card is replaced, and the new card enabled (D4)."""
    clock.set(D0)
    in_force("beijing-2024")
    BankFactory.create()  # 中国工商银行, so that the banks have names to show
    BankFactory.create(code="CCB", name_zh="中国建设银行", name_en="China Construction Bank")
    people_a = _unit(XICHENG, 3, "ICBC")
    people_b = _unit(SHIJINGSHAN, 2, "CCB")
    eligible = eligible_record(actor=SYSTEM, city_code="110000", day=D0).recorded
    units = [_collective(*people_a, D0), _collective(*people_b, D0)]
    individual = _at_a_branch(D0)
    withdrawn = _at_a_branch(D0)
    eligible += eligible_record(actor=SYSTEM, city_code="110000", day=D0).recorded
    clock.set(DAYS[1])
    assert withdrawn.outlet is not None
    application_cancel(actor=clerk(withdrawn.outlet), application_id=withdrawn.pk)
    dispatch(produce(day=DAYS[1]))
    clock.set(DAYS[2])
    a_cards = [collect_at(units[0].outlet, app) for app in units[0].applications]
    for card in a_cards[:2]:
        _enable(units[0], card, DAYS[2])
    if after_snapshot is not None:
        after_snapshot()
    clock.set(DAYS[3])
    b_cards = [collect_at(units[1].outlet, app) for app in units[1].applications]
    _enable(units[1], b_cards[0], DAYS[3])
    desk = units[0].outlet
    replacement = card_replacement_apply(
        actor=clerk(desk),
        card=Card.objects.get(pk=a_cards[0].pk),
        reason="damaged",
        channel="bank_outlet",
        day=DAYS[3],
        pickup="branch",
    )
    clock.set(DAYS[4])
    dispatch(produce(day=DAYS[4]))
    new = collect_at(desk, replacement)
    _enable(units[0], new, DAYS[4])
    return History(units, individual, withdrawn, eligible, replacement)


# --------------------------------------------------------------------------------------------
# Independent counts: the source tables, never the milestones
# --------------------------------------------------------------------------------------------


def beijing_persons() -> Any:
    """The Beijing pack's public (``beijing_persons``): registered or insured in Beijing, or
    working for a Beijing employer — every person here was created before it was recorded."""
    return Person.objects.filter(
        Q(hukou_region__startswith="11")
        | Q(insured_region__startswith="11")
        | Q(employer__insured_district__startswith="11")
    )


def _on(found: Any, field: str, day: date, *, upto: bool) -> int:
    return int(found.filter(**{f"{field}__{'lte' if upto else 'exact'}": day}).count())


def independent(day: date, *, upto: bool) -> dict[str, int]:
    cards = Card.objects.all()
    eligible = beijing_persons().count()
    audit = AuditEvent.objects.all()

    def on(found: Any, field: str) -> int:
        return _on(found.filter(**{f"{field}__isnull": False}), f"{field}__date", day, upto=upto)

    return {
        "eligible": eligible if (upto or day == D0) else 0,
        "invited": on(RosterEntry.objects.all(), "invited_at"),
        "applied": _on(Application.objects.all(), "applied_on", day, upto=upto),
        "withdrawn": on(audit.filter(action="application_cancel"), "at"),
        "ordered": _on(cards.filter(remake_of__isnull=True), "issued_on", day, upto=upto),
        "made": on(cards, "produced_at"),
        "issued": on(cards, "handed_over_at"),
        "enabled": on(cards, "enabled_at"),
        "old_voided": on(audit.filter(action="card_invalidate"), "at"),
    }


def snapshot(day: date) -> tuple[Any, ...]:
    return (
        figures_on(actor=BUREAU, day=day, scope=StatScope()),
        series(actor=BUREAU, starts=D0, ends=day, step="day", scope=StatScope()),
        funnel(actor=BUREAU, day=day, scope=StatScope()),
    )


def test_a_past_day_never_changes_and_every_figure_matches_the_source_tables(clock: Clock) -> None:
    # given a pilot's first days, with the figures of D2 taken at the end of D2
    taken: list[tuple[Any, ...]] = []

    def take() -> None:
        # the figures at the end of D2; then the tallies take in everything so far, and the
        # next days' milestones are counted beside them
        taken.append(snapshot(DAYS[2]))
        assert milestone_tallies_refresh() == Milestone.objects.count()

    history = build_history(clock, after_snapshot=take)
    # when the figures of D2 are asked again after two more days' work (hand-overs, a
    # replacement applied for, made and enabled, an old card void)
    # then they are what they were, read from the tallies and the newer milestones, and again
    # once the tallies take in these too
    assert snapshot(DAYS[2]) == taken[0]
    assert Milestone.objects.filter(day__gt=DAYS[2]).exists()
    assert MilestoneTally.objects.exists()
    assert milestone_tallies_refresh() > 0
    assert snapshot(DAYS[2]) == taken[0]
    # and every day's figures, up to it and on it, are the independent counts
    for day in DAYS:
        found = figures_on(actor=BUREAU, day=day, scope=StatScope())
        expected = independent(day, upto=True)
        assert {k: found.cumulative[k] for k in KINDS} == expected, day
        assert found.on_day == independent(day, upto=False), day
        assert found.cumulative[APPLIED_NET] == expected["applied"] - expected["withdrawn"]
    end = figures_on(actor=BUREAU, day=DAYS[4], scope=StatScope())
    assert (end.cumulative["applied"], end.cumulative["made"], end.cumulative["old_voided"]) == (
        8,
        7,
        1,
    )
    _breakdowns_match(end)
    _series_match(history)
    _funnel_matches(history)


def _breakdowns_match(end: Any) -> None:
    """Applications by channel, group, district, bank and employer, counted over applications."""
    apps = list(
        Application.objects.values_list(
            "channel", "group", "person__insured_region", "bank_code",
            "collective__employer_id", "person__employer_id",
        )
    )  # fmt: skip
    batch = {"collective_online": "employer_batch", "collective_offline": "employer_batch"}
    expected = {
        "channel": Counter(batch.get(a[0], a[0]) for a in apps),
        "group": Counter(a[1] for a in apps),
        "district": Counter(a[2] for a in apps),
        "bank": Counter(a[3] for a in apps),
        "employer": Counter(str(a[4] or a[5] or "") for a in apps),
    }
    assert [b.dimension for b in end.applications_by] == list(expected)
    for breakdown in end.applications_by:
        assert {code: n for code, _name, n in breakdown.rows} == dict(
            expected[breakdown.dimension]
        ), breakdown.dimension
        # names, never codes
        assert all(name and name != code for code, name, _n in breakdown.rows), breakdown
    # the groups are the ones each decision placed the person in
    assert expected["group"] == Counter({"pilot_staff": 6, "beijing_persons": 2})


def _series_match(history: History) -> None:
    daily = series(actor=BUREAU, starts=D0, ends=DAYS[4], step="day", scope=StatScope())
    assert [(p.starts, p.ends) for p in daily] == [(d, d) for d in DAYS]
    for point in daily:
        assert point.counts == independent(point.starts, upto=False)
        assert point.totals == independent(point.ends, upto=True)
    (week,) = series(actor=BUREAU, starts=D0, ends=DAYS[4], step="week", scope=StatScope())
    assert (week.starts, week.ends) == (D0, DAYS[4])
    assert week.totals == daily[-1].totals
    assert week.counts == {k: sum(p.counts[k] for p in daily) for k in KINDS}
    made = series(
        actor=BUREAU, starts=DAYS[2], ends=DAYS[4], step="day", scope=StatScope(), kinds=["made"]
    )
    assert [(p.counts, p.totals) for p in made] == [
        ({"made": 0}, {"made": 6}),
        ({"made": 0}, {"made": 6}),
        ({"made": 1}, {"made": 7}),
    ]


def _first_days(rows: Any) -> dict[int, date]:
    found: dict[int, date] = {}
    for person, at in rows:
        day = timezone.localtime(at).date() if isinstance(at, datetime) else at
        found[person] = min(found.get(person, day), day)
    return found


def _funnel_matches(history: History) -> None:
    """Persons at each step and the median days, against the source tables."""
    cards = Card.objects.all()

    def first(found: Any, field: str) -> dict[int, date]:
        return _first_days(
            found.filter(**{f"{field}__isnull": False}).values_list("person_id", field)
        )

    voided = AuditEvent.objects.filter(action="card_invalidate")
    firsts = {
        "eligible": dict.fromkeys(beijing_persons().values_list("pk", flat=True), D0),
        "invited": first(RosterEntry.objects.all(), "invited_at"),
        "applied": first(Application.objects.all(), "applied_on"),
        "made": first(cards, "produced_at"),
        "issued": first(cards, "handed_over_at"),
        "enabled": first(cards, "enabled_at"),
        "old_voided": _first_days(
            (Card.objects.get(pk=int(e.object_id)).person_id, e.at) for e in voided
        ),
    }
    steps = funnel(actor=BUREAU, day=DAYS[4], scope=StatScope())
    assert [s.kind for s in steps] == list(FUNNEL_KINDS)
    previous: str | None = None
    for step in steps:
        persons = firsts[step.kind]
        assert step.count == len(persons), step.kind
        if previous is None:
            assert step.conversion is None
        else:
            before = firsts[previous]
            assert step.conversion == pytest.approx(len(persons) / len(before)), step.kind
            gaps = sorted((persons[p] - before[p]).days for p in persons if p in before)
            middle = (gaps[(len(gaps) - 1) // 2] + gaps[len(gaps) // 2]) / 2 if gaps else None
            assert step.median_days == middle, step.kind
        previous = step.kind
    assert [s.count for s in steps] == [history.eligible, 5, 7, 6, 5, 3, 1]
    assert history.eligible == beijing_persons().count() == 7


# --------------------------------------------------------------------------------------------
# The backfill
# --------------------------------------------------------------------------------------------

_FIELDS = (
    "kind", "day", "city_code", "district_code", "channel", "group", "bank_code", "employer_id",
    "outlet_id", "person_id", "application_id", "card_id", "campaign_id", "first", "gap_days",
)  # fmt: skip


def test_the_backfill_writes_the_milestones_the_services_write(clock: Clock) -> None:
    # given a history written by the services, with its milestones
    build_history(clock)
    written = Counter(Milestone.objects.exclude(kind="eligible").values_list(*_FIELDS))
    assert {k for k, *_ in written} == set(KINDS) - {"eligible"}
    # when the milestones are gone (a database from before them) and the backfill runs
    Milestone.objects.exclude(kind="eligible").delete()
    Application.objects.update(group="")
    with transaction.atomic():
        counts = milestones_backfill(apps=django_apps)
    # then it writes the same milestones, each on the day its record gives, and the groups
    assert Counter(Milestone.objects.exclude(kind="eligible").values_list(*_FIELDS)) == written
    assert counts == dict(Counter(k for k, *_ in written.elements()))
    assert set(Application.objects.values_list("group", flat=True)) == {
        "pilot_staff",
        "beijing_persons",
    }
    # and running it again writes nothing more
    with transaction.atomic():
        again = milestones_backfill(apps=django_apps)
    assert sum(again.values()) == 0


# --------------------------------------------------------------------------------------------
# The funnel's arithmetic on a hand-built history
# --------------------------------------------------------------------------------------------


def _milestone(kind: str, person: int, day: date, *, district: str = XICHENG, **extra: Any) -> None:
    from sscard.core.milestones import milestone_record

    with transaction.atomic():
        milestone_record(
            kind, day=day, city_code="110000", district_code=district, person_id=person, **extra
        )


def test_the_funnel_counts_persons_and_takes_the_median_of_the_days_between_steps() -> None:
    # given four persons eligible on D0; three invited (days 1, 2, 2); two applied 3 and 5 days
    # after their invitation (one of them twice, after withdrawing); one card made 10 days after
    for person in (1, 2, 3, 4):
        _milestone("eligible", person, D0, campaign_id=1)
    for person, after in ((1, 1), (2, 2), (3, 2)):
        _milestone("invited", person, D0 + timedelta(days=after), campaign_id=1)
    _milestone("applied", 1, D0 + timedelta(days=4))
    milestone_tallies_refresh()  # the rest is counted beside the tallies
    _milestone("withdrawn", 1, D0 + timedelta(days=5))
    _milestone("applied", 1, D0 + timedelta(days=6))
    _milestone("applied", 2, D0 + timedelta(days=7))
    _milestone("made", 2, D0 + timedelta(days=17))
    # when the funnel is asked on day 20, and on day 6
    late = {s.kind: s for s in funnel(actor=BUREAU, day=D0 + timedelta(days=20), scope=StatScope())}
    early = {s.kind: s for s in funnel(actor=BUREAU, day=D0 + timedelta(days=6), scope=StatScope())}
    # then each step counts persons, converts from the step before, and the median days are
    # between each person's first milestones of the two steps
    assert [(k, s.count) for k, s in late.items()] == [
        ("eligible", 4), ("invited", 3), ("applied", 2), ("made", 1),
        ("issued", 0), ("enabled", 0), ("old_voided", 0),
    ]  # fmt: skip
    assert late["eligible"].conversion is None
    assert late["eligible"].median_days is None
    assert late["invited"].conversion == pytest.approx(0.75)
    assert late["invited"].median_days == 2  # 1, 2, 2
    assert late["applied"].conversion == pytest.approx(2 / 3)
    assert late["applied"].median_days == 4  # 3 and 5
    assert late["made"].median_days == 10
    assert late["issued"].conversion == 0
    assert late["issued"].median_days is None
    assert late["enabled"].conversion is None  # nothing to convert from
    # and the day counts: on day 6 person 2 had not applied yet, person 1 had (on day 4)
    assert (early["applied"].count, early["applied"].median_days) == (1, 3)
    assert early["invited"].median_days == 2


def test_walk_ins_enter_the_funnel_at_applied_and_a_backdated_step_has_no_gap() -> None:
    # given two persons who applied without an invitation, and a third invited on day 9 whose
    # application, taken on paper on day 3, was recorded after the invitation
    for person in (1, 2, 3):
        _milestone("eligible", person, D0, campaign_id=1)
    _milestone("applied", 1, D0 + timedelta(days=3))
    _milestone("applied", 2, D0 + timedelta(days=3))
    _milestone("invited", 3, D0 + timedelta(days=9), campaign_id=1)
    _milestone("applied", 3, D0 + timedelta(days=3))
    steps = {
        s.kind: s for s in funnel(actor=BUREAU, day=D0 + timedelta(days=10), scope=StatScope())
    }
    # then "applied" counts all three, above the one invited: the page says people entered there
    assert (steps["invited"].count, steps["applied"].count) == (1, 3)
    assert steps["applied"].conversion == pytest.approx(3.0)
    assert steps["applied"].entered_here
    assert not steps["invited"].entered_here
    # and no median counts days backwards, before or after the tallies take the rows in
    assert steps["applied"].median_days is None
    milestone_tallies_refresh()
    again = funnel(actor=BUREAU, day=D0 + timedelta(days=10), scope=StatScope())
    assert again == list(steps.values())


# --------------------------------------------------------------------------------------------
# Scopes
# --------------------------------------------------------------------------------------------


def _hand_built() -> tuple[Employer, Employer]:
    mine, theirs = EmployerFactory.create(), EmployerFactory.create()
    for person, district, employer in (
        (1, XICHENG, mine.pk),
        (2, XICHENG, theirs.pk),
        (3, SHIJINGSHAN, mine.pk),
        (4, SHIJINGSHAN, None),
    ):
        _milestone(
            "applied", person, D0, district=district, employer_id=employer, channel="online",
            group="beijing_persons", bank_code="ICBC",
        )  # fmt: skip
    return mine, theirs


def test_each_reader_sees_their_own_part_and_no_more() -> None:
    mine, theirs = _hand_built()
    district_officer = Actor(
        role=Role.DISTRICT_OFFICER, label="d", city_code="110000", district_code=XICHENG
    )
    employer_hr = Actor(role=Role.EMPLOYER_HR, label="hr", employer_id=mine.pk)

    def applied(actor: Actor, **scope: Any) -> int:
        found = figures_on(actor=actor, day=D0, scope=scope_for(actor, **scope))
        return found.cumulative["applied"]

    # a city officer sees the city, and may narrow it to a district or an employer
    assert applied(BUREAU) == 4
    assert applied(BUREAU, district_code=SHIJINGSHAN) == 2
    assert applied(BUREAU, employer_id=theirs.pk) == 1
    assert applied(BUREAU, group="beijing_persons") == 4
    assert applied(BUREAU, group="pilot_staff") == 0
    # a district officer sees their district, whatever scope is built by hand
    assert applied(district_officer) == 2
    assert figures_on(actor=district_officer, day=D0, scope=StatScope()).cumulative["applied"] == 2
    # HR sees their employer's staff
    assert applied(employer_hr) == 2
    assert applied(employer_hr, district_code=SHIJINGSHAN) == 1
    # asking for more is refused with a stable code, on every selector
    officer, other = district_officer, StatScope(employer_id=theirs.pk)
    not_yours, not_ours = "statistics_district_not_yours", "statistics_employer_not_yours"
    yesterday = D0 - timedelta(days=1)
    refusals: list[tuple[Callable[[], object], str]] = [
        (lambda: scope_for(officer, district_code=SHIJINGSHAN), not_yours),
        (lambda: figures_on(actor=officer, day=D0, scope=StatScope(SHIJINGSHAN)), not_yours),
        (lambda: funnel(actor=employer_hr, day=D0, scope=other), not_ours),
        (lambda: scope_for(BUREAU, district_code="310106"), not_yours),
        (lambda: scope_for(BUREAU, district_code="xicheng"), "statistics_district_invalid"),
        (
            lambda: series(actor=BUREAU, starts=D0, ends=yesterday, step="day", scope=StatScope()),
            "statistics_period_invalid",
        ),
    ]
    for call, code in refusals:
        with pytest.raises(ApplicationError) as caught:
            call()
        assert caught.value.code == code
    # and other roles are refused
    for role in (Role.BANK_CLERK, Role.COMMUNITY_CLERK, Role.CARDHOLDER, Role.PRODUCTION_OPERATOR):
        with pytest.raises(ApplicationError) as caught:
            scope_for(Actor(role=role, label="x", outlet_id=1, person_id=1))
        assert caught.value.code == "permission_denied"


def test_persons_are_recorded_eligible_once_per_campaign(clock: Clock) -> None:
    # given a campaign in force and Beijing persons
    campaign = in_force("beijing-2024")
    PersonFactory.create_batch(3)
    PersonFactory.create(insured_region="310106", hukou_region="310106")  # a Shanghai person
    # when eligibility is recorded twice, in small chunks
    first = eligible_record(actor=SYSTEM, city_code="110000", day=D0, chunk_size=1000)
    again = eligible_record(actor=SYSTEM, city_code="110000", day=DAYS[1], chunk_size=1000)
    # then each Beijing person is eligible once, on the first day, in the group the pack's
    # rules in force place them in
    assert (first.recorded, first.already, again.recorded, again.already) == (3, 0, 0, 3)
    rows = list(
        Milestone.objects.filter(kind="eligible").values_list("day", "group", "campaign_id")
    )
    assert rows == [(D0, "beijing_persons", campaign.pk)] * 3
    # and only bureau roles may record it
    with pytest.raises(ApplicationError) as caught:
        eligible_record(actor=Actor(role=Role.EMPLOYER_HR, label="hr"), city_code="110000")
    assert caught.value.code == "permission_denied"

"""Shanghai's new-card pilot of 2018, replayed (SH-02, issue 13).

The notice (seeds/003): "今年7月起，在静安、普陀、浦东等区，对退休人员、在校学生儿童和
单位在职人员分不同渠道开展换发试点工作。截至12月20日，全市共换发新版社保卡285万张（其中网点
办理278万张，线上办理7万张），累计制作、发放新版社保卡174万张。" The replay builds those three
districts' people, lives the pilot from 1 July to 20 December 2018 through the platform's
services, and prints the report of that day.

Who comes, by which channel (the pack's pilot phase decides whether they may):

* retirees at the counters of the service banks (at the branch of their pension bank where it
  is one of the eleven) and of the community centres, on working days, busiest on Mondays;
* staff through their employers: an employer's bank clerk opens the collective application at
  the branch of the employer's payroll bank (offline, 服务银行会同单位批量换发), lists the
  staff, and they are invited; nine in ten confirm within two weeks and the clerk submits;
* pupils and children, whose parents apply online (any day, more at weekends).

How many: the notice's figures at scale 1 — 2.78 million at outlets (the counters and the
employer batches taken at bank branches) and 0.07 million online by 20 December — are the
expected totals of the arrival rates (``arrivals.py``); the split of the counters' 2.78 million
between retirees and staff is chosen (below). Every rate builds up over the months at one
growth rate, and that growth is found so that the expected share of applications whose card is
made by 20 December is the notice's 174/285: production forms batches on the first working day
of each week (SH-10), the card factory answers 20 working days after the file, the post
delivers a day or two later. The services then decide: the engine may refuse someone, an
employer's roster holds whom the engine lets in, a staff member confirms or does not, the
factory spoils a card now and then (remade), the post fails to deliver some (the card waits
at the holder's backup community centre, SH-13, and is collected there).
"""

from __future__ import annotations

import random
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Q

from sscard.applications.choices import RosterStatus
from sscard.applications.models import Application, RosterEntry
from sscard.applications.services import (
    collective_arrange,
    collective_notify,
    collective_open,
    collective_submit,
    roster_add_staff,
)
from sscard.campaigns.milestones import eligible_record
from sscard.campaigns.services import campaign_put_in_force
from sscard.core.actors import Actor, Role
from sscard.core.calendar import work_calendar
from sscard.core.errors import ApplicationError
from sscard.delivery.choices import ShipmentMethod, ShipmentStatus
from sscard.delivery.models import Shipment
from sscard.delivery.services import batch_dispatch
from sscard.kernel.workdays import WorkCalendar
from sscard.network.choices import OutletKind
from sscard.network.models import Outlet
from sscard.policy import builtin_pack
from sscard.production.choices import BatchStatus
from sscard.production.models import Batch
from sscard.production.services import (
    batch_export,
    batch_start,
    batches_form,
    factory_result_import,
)
from sscard.production.services.factory import factory_key
from sscard.registry.models import Employer, Person
from sscard.replay.arrivals import (
    Stream,
    days_between,
    growth_for_share,
    poisson,
    rates,
    stream_days,
)
from sscard.replay.clock import SimulatedClock, simulated_time
from sscard.replay.errors import ReplayErrorCode
from sscard.replay.hands import Apply, Collect, Confirm, Deliver, Hands
from sscard.replay.population import PopulationCut, Say, population_build
from sscard.synthetic.cities import city_profile
from sscard.synthetic.places import FULL_SCALE
from sscard.testing.card_factory import Intake, factory_read, factory_result
from sscard.testing.card_life import OPERATOR, clerk_of, root
from sscard.testing.demo import reference_load

SCENARIO = "shanghai-2018-pilot"
CITY = "shanghai"
CITY_CODE = "310000"
PACK_ID = "shanghai-2019"
DISTRICTS = ("310106", "310107", "310115")  # 静安, 普陀, 浦东 (SH-02)
FIRST_DAY = date(2018, 7, 1)
REPORT_DAY = date(2018, 12, 20)
EVE = FIRST_DAY - timedelta(days=1)

# The notice's figures for 20 December 2018 (SH-02), the whole pilot at scale 1.
NOTICE_APPLICATIONS = 2_850_000
NOTICE_AT_OUTLETS = 2_780_000
NOTICE_ONLINE = 70_000
NOTICE_MADE_ISSUED = 1_740_000

# chosen: the notice does not split the 2.78 million taken at outlets between the counters
# (retirees) and the employer batches (staff). The three districts have about 1.6 million
# retirees and 4.6 million staff at scale 1; a pilot that reached three in five retirees and
# two in five staff by December gives this split.
RETIREES_AT_COUNTERS = 980_000
STAFF_IN_EMPLOYER_BATCHES = NOTICE_AT_OUTLETS - RETIREES_AT_COUNTERS
PUPILS_ONLINE = NOTICE_ONLINE

# chosen: most retirees go to their bank (SH-07 names the service banks first).
RETIREES_AT_BANK_SHARE = 0.8
# chosen: the share of invited staff who confirm their data, and how long the clerk waits.
STAFF_CONFIRM_SHARE = 0.9
STAFF_SUBMIT_AFTER_WORKING_DAYS = 10
# chosen: a large employer applies department by department (one collective at a time, SH-14's
# "阶段或常年办理" for big enterprises), so that no giant arrives in one day.
DEPARTMENT_STAFF = 200
# chosen: the card factory's turnaround, its spoilage, and the post's.
FACTORY_WORKING_DAYS = 20
FACTORY_DEFECT_SHARE = 0.003
POST_DELAY_DAYS = ((1, 0.75), (2, 0.25))
POST_FAILED_SHARE = 0.01
COLLECT_AFTER_WORKING_DAYS = (1, 5)
PERSONALISATION_WAIT_SECONDS = 3600.0

STREAMS = (
    Stream("retirees", RETIREES_AT_COUNTERS, (1.2, 1.05, 1.0, 0.95, 0.9, 0.9, 0.9), True),
    Stream("staff", STAFF_IN_EMPLOYER_BATCHES, (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0), True),
    Stream("pupils", PUPILS_ONLINE, (1.0, 1.0, 1.0, 1.0, 1.1, 1.4, 1.4), False),
)
SYSTEM = Actor.system(f"replay:{SCENARIO}")


class ReplayRefused(Exception):
    """The replay cannot run on this database (``code`` says why; ``errors.ReplayErrorCode``)."""

    def __init__(self, code: ReplayErrorCode, **values: object) -> None:
        self.code = code.code
        self.message_zh, self.message_en = code.text(**values)
        super().__init__(self.message_en)


# --------------------------------------------------------------------------------------------
# The plan: production's calendar and the arrival rates
# --------------------------------------------------------------------------------------------


class ProductionCalendar:
    """When production works: batches are formed (and their files sent) on the first working
    day of each week; the factory's result comes ``FACTORY_WORKING_DAYS`` working days later."""

    def __init__(self, calendar: WorkCalendar, first: date, last: date) -> None:
        self.calendar = calendar
        weeks: dict[tuple[int, int], date] = {}
        for day in days_between(first, last):
            if calendar.is_working_day(day):
                weeks.setdefault(day.isocalendar()[:2], day)
        self.forming_days = sorted(weeks.values())
        self._forming = set(self.forming_days)

    def is_forming_day(self, day: date) -> bool:
        return day in self._forming

    def forming_on_or_after(self, day: date) -> date | None:
        return next((d for d in self.forming_days if d >= day), None)

    def result_day(self, formed: date) -> date:
        return self.calendar.add_working_days(formed, FACTORY_WORKING_DAYS)

    def made_by(self, applied: date, last: date) -> float:
        """The chance that a card applied for on ``applied`` is made by ``last``: its batch is
        formed the next forming day; a spoilt card is remade in the next round."""
        formed = self.forming_on_or_after(applied + timedelta(days=1))
        chance, reaching = 0.0, 1.0
        while formed is not None and (result := self.result_day(formed)) <= last:
            chance += reaching * (1 - FACTORY_DEFECT_SHARE)
            reaching *= FACTORY_DEFECT_SHARE
            formed = self.forming_on_or_after(result)
        return chance


@dataclass(frozen=True, slots=True)
class PilotPlan:
    """The expected arrivals of each stream on each day, and the growth that shapes them."""

    scale: float
    growth: float
    rates: dict[str, dict[date, float]]
    #: Each working day an employer may open on, with the submission day it aims at.
    openings: dict[date, date]

    def expected(self, key: str) -> float:
        return sum(self.rates[key].values())


def _stream_days(stream: Stream, calendar: WorkCalendar) -> list[date]:
    days = stream_days(stream, days_between(FIRST_DAY, REPORT_DAY), calendar)
    if stream.key == "staff":
        # A collective opened on the pilot's first working day is submitted ten later.
        first = calendar.add_working_days(
            calendar.next_working_day(FIRST_DAY), STAFF_SUBMIT_AFTER_WORKING_DAYS
        )
        days = [d for d in days if d >= first]
    return days


def pilot_plan(*, scale: float, calendar: WorkCalendar | None = None) -> PilotPlan:
    """The arrival rates at ``scale``, their growth found from the notice's share made."""
    calendar = calendar or work_calendar()
    production = ProductionCalendar(calendar, FIRST_DAY, REPORT_DAY + timedelta(days=120))
    days = {s.key: _stream_days(s, calendar) for s in STREAMS}
    made = {d: production.made_by(d, REPORT_DAY) for d in days_between(FIRST_DAY, REPORT_DAY)}

    def share_made(growth: float) -> float:
        expected = total = 0.0
        for stream in STREAMS:
            for day, rate in rates(
                stream, days[stream.key], growth=growth, scale=1.0, start=FIRST_DAY
            ).items():
                expected += rate * made[day]
                total += rate
        return expected / total

    growth = growth_for_share(share_made, NOTICE_MADE_ISSUED / NOTICE_APPLICATIONS)
    by_stream = {
        s.key: rates(s, days[s.key], growth=growth, scale=scale, start=FIRST_DAY) for s in STREAMS
    }
    openings = {}
    for day in days_between(FIRST_DAY, REPORT_DAY):
        if calendar.is_working_day(day):
            submit = calendar.add_working_days(day, STAFF_SUBMIT_AFTER_WORKING_DAYS)
            if submit <= REPORT_DAY:
                openings[day] = submit
    return PilotPlan(scale=scale, growth=growth, rates=by_stream, openings=openings)


# --------------------------------------------------------------------------------------------
# What happened
# --------------------------------------------------------------------------------------------


@dataclass
class ReplayCounts:
    """What the replay asked the services to do, and what they answered."""

    eligible: int = 0
    applied: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    #: Staff the engine kept off a roster, by reason.
    roster_refused: Counter[str] = field(default_factory=Counter)
    collectives: int = 0
    rostered: int = 0
    confirmed: int = 0
    batches: int = 0
    cards_made: int = 0
    cards_defective: int = 0
    delivered: int = 0
    undelivered: int = 0
    collected: int = 0

    def refuse(self, error: ApplicationError) -> None:
        self.refused[error.code] += 1


@dataclass
class ReplayResult:
    plan: PilotPlan
    cut: PopulationCut
    counts: ReplayCounts
    seconds: float
    imported: dict[str, int]


#: Called after each simulated day: (day, days done, days in all, counts).
OnDay = Callable[[date, int, int, ReplayCounts], None]


# --------------------------------------------------------------------------------------------
# The replay
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Sent:
    """A batch file the factory has: the cards it will report on, on ``due``."""

    batch_id: int
    due: date
    intake: Intake


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the replay reads of a person to decide where they go."""

    pk: int
    insured_region: str
    hukou_region: str
    pension_bank: str
    guardian_id: int | None
    school_id: int | None


def _partner_banks() -> list[str]:
    return [bank.code for bank in builtin_pack(PACK_ID).banks]


class ShanghaiPilot:
    """One run of the replay on an empty, migrated database."""

    def __init__(
        self, *, scale: float, seed: int, processes: int = 1, on_day: OnDay | None = None
    ) -> None:
        self.scale = scale
        self.seed = seed
        self.on_day = on_day
        self.calendar = work_calendar()
        self.production = ProductionCalendar(
            self.calendar, FIRST_DAY, REPORT_DAY + timedelta(days=120)
        )
        self.plan = pilot_plan(scale=scale, calendar=self.calendar)
        self.counts = ReplayCounts()
        self.clock = SimulatedClock(EVE)
        self.hands = Hands(self.clock, processes)
        self.rng = {
            purpose: random.Random(f"sscard-replay:{SCENARIO}:{seed}:{purpose}")
            for purpose in ("arrivals", "choices", "staff", "factory", "post")
        }
        partners = _partner_banks()
        weights = city_profile(CITY).bank_weights
        self.partners = partners
        self.partner_weights = [weights.get(code, 1.0) for code in partners]
        # Filled by the set-up.
        self.branches: dict[tuple[str, str], list[Outlet]] = defaultdict(list)
        self.centres: dict[str, list[Outlet]] = defaultdict(list)
        self.retirees: list[int] = []
        self.pupils: list[int] = []
        self.staff_sizes: dict[int, int] = {}
        self.departments: list[int] = []
        self.staff_taken: dict[int, int] = {}
        self.busy: set[int] = set()
        # The days ahead.
        self.confirmations: dict[date, list[tuple[int, int]]] = defaultdict(list)
        self.submissions: dict[date, list[tuple[int, int, Actor]]] = defaultdict(list)
        self.sent: list[_Sent] = []
        self.started: list[int] = []
        self.deliveries: dict[date, list[tuple[str, bool]]] = defaultdict(list)
        self.collections: dict[date, list[int]] = defaultdict(list)
        self.rostered_wanted = 0.0

    # ---- set-up -----------------------------------------------------------------------------

    def check_empty(self) -> None:
        if Person.objects.exists() or Application.objects.exists():
            raise ReplayRefused(ReplayErrorCode.DATABASE_NOT_EMPTY)

    def set_up(self, say: Say) -> tuple[PopulationCut, dict[str, int]]:
        """On the eve of the pilot: reference data, the pack in force, the population."""
        reference_load()
        campaign_put_in_force(actor=SYSTEM, pack=builtin_pack(PACK_ID))
        persons = max(1_000, round(FULL_SCALE * self.scale))
        with tempfile.TemporaryDirectory(prefix="sscard-replay-", dir=settings.DATA_DIR) as tmp:
            # The generated files hold ID numbers in the clear: gone once imported.
            cut, jobs = population_build(
                city=CITY,
                persons=persons,
                seed=self.seed,
                districts=DISTRICTS,
                as_of=EVE,
                work_dir=Path(tmp),
                actor=SYSTEM,
                say=say,
            )
        imported = {job.kind: job.rows_inserted for job in jobs}
        refused = {job.kind: job.rows_refused for job in jobs if job.rows_refused}
        if refused:
            raise ReplayRefused(ReplayErrorCode.IMPORT_REFUSED, refused=refused)
        self._load_places()
        return cut, imported

    def _load_places(self) -> None:
        outlets = Outlet.objects.filter(district__in=DISTRICTS).select_related("bank")
        for outlet in outlets.order_by("pk"):
            if outlet.kind == OutletKind.BANK_BRANCH and outlet.bank is not None:
                self.branches[(outlet.district, outlet.bank.code)].append(outlet)
            elif outlet.kind == OutletKind.COMMUNITY_CENTRE:
                self.centres[outlet.district].append(outlet)
        in_districts = Q(hukou_region__in=DISTRICTS) | Q(insured_region__in=DISTRICTS)
        self.retirees = list(
            Person.objects.filter(in_districts, category="retiree")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        self.pupils = list(
            Person.objects.filter(
                in_districts, category__in=("pupil", "preschool_child"), guardian__isnull=False
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        staffed = (
            Employer.objects.filter(insured_district__in=DISTRICTS)
            .annotate(staff_count=Count("staff", filter=Q(staff__category="in_service_staff")))
            .filter(staff_count__gt=0)
            .order_by("pk")
            .values_list("pk", "staff_count")
        )
        self.staff_sizes = dict(staffed)
        # A large employer applies department by department: one entry per department.
        self.departments = [
            employer
            for employer, size in self.staff_sizes.items()
            for _ in range(-(-size // DEPARTMENT_STAFF))
        ]
        # Who comes first is drawn once: each pool is taken from its end.
        for pool in (self.retirees, self.pupils, self.departments):
            self.rng["arrivals"].shuffle(pool)

    # ---- the days ---------------------------------------------------------------------------

    def run(self, say: Say) -> ReplayResult:
        started = time.monotonic()
        with simulated_time(self.clock):
            self.check_empty()
            cut, imported = self.set_up(say)
            days = days_between(FIRST_DAY, REPORT_DAY)
            with self.hands:
                for n, day in enumerate(days, start=1):
                    self.clock.move_to(day)
                    self.live(day)
                    if self.on_day is not None:
                        self.on_day(day, n, len(days), self.counts)
        return ReplayResult(self.plan, cut, self.counts, time.monotonic() - started, imported)

    def live(self, day: date) -> None:
        """One day, in the order it happens: the post's round and collections, the factory's
        results and dispatch, forming the week's batches; then the counters, the online
        service and the employers; in the evening the week's batch files go to the factory."""
        working = self.calendar.is_working_day(day)
        if day == FIRST_DAY:
            # The bureau records whom the pilot reaches (the funnel's first step).
            self.counts.eligible = eligible_record(
                actor=SYSTEM, city_code=CITY_CODE, day=day
            ).recorded
        self.post_round(day)
        if working:
            self.collect(day)
            self.factory_results(day)
        if self.production.is_forming_day(day):
            self.form_batches(day)
        self.confirm_staff(day)
        if working:
            self.submit_collectives(day)
            self.counters(day)
        self.online(day)
        if working and day in self.plan.openings:
            self.open_collectives(day, self.plan.openings[day])
        if self.started:
            self.send_to_factory(day)

    # ---- applications -----------------------------------------------------------------------

    def _take(self, pool: list[int], rate: float) -> list[int]:
        wanted = min(len(pool), poisson(self.rng["arrivals"], rate))
        taken = pool[len(pool) - wanted :]
        del pool[len(pool) - wanted :]
        return taken

    def _district(self, person: _Facts) -> str:
        if person.insured_region in DISTRICTS:
            return person.insured_region
        return person.hukou_region

    def _centre(self, district: str) -> Outlet:
        centres = self.centres[district]
        return centres[int(self.rng["choices"].random() * len(centres))]

    def _partner(self) -> str:
        return self.rng["choices"].choices(self.partners, self.partner_weights)[0]

    def _branch(self, district: str, bank: str) -> Outlet:
        branches = self.branches[(district, bank)]
        return branches[int(self.rng["choices"].random() * len(branches))]

    def _facts(self, ids: Sequence[int]) -> list[_Facts]:
        """What the replay needs to know of these persons to send them somewhere, in order."""
        rows = Person.objects.filter(pk__in=ids).values_list(
            "pk", "insured_region", "hukou_region", "pension_bank", "guardian_id", "school_id"
        )
        found = {row[0]: _Facts(*row) for row in rows}
        return [found[pk] for pk in ids if pk in found]

    def _applied(self, works: Sequence[Apply]) -> None:
        for work, outcome in zip(works, self.hands.do(works), strict=True):
            if outcome.refused:
                self.counts.refused[outcome.refused] += 1
            else:
                self.counts.applied[work.channel] += 1

    def counters(self, day: date) -> None:
        """Retirees at the service banks' and community centres' counters (SH-07)."""
        arrivals = self._take(self.retirees, self.plan.rates["retirees"].get(day, 0.0))
        works = []
        for person in self._facts(arrivals):
            district = self._district(person)
            bank = person.pension_bank if person.pension_bank in self.partners else None
            centre = self._centre(district)
            if self.rng["choices"].random() < RETIREES_AT_BANK_SHARE:
                outlet = self._branch(district, bank or self._partner())
                channel = "bank_outlet"
            else:
                outlet, channel = centre, "community_centre"
            works.append(
                Apply(
                    person_id=person.pk,
                    actor=clerk_of(outlet),
                    channel=channel,
                    photo_source="id_card",
                    bank=bank or (outlet.bank.code if outlet.bank else self._partner()),
                    backup_centre_id=centre.pk,
                )
            )
        self._applied(works)

    def online(self, day: date) -> None:
        """Parents apply for their children online and pick one of the banks (SH-09)."""
        arrivals = self._take(self.pupils, self.plan.rates["pupils"].get(day, 0.0))
        works = [
            Apply(
                person_id=child.pk,
                actor=Actor(
                    role=Role.CARDHOLDER,
                    label=f"holder:{child.guardian_id}",
                    person_id=child.guardian_id,
                ),
                channel="parent_online",
                photo_source="student_card" if child.school_id else "id_card",
                bank=self._partner(),
                backup_centre_id=self._centre(self._district(child)).pk,
            )
            for child in self._facts(arrivals)
        ]
        self._applied(works)

    def _next_department(self) -> tuple[int, int] | None:
        """Where in the queue the next department to come is, and its staff (a department of
        an employer with a collective under way waits, in its place, until that is submitted)."""
        for i in range(len(self.departments) - 1, -1, -1):
            employer = self.departments[i]
            if employer not in self.busy:
                left = self.staff_sizes[employer] - self.staff_taken.get(employer, 0)
                return i, min(DEPARTMENT_STAFF, left)
        return None

    def _department_staff(self, employer: int) -> list[int]:
        taken = self.staff_taken.get(employer, 0)
        staff = list(
            Person.objects.filter(employer_id=employer, category="in_service_staff")
            .order_by("pk")
            .values_list("pk", flat=True)[taken : taken + DEPARTMENT_STAFF]
        )
        self.staff_taken[employer] = taken + len(staff)
        return staff

    def open_collectives(self, day: date, submit_on: date) -> None:
        """Employers' departments come to the payroll bank, which takes their collective
        application and invites the staff (SH-08): the next comes while the staff listed so far
        fall short of those the rates asked for by at least half its staff (so that, department
        by department, the listed staff neither lag nor run ahead of the rates on average)."""
        rate = self.plan.rates["staff"].get(submit_on, 0.0)
        self.rostered_wanted += poisson(self.rng["arrivals"], rate / STAFF_CONFIRM_SHARE)
        while (found := self._next_department()) is not None and (
            self.rostered_wanted - self.counts.rostered >= found[1] / 2
        ):
            employer_id = self.departments.pop(found[0])
            staff = self._department_staff(employer_id)
            if self._open_collective(day, submit_on, employer_id, staff):
                self.busy.add(employer_id)

    def _open_collective(
        self, day: date, submit_on: date, employer_id: int, staff: list[int]
    ) -> bool:
        """One department's collective application, taken by a clerk of the payroll bank."""
        employer = Employer.objects.get(pk=employer_id)
        payroll = [b for b in employer.payroll_banks or () if b in self.partners]
        clerk = clerk_of(
            self._branch(employer.insured_district, payroll[0] if payroll else self._partner())
        )
        try:
            collective = collective_open(actor=clerk, day=day, employer_id=employer.pk)
            collective_arrange(actor=clerk, collective_id=collective.pk, day=day, pickup="post")
            listed = roster_add_staff(
                actor=clerk, collective_id=collective.pk, day=day, person_ids=staff
            )
            self.counts.roster_refused.update(listed.refused)
            if not listed.added:
                return False
            collective_notify(actor=clerk, collective_id=collective.pk)
        except ApplicationError as error:
            self.counts.refuse(error)
            return False
        self.counts.collectives += 1
        self.counts.rostered += listed.added
        self._plan_confirmations(collective.pk, day, submit_on)
        self.submissions[submit_on].append((collective.pk, employer.pk, clerk))
        return True

    def _plan_confirmations(self, collective_id: int, day: date, submit_on: date) -> None:
        rng = self.rng["staff"]
        window = (submit_on - day).days
        invited = RosterEntry.objects.filter(
            collective_id=collective_id, status=RosterStatus.INVITED
        ).order_by("pk")
        for entry_id, person_id in invited.values_list("pk", "person_id"):
            if rng.random() < STAFF_CONFIRM_SHARE:
                on = day + timedelta(days=1 + int(rng.random() * window))
                self.confirmations[on].append((entry_id, person_id))

    def confirm_staff(self, day: date) -> None:
        """Staff confirm their data and photo on their phones (BJ-04's step, SH-11)."""
        due = self.confirmations.pop(day, [])
        if not due:
            return
        facts = {f.pk: f for f in self._facts([p for _, p in due])}
        works = [
            Confirm(entry_id, person_id, self._centre(self._district(facts[person_id])).pk)
            for entry_id, person_id in due
        ]
        for outcome in self.hands.do(works):
            if outcome.refused:
                self.counts.refused[outcome.refused] += 1
            else:
                self.counts.confirmed += 1

    def submit_collectives(self, day: date) -> None:
        for collective_id, employer_id, clerk in self.submissions.pop(day, []):
            self.busy.discard(employer_id)
            try:
                result = collective_submit(actor=clerk, collective_id=collective_id, day=day)
            except ApplicationError as error:
                self.counts.refuse(error)
            else:
                self.counts.applied["collective_offline"] += result.submitted

    # ---- production and delivery ------------------------------------------------------------

    def form_batches(self, day: date) -> None:
        """Batches by channel and collection date, oldest first (SH-10); every batch formed and
        not yet started (the week's, and the remakes of spoilt cards) is started: its
        personalisation runs on the workers, or here without a broker."""
        formed = batches_form(actor=OPERATOR, today=day)
        self.counts.batches += len(formed)
        waiting = Batch.objects.filter(status=BatchStatus.FORMED).order_by("pk")
        for batch_id in waiting.values_list("pk", flat=True):
            batch_start(actor=OPERATOR, batch_id=batch_id)
            self.started.append(batch_id)

    def send_to_factory(self, day: date) -> None:
        """Export each started batch once personalised; the factory reads it on receipt and
        answers ``FACTORY_WORKING_DAYS`` later."""
        deadline = time.monotonic() + PERSONALISATION_WAIT_SECONDS
        trusted = root()
        due = self.production.result_day(day)
        for batch_id in self.started:
            while Batch.objects.get(pk=batch_id).status != BatchStatus.PERSONALISED:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"batch {batch_id} is not personalised after "
                        f"{PERSONALISATION_WAIT_SECONDS:.0f} s: are the workers running?"
                    )
                time.sleep(0.2)
            with tempfile.TemporaryDirectory(prefix="sscard-factory-") as tmp:
                files = batch_export(actor=OPERATOR, batch_id=batch_id, out_dir=Path(tmp))
                intake = factory_read(
                    data=files.data,
                    manifest=files.manifest,
                    key=factory_key(),
                    trusted_root=trusted,
                )
            # The factory keeps what its result names of each card.
            cards = [
                {"card_number": c["card_number"], "card_id_code": c["card_id_code"]}
                for c in intake.cards
            ]
            self.sent.append(_Sent(batch_id, due, Intake(intake.header, cards)))
        self.started = []

    def factory_results(self, day: date) -> None:
        """The factory's answers due today: made or spoilt (remade in the next round); the made
        cards go into the post at once, the holders told (SH-13)."""
        due = [s for s in self.sent if s.due <= day]
        self.sent = [s for s in self.sent if s.due > day]
        rng = self.rng["factory"]
        for sent in due:
            spoilt = {
                c["card_number"] for c in sent.intake.cards if rng.random() < FACTORY_DEFECT_SHARE
            }
            factory_result_import(
                actor=OPERATOR,
                batch_id=sent.batch_id,
                data=factory_result(sent.intake, defective=spoilt),
                today=day,
            )
            self.counts.cards_made += len(sent.intake.cards) - len(spoilt)
            self.counts.cards_defective += len(spoilt)
            batch_dispatch(actor=OPERATOR, batch_id=sent.batch_id)
            self._plan_deliveries(sent.batch_id, day)

    def _plan_deliveries(self, batch_id: int, day: date) -> None:
        rng = self.rng["post"]
        posted = Shipment.objects.filter(
            card__batch_entry__batch_id=batch_id,
            method=ShipmentMethod.POST,
            status=ShipmentStatus.IN_TRANSIT,
        ).order_by("pk")
        delays = [d for d, _ in POST_DELAY_DAYS]
        weights = [w for _, w in POST_DELAY_DAYS]
        for tracking in posted.values_list("tracking_number", flat=True):
            on = day + timedelta(days=rng.choices(delays, weights)[0])
            self.deliveries[on].append((str(tracking), rng.random() < POST_FAILED_SHARE))

    def post_round(self, day: date) -> None:
        """The post reports each delivery (SH-13); a card it cannot deliver goes to the
        holder's backup community centre, where they collect it a few working days later."""
        rng = self.rng["post"]
        works = [
            Deliver(tracking, failed, 10 + int(rng.random() * 8))
            for tracking, failed in self.deliveries.pop(day, [])
        ]
        low, high = COLLECT_AFTER_WORKING_DAYS
        for work, outcome in zip(works, self.hands.do(works), strict=True):
            if outcome.refused:
                self.counts.refused[outcome.refused] += 1
            elif work.failed and outcome.card_id is not None:
                self.counts.undelivered += 1
                wait = low + int(rng.random() * (high - low + 1))
                self.collections[self.calendar.add_working_days(day, wait)].append(outcome.card_id)
            else:
                self.counts.delivered += 1

    def collect(self, day: date) -> None:
        """Holders collect their rerouted cards at the centre, against their ID."""
        works = [Collect(card_id) for card_id in self.collections.pop(day, [])]
        for outcome in self.hands.do(works):
            if outcome.refused:
                self.counts.refused[outcome.refused] += 1
            else:
                self.counts.collected += 1


def replay_shanghai_pilot(
    *,
    scale: float,
    seed: int,
    processes: int = 1,
    say: Say = lambda _what, _done, _total: None,
    on_day: OnDay | None = None,
) -> ReplayResult:
    """Replay the pilot at ``scale`` (1: the notice's size) on an empty database, the counter
    work done by ``processes`` processes (more than one on PostgreSQL only)."""
    return ShanghaiPilot(scale=scale, seed=seed, processes=processes, on_day=on_day).run(say)


__all__ = [
    "DISTRICTS",
    "REPORT_DAY",
    "SCENARIO",
    "PilotPlan",
    "ReplayCounts",
    "ReplayRefused",
    "ReplayResult",
    "pilot_plan",
    "replay_shanghai_pilot",
]

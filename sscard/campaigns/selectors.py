"""Reads of campaigns: what is in force, its pack, the history, decisions for a person, and
who may record a school's notice.

The pack in force is asked here and nowhere else: ``pack_in_force_for_person`` /
``_for_employer`` / ``_for_card`` / ``_for_city`` return a :class:`PackInForce` that carries what
callers need of it (fee, bank names, templates, pickup paths), so a service asks once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from sscard.campaigns.choices import CampaignStatus, RoundKind, SkipReason
from sscard.campaigns.errors import CampaignErrorCode
from sscard.campaigns.models import Campaign, OutreachReminder, OutreachRound
from sscard.core.actors import Actor, Role
from sscard.core.calendar import work_calendar
from sscard.core.errors import ApplicationError, NotFound, PermissionDenied
from sscard.core.exports import PackStamp
from sscard.core.milestones import milestone_filter, milestones_by_day, week_start
from sscard.core.models import Milestone, MilestoneKind
from sscard.core.names import Kind, name_of
from sscard.kernel.regions import city_of, city_prefix
from sscard.network.models import Outlet
from sscard.notifications.selectors import opted_out
from sscard.notifications.services import message_render
from sscard.policy import (
    Decision,
    DecisionRequest,
    Pack,
    builtin_pack,
    builtin_pack_ids,
    decide,
    load_pack,
)
from sscard.policy.schema import Outreach, Template, directory_values
from sscard.registry.departures import present_on
from sscard.registry.eligibility import EligibleFigures, eligible_figures, person_facts
from sscard.registry.models import Employer, Person

READERS = (Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM)


# Parsed packs by their content hash (the SM3 of their text, so a hash names one text): the
# text, some 30 KB, is read from the database and parsed on a miss only.
_PACKS_PARSED: dict[str, Pack] = {}
_PACKS_PARSED_MAX = 32


def campaign_pack(campaign: Campaign) -> Pack:
    """The pack exactly as it was put in force (parsed once per process). A campaign read
    without its ``source_text`` (deferred) loads it only when this process has not parsed the
    pack yet."""
    found = _PACKS_PARSED.get(campaign.pack_hash)
    if found is None:
        found = load_pack(campaign.source_text)
        if len(_PACKS_PARSED) >= _PACKS_PARSED_MAX:
            _PACKS_PARSED.clear()
        _PACKS_PARSED[campaign.pack_hash] = found
    return found


def campaign_in_force(*, city_code: str) -> Campaign | None:
    return Campaign.objects.filter(city_code=city_code, status=CampaignStatus.IN_FORCE).first()


def campaign_history(*, actor: Actor, city_code: str | None = None) -> QuerySet[Campaign]:
    """Every campaign the actor's bureau may see, newest first."""
    if actor.role not in READERS:
        raise PermissionDenied("see campaigns", "查看换发工作")
    campaigns = Campaign.objects.all()
    city = actor.city_code or city_code
    if city:
        campaigns = campaigns.filter(city_code=city)
    return campaigns


def campaign_eligibility(*, actor: Actor, pack: Pack, day: date) -> EligibleFigures:
    """Who a campaign reaches on ``day``, by district: each group an allowing rule in force
    names (deny-only groups, outsiders or waves not yet open, are not a workload), and the
    persons in any of them, each counted once. A district officer sees their district only."""
    if actor.role not in READERS:
        raise PermissionDenied("see campaigns", "查看换发工作")
    allowed = {
        g for phase in pack.phases_on(day) for rule in phase.rules if rule.effect == "allow"
        for g in rule.groups
    }  # fmt: skip
    groups = [g.id for g in pack.groups.values() if g.id in allowed and g.subject == "person"]
    figures = eligible_figures(pack, today=day, group_ids=groups)
    if actor.role is Role.DISTRICT_OFFICER:
        mine = actor.district_code or ""
        figures = EligibleFigures(
            figures.groups,
            {d: n for d, n in figures.by_district.items() if d == mine},
            {d: n for d, n in figures.people_by_district.items() if d == mine},
        )
    return figures


@dataclass(frozen=True, slots=True)
class WeekCount:
    """Applications submitted in one week (Monday to Sunday)."""

    starts: date
    ends: date
    count: int


def campaign_applications_by_week(
    *, actor: Actor, campaign: Campaign, pack: Pack, day: date, weeks: int = 12
) -> list[WeekCount]:
    """Applications submitted in the campaign's city each week, for the ``weeks`` weeks up to
    ``day``'s (from the week the campaign's first phase opens, at the earliest), counted from
    the dated milestones; a district officer counts their district's. The last week ends on
    ``day``: nothing after it is counted."""
    if actor.role not in READERS:
        raise PermissionDenied("see campaigns", "查看换发工作")
    district = actor.district_code if actor.role is Role.DISTRICT_OFFICER else None
    first = week_start(day) - timedelta(weeks=weeks - 1)
    opens = min((p.starts for p in pack.phases), default=first)
    first = max(first, week_start(opens))
    if first > day:
        return []
    counts = milestones_by_day(
        where=milestone_filter(city_code=campaign.city_code, district_code=district or None),
        starts=first,
        ends=day,
        kinds=[MilestoneKind.APPLIED],
    )
    by_week: dict[date, int] = {}
    for (_kind, on), n in counts.items():
        by_week[week_start(on)] = by_week.get(week_start(on), 0) + n
    starts = [first + timedelta(weeks=i) for i in range((day - first).days // 7 + 1)]
    return [WeekCount(s, min(s + timedelta(days=6), day), by_week.get(s, 0)) for s in starts]


def city_of_person(person: Person) -> str:
    """The city whose campaign applies: where the person is insured, else their hukou city."""
    return city_of(person.insured_region or person.hukou_region)


# Which of a pack's fee items apply to an application: making the card (a first card, a
# migration or a replacement), and the post when the card is posted.
_CARD_FEES = frozenset({"production", "replacement"})


def pickup_names(codes: Iterable[str], *, english: bool = False) -> dict[str, str]:
    """Titles of pickup methods (``branch`` → 合作银行服务网点领卡), as the packs in force give
    them, else as the packs shipped with sscard do (a method of a pack since superseded)."""
    wanted = {c for c in codes if c}
    if not wanted:
        return {}
    in_force = Campaign.objects.filter(status=CampaignStatus.IN_FORCE).order_by("pk")
    packs = [campaign_pack(c) for c in in_force.only("pack_hash", "source_text")]
    found: dict[str, str] = {}
    for pack in [*packs, *(builtin_pack(i) for i in builtin_pack_ids())]:
        for code in wanted - found.keys():
            method = pack.pickup_methods.get(code)
            if method is not None:
                found[code] = method.title_en if english else method.title_zh
    return found


def pickup_is_postal(pack: Pack, pickup: str) -> bool:
    method = pack.pickup_methods.get(pickup)
    return bool(method and method.postal)


def pickup_needs_backup_centre(pack: Pack, pickup: str) -> bool:
    method = pack.pickup_methods.get(pickup)
    return bool(method and method.backup_centre)


def fee_for(pack: Pack, *, pickup: str) -> int:
    """What the holder pays for the card, in fen, under the pack's fees (BJ-12, SH-15)."""
    items = _CARD_FEES | ({"postage"} if pickup_is_postal(pack, pickup) else set())
    return sum(item.amount_fen for item in pack.fees.items if item.id in items)


def postage_for(pack: Pack) -> int:
    """The pack's postage, in fen (BJ-12: free)."""
    return sum(item.amount_fen for item in pack.fees.items if item.id == "postage")


def bank_name(pack: Pack, code: str) -> str:
    """The bank's name as the pack lists it (a person reads 中国工商银行, never ``ICBC``); a bank
    the pack does not list is named as everywhere else (for an SMS: in Chinese)."""
    for bank in pack.banks:
        if bank.code == code:
            return bank.name_zh
    return name_of(Kind.BANK, code, english=False)


def template_text(pack: Pack, key: str, **values: object) -> str | None:
    """The pack's Chinese template ``key`` filled in and checked (BJ-13); None if it has none."""
    template = pack.templates.get(key)
    if template is None:
        return None
    return message_render(template.text_zh, **{**directory_values(pack), **values})


@dataclass(frozen=True, slots=True)
class PackInForce:
    """The campaign in force for a city and its pack: the one answer to "which rules apply".

    Callers ask it what they need instead of asking the pack piecemeal.
    """

    campaign: Campaign
    pack: Pack
    city: str

    @property
    def pack_hash(self) -> str:
        return self.campaign.pack_hash

    def fee(self, *, pickup: str) -> int:
        return fee_for(self.pack, pickup=pickup)

    def postage(self) -> int:
        return postage_for(self.pack)

    def bank_name(self, code: str) -> str:
        return bank_name(self.pack, code)

    def template_text(self, key: str, **values: object) -> str | None:
        return template_text(self.pack, key, **values)

    def pickup_is_postal(self, pickup: str) -> bool:
        return pickup_is_postal(self.pack, pickup)

    def pickup_needs_backup_centre(self, pickup: str) -> bool:
        return pickup_needs_backup_centre(self.pack, pickup)


def pack_in_force_or_none(city: str) -> PackInForce | None:
    """The pack in force for ``city`` (a 6-digit city code), or None when there is none."""
    campaign = (
        Campaign.objects.filter(city_code=city, status=CampaignStatus.IN_FORCE)
        .defer("source_text")
        .first()
        if city
        else None
    )
    if campaign is None:
        return None
    return PackInForce(campaign, campaign_pack(campaign), city)


def pack_in_force_for_city(city: str) -> PackInForce:
    """The pack in force for ``city``; ``no_campaign_in_force`` (409) when there is none."""
    found = pack_in_force_or_none(city)
    if found is None:
        raise CampaignErrorCode.NO_CAMPAIGN_IN_FORCE.error(city=city)
    return found


def pack_in_force_for_region(region: str) -> PackInForce:
    """The pack in force for the city a district (or any division code) lies in."""
    return pack_in_force_for_city(city_of(region))


def pack_in_force_for_person(person: Person) -> PackInForce:
    return pack_in_force_for_city(city_of_person(person))


def pack_in_force_for_employer(employer: Employer) -> PackInForce:
    return pack_in_force_for_region(employer.insured_district or "")


class _HasPerson(Protocol):
    @property
    def person(self) -> Person: ...


def pack_in_force_for_card(card: _HasPerson) -> PackInForce:
    """The pack in force now for the card's holder's city (loss and replacement terms)."""
    return pack_in_force_for_person(card.person)


def _actor_city(actor: Actor) -> str:
    """The city an actor works in, from whatever its scope is bound to ("" for none)."""
    if actor.city_code:
        return actor.city_code
    if actor.district_code:
        return city_of(actor.district_code)
    if actor.employer_id is not None:
        district = (
            Employer.objects.filter(pk=actor.employer_id)
            .values_list("insured_district", flat=True)
            .first()
        )
        return city_of(district or "")
    if actor.outlet_id is not None:
        found = Outlet.objects.filter(pk=actor.outlet_id).values_list("district", flat=True)
        return city_of(found.first() or "")
    if actor.person_id is not None:
        person = Person.objects.filter(pk=actor.person_id).first()
        return city_of_person(person) if person is not None else ""
    return ""


def pack_hotlines(pack: Pack) -> tuple[tuple[str, str, str], ...]:
    """The hotlines of the pack's contact directory, as a document's footer names them (SH-17):
    ``(name_zh, name_en, number)``."""
    return tuple(
        (c.name_zh, c.name_en, c.phone) for c in pack.contacts if c.kind == "hotline" and c.phone
    )


def pack_stamps_for_actor(actor: Actor) -> list[PackStamp]:
    """The packs in force where the actor works, for the header of its exports and prints:
    its city's, or every city's for a role bound to none (production runs for all cities)."""
    city = _actor_city(actor)
    campaigns = Campaign.objects.filter(status=CampaignStatus.IN_FORCE).order_by("city_code")
    if city:
        campaigns = campaigns.filter(city_code=city)
    return [
        PackStamp(
            pack_id=c.pack_id,
            pack_hash=c.pack_hash,
            title_zh=c.title,
            title_en=campaign_pack(c).title_en,
            city=c.city_code,
            hotlines=pack_hotlines(campaign_pack(c)),
        )
        for c in campaigns
    ]


def pack_decided_under(pack_hash: str) -> tuple[PackStamp, Pack] | None:
    """The pack a decision was taken under (by its content hash), and its stamp for a paper
    that names it; None for a hash no campaign carried."""
    campaign = Campaign.objects.filter(pack_hash=pack_hash).order_by("-pk").first()
    if not pack_hash or campaign is None:
        return None
    pack = campaign_pack(campaign)
    stamp = PackStamp(
        pack_id=campaign.pack_id,
        pack_hash=campaign.pack_hash,
        title_zh=campaign.title,
        title_en=pack.title_en,
        hotlines=pack_hotlines(pack),
        city=campaign.city_code,
    )
    return stamp, pack


def region_in_city_of(actor: Actor, region: str) -> bool:
    """Whether ``region`` lies in the city of a city-bound actor (any region if unbound)."""
    return not actor.city_code or region.startswith(city_prefix(actor.city_code))


def decision_for_person(*, person: Person, request: DecisionRequest) -> Decision | None:
    """Ask the pack in force for the person's city; None when no campaign is in force there."""
    campaign = campaign_in_force(city_code=city_of_person(person))
    if campaign is None:
        return None
    return decide(campaign_pack(campaign), request, person_facts(person), calendar=work_calendar())


# Who records a school's notice (SH-09): the bureau's education side, within its own area.
SCHOOL_NOTIFIERS = (Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM)
SCHOOL_NOTICE_TEMPLATE = "school_notice"


@dataclass(frozen=True, slots=True)
class SchoolNoticeSource:
    """The campaign in force for a district's city and its pack's school notice text."""

    campaign: Campaign
    pack: Pack
    template: Template


class SchoolNoticeRules:
    """Whether an actor may record a school's notice: the one predicate the service checks and
    the pages and API ask before they offer the action. Campaigns are read once per city."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self._sources: dict[str, SchoolNoticeSource | None] = {}

    def source(self, district: str) -> SchoolNoticeSource | None:
        """The campaign whose pack has a school notice, for the district's city; else None."""
        city = city_of(district)
        if city not in self._sources:
            campaign = campaign_in_force(city_code=city) if city else None
            pack = campaign_pack(campaign) if campaign is not None else None
            template = pack.templates.get(SCHOOL_NOTICE_TEMPLATE) if pack is not None else None
            self._sources[city] = (
                SchoolNoticeSource(campaign, pack, template)
                if campaign is not None and pack is not None and template is not None
                else None
            )
        return self._sources[city]

    def in_scope(self, district: str) -> bool:
        actor = self.actor
        match actor.role:
            case Role.SYSTEM:
                return True
            case Role.CITY_OFFICER:
                return region_in_city_of(actor, district)
            case Role.DISTRICT_OFFICER:
                return district == actor.district_code
            case _:
                return False

    def refusal(self, *, district: str, already_notified: bool = False) -> ApplicationError | None:
        """Why the actor may not record a notice for a school of ``district`` (or the whole
        district); None when the service would accept it."""
        if self.actor.role not in SCHOOL_NOTIFIERS:
            return PermissionDenied("record school notices", "登记学校通知")
        if not self.in_scope(district):
            return CampaignErrorCode.SCHOOL_NOTICE_OUT_OF_SCOPE.error(district=district)
        if self.source(district) is None:
            return CampaignErrorCode.SCHOOL_NOTICE_NOT_IN_PACK.error(district=district)
        if already_notified:
            return CampaignErrorCode.SCHOOL_ALREADY_NOTIFIED.error()
        return None

    def allows(self, *, district: str, already_notified: bool = False) -> bool:
        return self.refusal(district=district, already_notified=already_notified) is None


def packs_in_force() -> list[Pack]:
    """The pack of every city's campaign in force, by city: what the public home page says the
    platform runs today, and whom a visitor may ask (the pack's contact directory)."""
    campaigns = Campaign.objects.filter(status=CampaignStatus.IN_FORCE).order_by("city_code")
    return [campaign_pack(campaign) for campaign in campaigns]


# --------------------------------------------------------------------------------------------
# Reminder rounds (issue 14 point 1): whom a round reaches, who is skipped and why, conversion
# --------------------------------------------------------------------------------------------

OUTREACH_SENDERS = frozenset({Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM})
OUTREACH_READERS = OUTREACH_SENDERS | {Role.EMPLOYER_HR}
AGE_LIMIT = 150


@dataclass(frozen=True, slots=True)
class OutreachFilter:
    """Whom a round selects among the campaign's eligible who have not applied: a policy group,
    a district (insured, else household registration), an employer, an age range (whole
    years on the round's day, both bounds included). Each optional."""

    group: str = ""
    district_code: str = ""
    employer_id: int | None = None
    age_min: int | None = None
    age_max: int | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "group": self.group,
            "district_code": self.district_code,
            "employer_id": self.employer_id,
            "age_min": self.age_min,
            "age_max": self.age_max,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OutreachFilter:
        return cls(
            group=str(data.get("group") or ""),
            district_code=str(data.get("district_code") or ""),
            employer_id=data.get("employer_id"),
            age_min=data.get("age_min"),
            age_max=data.get("age_max"),
        )


@dataclass(frozen=True, slots=True)
class OutreachTarget:
    """A checked request for a round: the campaign in force, its pack's outreach terms, and
    the filter as the actor may have it (a district officer's district forced)."""

    campaign: Campaign
    pack: Pack
    outreach: Outreach
    filters: OutreachFilter
    day: date


@dataclass(frozen=True, slots=True)
class OutreachPreview:
    """How many people a round would select, and how many of them it would skip, by reason."""

    selected: int
    skipped: dict[str, int]

    @property
    def to_remind(self) -> int:
        return self.selected - sum(self.skipped.values())


def _outreach_city(actor: Actor) -> str:
    if actor.role is Role.DISTRICT_OFFICER:
        return city_of(actor.district_code or "")
    return actor.city_code or ""


def outreach_target(
    *, actor: Actor, filters: OutreachFilter, day: date, city_code: str | None = None
) -> OutreachTarget:
    """Check a round's request for ``actor`` and answer its target: the one predicate the
    service, the pages and the API ask. Refusals: ``permission_denied`` (not an officer),
    ``outreach_district_not_yours`` (a district officer asking for another district, an
    officer for a district outside the city), ``not_found`` (an employer outside the city),
    ``outreach_age_range_invalid``, ``no_campaign_in_force``, ``outreach_not_in_pack``,
    ``outreach_group_unknown``."""
    if actor.role not in OUTREACH_SENDERS:
        raise PermissionDenied("send reminder rounds", "发送提醒短信")
    district = filters.district_code.strip()
    if actor.role is Role.DISTRICT_OFFICER:
        if district and district != actor.district_code:
            raise CampaignErrorCode.OUTREACH_DISTRICT_NOT_YOURS.error(district=district)
        district = actor.district_code or ""
    city = _outreach_city(actor) or (city_code or "") or city_of(district)
    if district and (not city or city_of(district) != city):
        raise CampaignErrorCode.OUTREACH_DISTRICT_NOT_YOURS.error(district=district)
    low, high = filters.age_min, filters.age_max
    if any(a is not None and not 0 <= a <= AGE_LIMIT for a in (low, high)) or (
        low is not None and high is not None and low > high
    ):
        raise CampaignErrorCode.OUTREACH_AGE_RANGE_INVALID.error()
    in_force = pack_in_force_for_city(city)
    if filters.employer_id is not None:
        found = Employer.objects.filter(pk=filters.employer_id).values_list(
            "insured_district", flat=True
        )
        insured = found.first()
        if insured is None or city_of(insured) != in_force.city:
            raise NotFound("employer", what_zh="该单位")
    outreach = in_force.pack.outreach
    if outreach is None:
        raise CampaignErrorCode.OUTREACH_NOT_IN_PACK.error(city=city)
    group = filters.group.strip()
    if group and group not in groups_eligible(in_force.pack):
        raise CampaignErrorCode.OUTREACH_GROUP_UNKNOWN.error(group=group)
    checked = OutreachFilter(group, district, filters.employer_id, low, high)
    return OutreachTarget(in_force.campaign, in_force.pack, outreach, checked, day)


def outreach_refusal(
    *, actor: Actor, filters: OutreachFilter, day: date
) -> ApplicationError | None:
    """Why ``actor`` may not send a round with ``filters`` (None: the service would take it,
    unless nobody is left to remind)."""
    try:
        outreach_target(actor=actor, filters=filters, day=day)
    except ApplicationError as error:
        return error
    return None


def groups_eligible(pack: Pack) -> dict[str, str]:
    """The person groups of the pack a round may select (id -> Chinese title), in its order."""
    return {g.id: g.title_zh for g in pack.groups.values() if g.subject == "person"}


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def outreach_candidates(target: OutreachTarget) -> QuerySet[Person]:
    """The persons a round selects: eligible in the campaign (its ``eligible`` milestones,
    of the group if one is chosen), no ``applied`` milestone (a withdrawn application too), and
    within the district, employer and ages chosen. One query; not yet told apart by who is
    skipped (:func:`outreach_annotated`)."""
    campaign, f = target.campaign, target.filters
    eligible = Milestone.objects.filter(
        campaign_id=campaign.pk, kind=MilestoneKind.ELIGIBLE, person_id=OuterRef("pk")
    )
    if f.group:
        eligible = eligible.filter(group=f.group)
    applied = Milestone.objects.filter(person_id=OuterRef("pk"), kind=MilestoneKind.APPLIED)
    # A person who has died or left since they became eligible is reminded no more.
    persons = Person.objects.filter(Exists(eligible), present_on(target.day)).exclude(
        Exists(applied)
    )
    if f.district_code:
        persons = persons.filter(person_in_district(f.district_code))
    if f.employer_id is not None:
        persons = persons.filter(employer_id=f.employer_id)
    if f.age_min is not None:
        persons = persons.filter(birth_date__lte=_years_before(target.day, f.age_min))
    if f.age_max is not None:
        persons = persons.filter(birth_date__gt=_years_before(target.day, f.age_max + 1))
    return persons.order_by()


def person_in_district(district: str) -> Q:
    """Persons counted in ``district``: insured there, or insured nowhere and registered there
    (the milestones' and the district officers' rule)."""
    return Q(insured_region=district) | (Q(insured_region="") & Q(hukou_region=district))


def outreach_annotated(target: OutreachTarget) -> QuerySet[Person]:
    """:func:`outreach_candidates`, each with ``skip``: why the round leaves them out ("" for
    none), in this order: asked for no reminders, no mobile phone, had the pack's most
    reminders in the campaign, reminded fewer than the pack's days ago."""
    terms = target.outreach
    mine = OutreachReminder.objects.filter(campaign_id=target.campaign.pk, person_id=OuterRef("pk"))
    reminded = mine.order_by().values("person_id").annotate(n=Count("*")).values("n")[:1]
    since = target.day - timedelta(days=terms.min_days_between)
    return (
        outreach_candidates(target)
        .alias(reminded_n=Coalesce(Subquery(reminded, output_field=IntegerField()), 0))
        .annotate(
            skip=Case(
                When(opted_out("pk"), then=Value(SkipReason.OPTED_OUT.value)),
                When(phone_enc__isnull=True, then=Value(SkipReason.NO_PHONE.value)),
                When(reminded_n__gte=terms.max_reminders, then=Value(SkipReason.AT_MAX.value)),
                When(
                    Exists(mine.filter(day__gt=since)),
                    then=Value(SkipReason.TOO_RECENT.value),
                ),
                default=Value(""),
                output_field=CharField(),
            )
        )
    )


def outreach_preview(target: OutreachTarget) -> OutreachPreview:
    """How many the round selects and skips by reason, in one grouped query (nothing sent)."""
    rows = outreach_annotated(target).values_list("skip").annotate(n=Count("pk")).order_by()  # type: ignore[misc]  # ``skip`` is annotated
    counts = {str(skip): int(n) for skip, n in rows}
    skipped = {reason.value: counts.get(reason.value, 0) for reason in SkipReason}
    return OutreachPreview(selected=sum(counts.values()), skipped=skipped)


def outreach_rounds(*, actor: Actor) -> QuerySet[OutreachRound]:
    """The rounds the actor may see, newest first: a city officer's city's, a district
    officer's own district's, an HR's own employer's reminders."""
    rounds = OutreachRound.objects.select_related("employer").order_by("-created_at", "-pk")
    match actor.role:
        case Role.SYSTEM:
            return rounds
        case Role.CITY_OFFICER:
            return rounds.filter(city_code=actor.city_code) if actor.city_code else rounds
        case Role.DISTRICT_OFFICER:
            return rounds.filter(district_code=actor.district_code or "-")
        case Role.EMPLOYER_HR if actor.employer_id is not None:
            return rounds.filter(kind=RoundKind.EMPLOYER, employer_id=actor.employer_id)
        case _:
            raise PermissionDenied("see reminder rounds", "查看提醒轮次")


def outreach_round_get(*, actor: Actor, round_id: int) -> OutreachRound:
    found = outreach_rounds(actor=actor).filter(pk=round_id).first()
    if found is None:
        raise NotFound("reminder round", what_zh="该提醒轮次")
    return found


@dataclass(frozen=True, slots=True)
class RoundConversion:
    """Of the persons a round reminded, how many have applied since its day."""

    reminded: int
    applied: int

    @property
    def rate(self) -> float | None:
        return self.applied / self.reminded if self.reminded else None


def outreach_conversion(round_ids: Iterable[int]) -> dict[int, RoundConversion]:
    """Each round's reminded persons and those of them with an ``applied`` milestone on or
    after the round's day, in one grouped query."""
    ids = list(round_ids)
    if not ids:
        return {}
    applied = Milestone.objects.filter(
        person_id=OuterRef("person_id"), kind=MilestoneKind.APPLIED, day__gte=OuterRef("day")
    )
    rows = (
        OutreachReminder.objects.filter(round_id__in=ids)
        .order_by()
        .values("round_id")
        .annotate(
            reminded=Count("pk"),
            applied=Sum(
                Case(When(Exists(applied), then=1), default=0, output_field=IntegerField())
            ),
        )
        .values_list("round_id", "reminded", "applied")
    )
    found = {pk: RoundConversion(int(n), int(a or 0)) for pk, n, a in rows}
    return {pk: found.get(pk, RoundConversion(0, 0)) for pk in ids}


def outreach_round_target_text(round_: OutreachRound, *, english: bool) -> str:
    """Whom a round aimed at, in words: the group's, district's and employer's names, ages."""
    f = OutreachFilter.from_json(round_.filters)
    parts: list[str] = []
    if f.group:
        pack = campaign_pack(round_.campaign)
        group = pack.groups.get(f.group)
        parts.append((group.title_en if english else group.title_zh) if group else f.group)
    district = f.district_code or round_.district_code
    if district:
        parts.append(name_of(Kind.REGION, district, english=english))
    employer = round_.employer if round_.employer_id else None
    if employer is None and f.employer_id is not None:
        employer = Employer.objects.filter(pk=f.employer_id).first()
    if employer is not None:
        parts.append(employer.name)
    if f.age_min is not None or f.age_max is not None:
        low = "" if f.age_min is None else str(f.age_min)
        high = "" if f.age_max is None else str(f.age_max)
        parts.append(gettext("aged %(low)s–%(high)s") % {"low": low, "high": high})
    if not parts:
        return gettext("Everyone eligible who has not applied")
    return "; ".join(parts) if english else "；".join(parts)

"""What each role can do in the portal: the links of its home page and of the header.

Only what is built is a link. What a role will do in a later release is listed as such, so
that a user is never sent to a page that pretends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sscard.core.actors import Actor, Role


@dataclass(frozen=True, slots=True)
class Action:
    """One thing a role can do now: where, what it is called, what it does."""

    url: str
    label: str | Promise
    description: str | Promise
    in_header: bool = True


OFFICERS = frozenset({Role.CITY_OFFICER, Role.DISTRICT_OFFICER})
CLERKS = frozenset({Role.BANK_CLERK, Role.COMMUNITY_CLERK})
EVERYONE = frozenset(Role)
#: Who reads the campaign's figures: officers their city or district, HR their employer.
STATISTICS_READERS = OFFICERS | {Role.EMPLOYER_HR}


@dataclass(frozen=True, slots=True)
class Entry:
    """One row of the navigation table: who gets the link, where it leads, what it says.

    ``target`` is a URL name to reverse (with ``args`` taken from the actor), or a path when it
    starts with ``/``. ``when`` narrows ``roles`` further (an employer bound, a right);
    ``params`` fills the description's placeholders for the actor. ``in_header`` is a flag or
    the roles whose header shows the link; ``staff`` rows are for Django staff only.
    """

    roles: frozenset[Role]
    target: str
    label: Promise
    description: Promise
    in_header: bool | frozenset[Role] = True
    args: Callable[[Actor], list[object]] | None = None
    when: Callable[[Actor], bool] | None = None
    params: Callable[[Actor], dict[str, Promise]] | None = None
    staff: bool = False


def _person_scope(actor: Actor) -> dict[str, Promise]:
    if actor.role is Role.CITY_OFFICER:
        return {"scope": _("everyone in the city's registry")}
    return {"scope": _("persons insured or registered in your district")}


def _has_employer(actor: Actor) -> bool:
    return actor.employer_id is not None


def _employer(actor: Actor) -> list[object]:
    return [actor.employer_id]


def _may_import(actor: Actor) -> bool:
    return actor.may_import


def _reads_statistics(actor: Actor) -> bool:
    """HR read their employer's figures: an HR account bound to none has none to read."""
    return actor.role is not Role.EMPLOYER_HR or actor.employer_id is not None


# In the order a home page lists them; a role gets every row that names it.
NAVIGATION: tuple[Entry, ...] = (
    Entry(
        OFFICERS,
        "registry:person_list",
        _("Persons"),
        _("Browse and export %(scope)s, masked, by category and district."),
        params=_person_scope,
    ),
    Entry(
        OFFICERS,
        "registry:employer_list",
        _("Employers"),
        _("Insured employers and their staff."),
    ),
    Entry(
        OFFICERS,
        "cards:departures",
        _("Deaths and departures"),
        _(
            "Deaths, emigrations and transfers out recorded: the persons' cards cancelled, "
            "their applications withdrawn, no more texts. Filter and export."
        ),
        in_header=False,
    ),
    Entry(
        frozenset({Role.EMPLOYER_HR}),
        "registry:employer_staff",
        _("Our staff"),
        _("Your unit's staff as the registry holds them, masked; export as CSV."),
        args=_employer,
        when=_has_employer,
    ),
    Entry(
        frozenset({Role.EMPLOYER_HR}),
        "applications:collective",
        _("Collective application"),
        _(
            "Open a collective application, choose pickup and bank, invite staff to "
            "confirm, submit."
        ),
    ),
    Entry(
        CLERKS,
        "applications:counter",
        _("Take an application"),
        _("Find the applicant by ID number, take the application, see the decision."),
    ),
    Entry(
        frozenset({Role.BANK_CLERK}),
        "applications:collective",
        _("Collective application (offline)"),
        _("Act for an employer at your outlet: its collective application, step by step."),
    ),
    Entry(
        CLERKS,
        "delivery:counter",
        _("Cards at the counter"),
        _(
            "The outlet's stock, and the holder in front of you: hand the card over, "
            "enable it, activate it, take a loss report or a replacement."
        ),
    ),
    Entry(
        CLERKS,
        "registry:person_lookup",
        _("Counter lookup"),
        _("Enter the ID number from the applicant's card to see their record in full."),
    ),
    Entry(
        OFFICERS | {Role.EMPLOYER_HR},
        "registry:person_lookup",
        _("Find by ID number"),
        _("Find one person in your scope by their full ID number."),
        in_header=False,
    ),
    Entry(
        frozenset({Role.CARDHOLDER}),
        "cards:my_applications",
        _("My applications"),
        _("Confirm your card data, apply online, follow your application."),
    ),
    Entry(
        frozenset({Role.CARDHOLDER}),
        "cards:mine",
        _("My cards"),
        _("Your cards and how far each has come; enable it online, report it lost."),
    ),
    Entry(
        frozenset({Role.CARDHOLDER}),
        "registry:me",
        _("My record"),
        _("Your registration data in full, as the bureau holds it."),
    ),
    Entry(
        frozenset({Role.CARDHOLDER}),
        "portal:access_events",
        _("Who looked at my record"),
        _("Each clerk who looked up your record: where, when, what and what for."),
        in_header=False,
    ),
    Entry(
        frozenset({Role.CARDHOLDER}),
        "notifications:my_reminders",
        _("Campaign reminders"),
        _("Whether the bureau may text you reminders to apply; service messages still come."),
        in_header=False,
    ),
    Entry(
        OFFICERS,
        "campaigns:overview",
        _("Campaigns"),
        _("The policy pack in force, its phases on a timeline, and who is eligible."),
    ),
    Entry(
        OFFICERS,
        "campaigns:schools",
        _("Schools and their notices"),
        _("Record a school's notice, or a whole district's; parents may then apply."),
        in_header=False,
    ),
    Entry(
        OFFICERS,
        "campaigns:outreach",
        _("Reminder rounds"),
        _(
            "Remind eligible people who have not applied, by group, district, employer and "
            "age; preview the count, send, and follow each round's conversion."
        ),
        in_header=False,
    ),
    Entry(
        OFFICERS,
        "reports:overdue",
        _("Overdue cards and backlog"),
        _("Cards not made in time per bank, outlet and district; the cards in the making."),
    ),
    Entry(
        OFFICERS,
        "cards:expiring",
        _("Cards running out"),
        _(
            "Cards that run out within the notice period, whether their holders were told and "
            "renewed; tell them; export."
        ),
        in_header=False,
    ),
    Entry(
        STATISTICS_READERS,
        "reports:statistics",
        _("Statistics"),
        _(
            "Applications by channel, group, district, bank and employer, and cards ordered, "
            "made, issued and enabled, as they stood on any day; daily and weekly charts."
        ),
        when=_reads_statistics,
    ),
    Entry(
        STATISTICS_READERS,
        "reports:funnel",
        _("Campaign funnel"),
        _(
            "From eligible to the old card void: how many reached each step by any day, the "
            "share of the step before, and the median days between steps."
        ),
        in_header=False,
        when=_reads_statistics,
    ),
    Entry(
        OFFICERS,
        "reports:verification_traffic",
        _("Verification traffic"),
        _(
            "How often hospitals, pharmacies and terminals verified cards, by kind, district "
            "and answer; how many are live against the network the notice names."
        ),
        in_header=False,
    ),
    Entry(
        OFFICERS,
        "portal:relying_parties",
        _("Relying parties"),
        _(
            "Hospitals, pharmacies and terminals that verify cards; onboard them in bulk from "
            "a file, each with its own API token."
        ),
        in_header=False,
    ),
    Entry(
        frozenset({Role.PRODUCTION_OPERATOR}),
        "production:batches",
        _("Production batches"),
        _(
            "Form batches, personalise them, write the card-factory file, import its "
            "result with defects and remakes, dispatch the made cards."
        ),
    ),
    Entry(
        frozenset({Role.CITY_OFFICER}),
        "reports:calendar",
        _("Working-day calendar"),
        _("Which years the official holiday calendar covers; load next year's schedule."),
        in_header=False,
    ),
    Entry(
        frozenset({Role.CITY_OFFICER}),
        "notifications:outbox",
        _("SMS outbox"),
        _("Every text message sent or waiting, with its status; phones masked."),
        in_header=False,
    ),
    Entry(
        OFFICERS,
        "portal:approvals",
        _("Changes awaiting approval"),
        _("Changes another officer proposed that need your approval, and your own."),
        in_header=False,
    ),
    Entry(
        OFFICERS,
        "cards:mass_actions",
        _("Mass actions on cards"),
        _("Block, cancel, revoke or enable a batch, a range or a list of cards, with approval."),
        in_header=False,
    ),
    Entry(
        frozenset({Role.CITY_OFFICER}),
        "reports:audit",
        _("Audit trail"),
        _("Who did what, when and why: search by person, card, actor and action; export."),
        in_header=False,
    ),
    Entry(
        frozenset({Role.RELYING_PARTY}),
        "/api/v1/docs",
        _("Card verification API"),
        _("POST /api/v1/cards/verify with a card number or the reader string."),
    ),
    Entry(
        frozenset({Role.RELYING_PARTY}),
        "/api/v1/docs",
        _("Card authentication API"),
        _(
            "Check that the card itself is present: POST /api/v1/cards/challenges, "
            "have the card sign the nonce with its SM2 key, then POST "
            "/api/v1/cards/challenges/{code}/answer."
        ),
        in_header=False,
    ),
    Entry(
        frozenset({Role.POST}),
        "/api/v1/docs",
        _("Delivery events API"),
        _(
            "POST /api/v1/post/events for each item delivered or failed; "
            "a repeated event changes nothing."
        ),
    ),
    Entry(
        frozenset({Role.CARDHOLDER}),
        "network:booking_mine",
        _("My bookings"),
        _("Book a time to visit an outlet, move or cancel it; a text reminds you the day before."),
    ),
    Entry(
        CLERKS,
        "network:booking_mine",
        _("Booked visits"),
        _("The day's booked visits at your outlet: book, move or cancel, record who came."),
    ),
    Entry(
        CLERKS | OFFICERS,
        "network:booking_capacity",
        _("Time slots"),
        _("Publish an outlet's places per day and time slot, on working days, to spread visits."),
        in_header=False,
    ),
    Entry(
        OFFICERS,
        "network:booking_load",
        _("Outlet load"),
        _("Booked places against capacity per outlet and day for the coming weeks."),
        in_header=False,
    ),
    Entry(
        EVERYONE,
        "portal:import_list",
        _("Bulk imports"),
        _("Upload persons, employers, schools or outlets (CSV or XLSX) and read the result."),
        when=_may_import,
    ),
    Entry(
        EVERYONE - {Role.RELYING_PARTY},
        "network:outlet_list",
        _("Service outlets"),
        _("Bank branches and community centres where cards are applied for and collected."),
    ),
    Entry(
        EVERYONE,
        "portal:token_list",
        _("API tokens"),
        _("Issue and revoke bearer tokens for your systems; the API is described at /api/v1/docs."),
        in_header=frozenset({Role.RELYING_PARTY}),
    ),
    Entry(
        EVERYONE,
        "admin:index",
        _("Administration"),
        _("Maintain accounts and reference data."),
        in_header=False,
        staff=True,
    ),
)


def _applies(entry: Entry, actor: Actor, *, is_staff: bool) -> bool:
    if actor.role not in entry.roles or (entry.staff and not is_staff):
        return False
    return entry.when is None or entry.when(actor)


def _action(entry: Entry, actor: Actor) -> Action:
    if entry.target.startswith("/"):
        url = entry.target
    else:
        url = reverse(entry.target, args=entry.args(actor) if entry.args else None)
    description: str | Promise = entry.description
    if entry.params is not None:
        description = entry.description % entry.params(actor)
    in_header = entry.in_header
    if isinstance(in_header, frozenset):
        in_header = actor.role in in_header
    return Action(url, entry.label, description, in_header=in_header)


def actions_for(actor: Actor, *, is_staff: bool = False) -> list[Action]:
    """The actions available to this actor now, in the order its home page lists them."""
    return [
        _action(entry, actor) for entry in NAVIGATION if _applies(entry, actor, is_staff=is_staff)
    ]


# What each role will do here once later releases land (not links: nothing to open yet).
LATER: dict[Role, tuple[str | Promise, ...]] = {
    Role.CITY_OFFICER: (),
    Role.DISTRICT_OFFICER: (),
    Role.EMPLOYER_HR: (
        _(
            "Each employee's card and how far it has come, shown on the staff list itself "
            "(today the list is filtered by where the cards stand)"
        ),
    ),
}


def current_url(path: str, urls: list[str]) -> str | None:
    """The header link the page at ``path`` belongs to: the longest link it lies under, so that
    ``/me/cards/`` marks "My cards" and not "My record" (``/me/``) too."""
    under = [u for u in urls if u != "/" and path.startswith(u)]
    return max(under, key=len) if under else None


def links_by_target(actor: Actor, *, is_staff: bool = False) -> dict[str, str]:
    """The navigation rows this actor gets, as their target (URL name or path) and URL."""
    return {
        entry.target: _action(entry, actor).url
        for entry in NAVIGATION
        if _applies(entry, actor, is_staff=is_staff)
    }


@dataclass(frozen=True, slots=True)
class Ability:
    """A sentence of the public home page, and the navigation rows that make it true: each
    ``target`` is a row's target that every one of the sentence's roles gets (a test holds
    the page to it). ``roles`` narrows the audience's roles for this sentence."""

    text: Promise
    targets: tuple[str, ...]
    roles: frozenset[Role] | None = None


@dataclass(frozen=True, slots=True)
class Audience:
    """Whom the public home page speaks to and what they can do here today; ``later`` is what
    the signed-in home lists as coming (the same words, from ``LATER``)."""

    mark: str
    title: Promise
    roles: frozenset[Role]
    abilities: tuple[Ability, ...]
    later: tuple[str | Promise, ...] = ()


_LOOKUP = _(
    "At the counter, find the applicant by the ID number on their ID card and see their record"
)
_TOKENS = _("Issue and revoke API tokens for your systems")

# The public home page, role by role: only what a signed-in user of the role finds in the
# navigation above.
AUDIENCES: tuple[Audience, ...] = (
    Audience(
        "局",
        _("Bureau officers (city and district)"),
        OFFICERS,
        (
            Ability(
                _(
                    "Search the persons and employers of your city or district, identifiers "
                    "masked, and export the lists"
                ),
                ("registry:person_list", "registry:employer_list"),
            ),
            Ability(
                _(
                    "See the policy pack in force, its phases and who is eligible on any day; "
                    "record schools' notices"
                ),
                ("campaigns:overview", "campaigns:schools"),
            ),
            Ability(
                _("Follow overdue cards and the backlog per bank, outlet and district"),
                ("reports:overdue",),
            ),
            Ability(
                _(
                    "Read the campaign's figures as they stood on any day — applications by "
                    "channel, group, district and bank, cards made, issued and enabled — in "
                    "charts and tables, and its funnel"
                ),
                ("reports:statistics", "reports:funnel"),
            ),
            Ability(
                _(
                    "City bureau: put a policy pack in force, load the registry in bulk from "
                    "CSV or Excel files, keep the working-day calendar and read the SMS outbox"
                ),
                (
                    "campaigns:overview",
                    "portal:import_list",
                    "reports:calendar",
                    "notifications:outbox",
                ),
                roles=frozenset({Role.CITY_OFFICER}),
            ),
        ),
        later=LATER[Role.CITY_OFFICER],
    ),
    Audience(
        "单",
        _("Employer HR"),
        frozenset({Role.EMPLOYER_HR}),
        (
            Ability(
                _(
                    "Search your unit's staff as the registry holds them, by where each card "
                    "stands, and export the list"
                ),
                ("registry:employer_staff",),
            ),
            Ability(
                _(
                    "Apply for your staff collectively: choose the pickup and the bank outlet, "
                    "invite them by SMS to confirm their card data, submit"
                ),
                ("applications:collective",),
            ),
            Ability(
                _(
                    "Follow your unit's applications and cards in figures and charts, on any "
                    "day, and how far your staff have come"
                ),
                ("reports:statistics", "reports:funnel"),
            ),
        ),
        later=LATER[Role.EMPLOYER_HR],
    ),
    Audience(
        "银",
        _("Bank clerks"),
        frozenset({Role.BANK_CLERK}),
        (
            Ability(_LOOKUP, ("registry:person_lookup",)),
            Ability(
                _("Take applications, and an employer's collective application on its behalf"),
                ("applications:counter", "applications:collective"),
            ),
            Ability(
                _(
                    "Take in the outlet's cards, hand them over, enable them, activate the "
                    "financial function, take loss reports and replacements, instantly where "
                    "the outlet makes cards"
                ),
                ("delivery:counter",),
            ),
        ),
    ),
    Audience(
        "社",
        _("Community centre clerks"),
        frozenset({Role.COMMUNITY_CLERK}),
        (
            Ability(_LOOKUP, ("registry:person_lookup",)),
            Ability(
                _("Take first applications and replacements with a photo taken on the spot"),
                ("applications:counter",),
            ),
            Ability(
                _(
                    "Hand over the cards sent to the centre, among them those the post could "
                    "not deliver"
                ),
                ("delivery:counter",),
            ),
        ),
    ),
    Audience(
        "制",
        _("Card production operators"),
        frozenset({Role.PRODUCTION_OPERATOR}),
        (
            Ability(
                _(
                    "Form production batches, personalise the cards, exchange sealed files "
                    "with the card factory, remake defects and dispatch"
                ),
                ("production:batches",),
            ),
            Ability(_("See the service outlets that cards are sent to"), ("network:outlet_list",)),
        ),
    ),
    Audience(
        "人",
        _("Cardholders and parents"),
        frozenset({Role.CARDHOLDER}),
        (
            Ability(
                _("See your own registration data in full, and each clerk who looked it up"),
                ("registry:me", "portal:access_events"),
            ),
            Ability(
                _(
                    "Confirm the card data your employer asks you to, apply online (for your "
                    "child too) and follow the application"
                ),
                ("cards:my_applications",),
            ),
            Ability(
                _("Follow your card, enable it online and report it lost"),
                ("cards:mine",),
            ),
            Ability(
                _("Find a bank branch or community centre near you"),
                ("network:outlet_list",),
            ),
        ),
    ),
    Audience(
        "医",
        _("Hospitals, pharmacies and other API clients"),
        frozenset({Role.RELYING_PARTY}),
        (
            Ability(_TOKENS, ("portal:token_list",)),
            Ability(
                _(
                    "Verify a card with the reader's string — is it good, and whose is it? — "
                    "and ask the card to prove itself"
                ),
                ("/api/v1/docs",),
            ),
        ),
    ),
    Audience(
        "邮",
        _("The post"),
        frozenset({Role.POST}),
        (
            Ability(_TOKENS, ("portal:token_list",)),
            Ability(
                _(
                    "Report each card delivered, or not, through the API; a report sent "
                    "twice changes nothing"
                ),
                ("/api/v1/docs",),
            ),
        ),
    ),
)

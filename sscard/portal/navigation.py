"""What each role can do in the portal: the links of its home page and of the header.

Only what is built is a link. What a role will do in a later release is listed as such, so
that a user is never sent to a page that pretends.
"""

from __future__ import annotations

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


OFFICERS = (Role.CITY_OFFICER, Role.DISTRICT_OFFICER)
CLERKS = (Role.BANK_CLERK, Role.COMMUNITY_CLERK)


def actions_for(actor: Actor, *, is_staff: bool = False) -> list[Action]:
    """The actions available to this actor now, in the order its home page lists them."""
    actions: list[Action] = []
    role = actor.role
    if role in OFFICERS:
        scope = (
            _("everyone in the city's registry")
            if role is Role.CITY_OFFICER
            else _("persons insured or registered in your district")
        )
        actions.append(
            Action(
                reverse("registry:person_list"),
                _("Persons"),
                _("Browse and export %(scope)s, masked, by category and district.")
                % {"scope": scope},
            )
        )
        actions.append(
            Action(
                reverse("registry:employer_list"),
                _("Employers"),
                _("Insured employers and their staff."),
            )
        )
    if role is Role.EMPLOYER_HR and actor.employer_id is not None:
        actions.append(
            Action(
                reverse("registry:employer_staff", args=[actor.employer_id]),
                _("Our staff"),
                _("Your unit's staff as the registry holds them, masked; export as CSV."),
            )
        )
    if role is Role.EMPLOYER_HR:
        actions.append(
            Action(
                reverse("applications:collective"),
                _("Collective application"),
                _(
                    "Open a collective application, choose pickup and bank, invite staff to "
                    "confirm, submit."
                ),
            )
        )
    if role in CLERKS:
        actions.append(
            Action(
                reverse("applications:counter"),
                _("Take an application"),
                _("Find the applicant by ID number, take the application, see the decision."),
            )
        )
    if role is Role.BANK_CLERK:
        actions.append(
            Action(
                reverse("applications:collective"),
                _("Collective application (offline)"),
                _("Act for an employer at your outlet: its collective application, step by step."),
            )
        )
    if role in CLERKS:
        actions.append(
            Action(
                reverse("delivery:counter"),
                _("Cards at the counter"),
                _(
                    "The outlet's stock, and the holder in front of you: hand the card over, "
                    "enable it, activate it, take a loss report or a replacement."
                ),
            )
        )
    if role in CLERKS:
        actions.append(
            Action(
                reverse("registry:person_lookup"),
                _("Counter lookup"),
                _("Enter the ID number from the applicant's card to see their record in full."),
            )
        )
    elif role in (*OFFICERS, Role.EMPLOYER_HR):
        actions.append(
            Action(
                reverse("registry:person_lookup"),
                _("Find by ID number"),
                _("Find one person in your scope by their full ID number."),
                in_header=False,
            )
        )
    if role is Role.CARDHOLDER:
        actions.append(
            Action(
                reverse("applications:mine"),
                _("My applications"),
                _("Confirm your card data, apply online, follow your application."),
            )
        )
        actions.append(
            Action(
                reverse("cards:mine"),
                _("My cards"),
                _("Your cards and how far each has come; enable it online, report it lost."),
            )
        )
        actions.append(
            Action(
                reverse("registry:me"),
                _("My record"),
                _("Your registration data in full, as the bureau holds it."),
            )
        )
        actions.append(
            Action(
                reverse("portal:access_events"),
                _("Who looked at my record"),
                _("Each clerk who looked up your record: where, when, what and what for."),
                in_header=False,
            )
        )
    if role in OFFICERS:
        actions.append(
            Action(
                reverse("campaigns:overview"),
                _("Campaigns"),
                _("The policy pack in force, its phases on a timeline, and who is eligible."),
            )
        )
        actions.append(
            Action(
                reverse("campaigns:schools"),
                _("Schools and their notices"),
                _("Record a school's notice, or a whole district's; parents may then apply."),
                in_header=False,
            )
        )
    if role in OFFICERS:
        actions.append(
            Action(
                reverse("reports:overdue"),
                _("Overdue cards and backlog"),
                _("Cards not made in time per bank, outlet and district; the cards in the making."),
            )
        )
    if role is Role.PRODUCTION_OPERATOR:
        actions.append(
            Action(
                reverse("production:batches"),
                _("Production batches"),
                _(
                    "Form batches, personalise them, write the card-factory file, import its "
                    "result with defects and remakes, dispatch the made cards."
                ),
            )
        )
    if role is Role.CITY_OFFICER:
        actions.append(
            Action(
                reverse("reports:calendar"),
                _("Working-day calendar"),
                _("Which years the official holiday calendar covers; load next year's schedule."),
                in_header=False,
            )
        )
    if role is Role.CITY_OFFICER:
        actions.append(
            Action(
                reverse("notifications:outbox"),
                _("SMS outbox"),
                _("Every text message sent or waiting, with its status; phones masked."),
                in_header=False,
            )
        )
    if role is Role.RELYING_PARTY:
        actions.append(
            Action(
                "/api/v1/docs",
                _("Card verification API"),
                _("POST /api/v1/cards/verify with a card number or the reader string."),
            )
        )
        actions.append(
            Action(
                "/api/v1/docs",
                _("Card authentication API"),
                _(
                    "Check that the card itself is present: POST /api/v1/cards/challenges, "
                    "have the card sign the nonce with its SM2 key, then POST "
                    "/api/v1/cards/challenges/{code}/answer."
                ),
                in_header=False,
            )
        )
    if role is Role.POST:
        actions.append(
            Action(
                "/api/v1/docs",
                _("Delivery events API"),
                _(
                    "POST /api/v1/post/events for each item delivered or failed; "
                    "a repeated event changes nothing."
                ),
            )
        )
    if actor.may_import:
        actions.append(
            Action(
                reverse("portal:import_list"),
                _("Bulk imports"),
                _(
                    "Upload persons, employers, schools or outlets (CSV or XLSX) "
                    "and read the result."
                ),
            )
        )
    if role is not Role.RELYING_PARTY:
        actions.append(
            Action(
                reverse("network:outlet_list"),
                _("Service outlets"),
                _("Bank branches and community centres where cards are applied for and collected."),
            )
        )
    actions.append(
        Action(
            reverse("portal:token_list"),
            _("API tokens"),
            _(
                "Issue and revoke bearer tokens for your systems; "
                "the API is described at /api/v1/docs."
            ),
            in_header=role is Role.RELYING_PARTY,
        )
    )
    if is_staff:
        actions.append(
            Action(
                reverse("admin:index"),
                _("Administration"),
                _("Maintain accounts and reference data."),
                in_header=False,
            )
        )
    return actions


# What each role will do here once later releases land (not links: nothing to open yet).
LATER: dict[Role, tuple[str | Promise, ...]] = {
    Role.CITY_OFFICER: (_("Watch the application funnel"),),
    Role.DISTRICT_OFFICER: (_("Watch your district's application funnel"),),
    Role.EMPLOYER_HR: (_("Follow each card of your staff"),),
}


def current_url(path: str, urls: list[str]) -> str | None:
    """The header link the page at ``path`` belongs to: the longest link it lies under, so that
    ``/me/cards/`` marks "My cards" and not "My record" (``/me/``) too."""
    under = [u for u in urls if u != "/" and path.startswith(u)]
    return max(under, key=len) if under else None

"""Reads of the applications: photos, applications, collective applications and rosters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol, cast

from django.apps import apps
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from sscard.applications.choices import (
    OPEN_STATUSES,
    CollectiveStep,
    RosterStatus,
)
from sscard.applications.errors import ApplicationsErrorCode
from sscard.applications.models import Application, CollectiveApplication, Photo, RosterEntry
from sscard.applications.photos import (
    MAX_HEIGHT,
    MAX_WIDTH,
    MIN_HEIGHT,
    MIN_WIDTH,
    STORED_CONTENT_TYPE,
    photo_file_intact,
)
from sscard.campaigns.selectors import pack_decided_under
from sscard.core.actors import Actor, Role
from sscard.core.clock import today
from sscard.core.crypto import PHONE, field_cipher
from sscard.core.errors import NotFound, PermissionDenied
from sscard.core.scope import city_prefix, person_in_city, region_in_city
from sscard.kernel import regions
from sscard.network.choices import OutletKind
from sscard.network.models import Outlet
from sscard.notifications.services import Recipient
from sscard.policy import Pack
from sscard.policy.engine import CHANNEL_NAMES
from sscard.registry.models import Person
from sscard.registry.selectors import person_find_by_id_number, person_identifiers


def photo_usable(photo: Photo) -> bool:
    """Whether the photo can go on a card (SH-11): within the limits, and its file is there
    and unaltered (it still hashes to its digest)."""
    return (
        photo.content_type == STORED_CONTENT_TYPE
        and MIN_WIDTH <= photo.width <= MAX_WIDTH
        and MIN_HEIGHT <= photo.height <= MAX_HEIGHT
        and photo_file_intact(photo.digest)
    )


# --------------------------------------------------------------------------------------------
# Applications and collective applications, scoped to the actor
# --------------------------------------------------------------------------------------------


def application_visible(*, actor: Actor) -> QuerySet[Application]:
    """The applications the actor may see: their own (and their children's), their outlet's,
    their unit's staff's, or all of them for the bureau."""
    apps = Application.objects.all()
    match actor.role:
        case Role.CITY_OFFICER | Role.SYSTEM:
            prefix = city_prefix(actor)
            return apps.filter(person_in_city(prefix, "person__")) if prefix else apps
        case Role.DISTRICT_OFFICER:
            return apps.filter(
                Q(person__insured_region=actor.district_code)
                | Q(person__hukou_region=actor.district_code)
            )
        case Role.CARDHOLDER:
            return apps.filter(Q(person_id=actor.person_id) | Q(applicant_id=actor.person_id))
        case Role.BANK_CLERK | Role.COMMUNITY_CLERK:
            return apps.filter(Q(outlet_id=actor.outlet_id))
        case Role.EMPLOYER_HR:
            return apps.filter(Q(collective__employer_id=actor.employer_id))
        case _:
            return apps.none()


def application_list(*, actor: Actor) -> QuerySet[Application]:
    """The actor's applications, newest first, with what a list shows."""
    return (
        application_visible(actor=actor)
        .select_related("person", "outlet", "backup_centre")
        .order_by("-submitted_at", "-pk")
    )


def application_get(*, actor: Actor, application_id: int) -> Application:
    found = application_list(actor=actor).filter(pk=application_id).first()
    if found is None:
        raise NotFound("application", what_zh="该申请")
    return found


class _Cards(Protocol):
    def current(self) -> QuerySet[Any]: ...


def cards_current() -> QuerySet[Any]:
    """The cards that hold their person's place for their generation: in force or on their
    way, not void and not replaced (``cards.models.CURRENT_CARD``).

    Cards sit above applications (ARCHITECTURE.md), so the model is taken from the app
    registry rather than imported: the rule stays written once, next to the index that holds it.
    """
    return cast(_Cards, apps.get_model("cards", "Card")).current()


def application_open_for(*, person: Person) -> Application | None:
    """The person's open application, on whatever channel, if any."""
    return Application.objects.filter(person=person, status__in=OPEN_STATUSES).first()


def collective_visible(*, actor: Actor) -> QuerySet[CollectiveApplication]:
    match actor.role:
        case Role.CITY_OFFICER | Role.SYSTEM:
            prefix = city_prefix(actor)
            found = CollectiveApplication.objects.filter(
                region_in_city(prefix, "employer__insured_district") if prefix else Q()
            )
        case Role.DISTRICT_OFFICER:
            found = CollectiveApplication.objects.filter(
                employer__insured_district=actor.district_code
            )
        case Role.EMPLOYER_HR:
            found = CollectiveApplication.objects.filter(Q(employer_id=actor.employer_id))
        case Role.BANK_CLERK:
            found = CollectiveApplication.objects.filter(taken_at_outlet_id=actor.outlet_id)
        case _:
            found = CollectiveApplication.objects.none()
    return found.select_related("employer", "pickup_outlet", "taken_at_outlet").order_by("-pk")


def collective_get(*, actor: Actor, collective_id: int) -> CollectiveApplication:
    found = collective_visible(actor=actor).filter(pk=collective_id).first()
    if found is None:
        raise NotFound("collective application", what_zh="该集体申领")
    return found


def collective_current(*, actor: Actor) -> CollectiveApplication | None:
    """HR's collective application not yet submitted, else its latest."""
    visible = collective_visible(actor=actor)
    return visible.exclude(step=CollectiveStep.SUBMITTED).first() or visible.first()


def roster_progress(collective: CollectiveApplication) -> dict[str, int]:
    """How many staff are listed, invited, confirmed; how many are not applicable (they
    already have a card, or an application in progress elsewhere)."""
    counts = dict(
        RosterEntry.objects.filter(collective=collective)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    out = {status: int(counts.get(status, 0)) for status in RosterStatus.values}
    out["total"] = sum(out.values())
    decided = pack_decided_under(collective.pack_hash) if collective.pack_hash else None
    until = renewable_until_for(decided[1], collective.channel, today()) if decided else None
    held, elsewhere = roster_holds(collective.card_generation, renewable_until=until)
    out["not_applicable"] = (
        RosterEntry.objects.filter(collective=collective).filter(held | elsewhere).count()
    )
    return out


def roster_holds(
    generation: int | None, *, renewable_until: date | None = None
) -> tuple[Exists, Exists]:
    """Over roster entries: whether the person holds a current card of ``generation`` (the
    collective's), and whether they have an open application other than this roster's own.

    Either keeps them out of the collective application: they are neither invited nor
    submitted, and the roster shows them as "already has a card" or "application in progress".
    A card in its holder's hands that runs out by ``renewable_until`` (the pack's renewal
    notice period, :func:`renewable_until_for`) does not keep them out: it is renewed
    (:func:`roster_renewing`).
    """
    cards = cards_current().filter(person_id=OuterRef("person_id"), generation=generation)
    if renewable_until is not None:
        cards = cards.exclude(stage="handed_over", valid_until__lte=renewable_until)
    open_apps = Application.objects.filter(
        person_id=OuterRef("person_id"), status__in=OPEN_STATUSES
    ).exclude(roster_entry_id=OuterRef("pk"))
    return Exists(cards), Exists(open_apps)


def roster_renewing(generation: int | None, *, renewable_until: date | None) -> Exists:
    """Over roster entries: whether the person's current card of ``generation`` is in their
    hands and runs out by ``renewable_until``: their application is a renewal (到期换卡)."""
    if renewable_until is None:
        return Exists(cards_current().none())
    return Exists(
        cards_current().filter(
            person_id=OuterRef("person_id"),
            generation=generation,
            stage="handed_over",
            valid_until__lte=renewable_until,
        )
    )


def renewable_until_for(pack: Pack, channel: str, day: date) -> date | None:
    """The last day a card may run out on to be renewed on ``channel`` on ``day``: the pack's
    renewal notice period from ``day``, if the pack takes renewals on that channel."""
    terms = pack.renewal
    if terms is None or channel not in terms.channels:
        return None
    return day + timedelta(days=terms.notice_days)


def _choice_names(field: str, values: Sequence[tuple[str, object]]) -> Case:
    """The name of ``field``'s value, in the language of the request, computed by the database."""
    return Case(
        *(When(**{field: value}, then=Value(str(name))) for value, name in values),
        default=Value(""),
        output_field=CharField(),
    )


def roster_entries(
    collective: CollectiveApplication, *, status: str | None = None
) -> QuerySet[RosterEntry]:
    """The roster in order, each entry with why it is not applicable, if it is not.

    ``held_card_number`` with the names of its stage (``held_card_stage_name``) and
    social-security function (``held_card_ss_name``) for a person who already has a current
    card of the collective's generation; ``open_channel_name`` and ``open_since`` for one whose
    application is in progress elsewhere — one query for the page.
    """
    entries = RosterEntry.objects.filter(collective=collective).select_related("person")
    if status:
        entries = entries.filter(status=status)
    card = apps.get_model("cards", "Card")
    held = (
        cards_current()
        .filter(person_id=OuterRef("person_id"), generation=collective.card_generation)
        .order_by("pk")
    )
    elsewhere = (
        Application.objects.filter(person_id=OuterRef("person_id"), status__in=OPEN_STATUSES)
        .exclude(roster_entry_id=OuterRef("pk"))
        .order_by("pk")
    )
    english = (get_language() or "zh-hans").startswith("en")
    channels = [(code, names[1 if english else 0]) for code, names in CHANNEL_NAMES.items()]
    return (
        entries.annotate(
            held_card_number=Subquery(held.values("card_number")[:1]),
            held_card_stage=Subquery(held.values("stage")[:1]),
            held_card_ss=Subquery(held.values("ss_function")[:1]),
            open_channel=Subquery(elsewhere.values("channel")[:1]),
            open_since=Subquery(elsewhere.values("applied_on")[:1]),
        )
        .annotate(
            held_card_stage_name=_choice_names(
                "held_card_stage", card._meta.get_field("stage").choices or ()
            ),
            held_card_ss_name=_choice_names(
                "held_card_ss", card._meta.get_field("ss_function").choices or ()
            ),
            open_channel_name=_choice_names("open_channel", channels),
        )
        .order_by("pk")
    )


def roster_entry_hold(entry: RosterEntry) -> tuple[str, str]:
    """Why an entry of :func:`roster_entries` is not applicable: ``(code, name)``, or empty."""
    number = getattr(entry, "held_card_number", None)
    if number:
        return "card_already_held", str(
            _("Already has a card: %(number)s, %(stage)s, social-security function %(ss)s")
            % {
                "number": number,
                "stage": getattr(entry, "held_card_stage_name", ""),
                "ss": getattr(entry, "held_card_ss_name", ""),
            }
        )
    channel = getattr(entry, "open_channel_name", None)
    if getattr(entry, "open_channel", None):
        since = getattr(entry, "open_since", None)
        return "application_already_open", str(
            _("Application in progress: %(channel)s, since %(day)s")
            % {"channel": channel, "day": since.isoformat() if since else ""}
        )
    return "", ""


def roster_invitations(*, actor: Actor) -> QuerySet[RosterEntry]:
    """The holder's invitations to confirm card data (waiting or done), newest first."""
    if actor.role is not Role.CARDHOLDER:
        return RosterEntry.objects.none()
    return (
        RosterEntry.objects.filter(Q(person_id=actor.person_id))
        .exclude(status=RosterStatus.LISTED)
        .select_related("collective", "collective__employer", "backup_centre", "person")
        .order_by("-pk")
    )


def roster_invitation_get(*, actor: Actor, entry_id: int) -> RosterEntry:
    found = roster_invitations(actor=actor).filter(pk=entry_id).first()
    if found is None:
        raise NotFound("invitation", what_zh="该确认邀请")
    return found


@dataclass(frozen=True, slots=True)
class ConfirmationPrefill:
    """What the confirmation form starts with: what the staff member confirmed before, else
    what the registry knows of them, so they correct rather than type (issue 12)."""

    phone: str
    mailing_address: str


def confirmation_prefill(*, actor: Actor, entry: RosterEntry) -> ConfirmationPrefill:
    """The entry's own phone and address, else the registry's, for the holder it invites.

    The phone is in full: the form is the holder's own, as on their record page
    (``person_identifiers`` decides, so another role would get it masked — and never this
    form)."""
    person = entry.person
    if entry.phone_enc:
        phone = field_cipher().decrypt(bytes(entry.phone_enc), field=PHONE)
    else:
        shown = person_identifiers(actor=actor, person=person)
        phone = shown.phone if shown.full else ""
    return ConfirmationPrefill(
        phone=phone, mailing_address=entry.mailing_address or person.address or ""
    )


def application_person(
    *, actor: Actor, id_number: str | None = None, person_id: int | None = None
) -> Person:
    """Whom an application is for: a clerk names them by full ID number at the counter; a
    holder applies for themself, or for a child whose guardian they are (SH-09)."""
    if actor.role in (Role.BANK_CLERK, Role.COMMUNITY_CLERK):
        if not id_number:
            raise ApplicationsErrorCode.ID_NUMBER_REQUIRED.error()
        return person_find_by_id_number(actor=actor, id_number=id_number)
    if actor.role is Role.CARDHOLDER and actor.person_id is not None:
        scope = Q(pk=actor.person_id) | Q(guardian_id=actor.person_id)
        found = (
            Person.objects.filter(scope)
            .select_related("employer", "school")
            .filter(pk=person_id or actor.person_id)
            .first()
        )
        if found is None:
            raise NotFound("person", what_zh="该人员")
        return found
    raise PermissionDenied("apply for a card", "申领社保卡")


def person_wards(*, actor: Actor) -> QuerySet[Person]:
    """The children a holder is the guardian of (for the parent's application, SH-09)."""
    if actor.role is not Role.CARDHOLDER:
        return Person.objects.none()
    return Person.objects.filter(Q(guardian_id=actor.person_id)).select_related("school")


# Where the holder's page offers backup community centres (SH-13): at most this many.
BACKUP_CENTRES_SHOWN = 500


def backup_centres_near(*, region: str) -> QuerySet[Outlet]:
    """The community centres a posted card can fall back to (SH-13), by name: those of the city
    ``region`` lies in (a municipality's districts, a prefecture-level city's), every centre
    when no region is known."""
    prefix = regions.city_prefix(regions.city_of(region))
    return Outlet.objects.filter(
        kind=OutletKind.COMMUNITY_CENTRE, district__startswith=prefix
    ).order_by("name")[:BACKUP_CENTRES_SHOWN]


# --------------------------------------------------------------------------------------------
# Whom to tell: phones as the registry (or the roster) stores them, sealed
# --------------------------------------------------------------------------------------------

RECIPIENTS_CHUNK = 5000


def person_recipient(person: Person) -> Recipient | None:
    """The person's phone as the registry stores it, sealed; None without one."""
    if not person.phone_enc or not person.phone_index:
        return None
    return Recipient(
        phone_index=bytes(person.phone_index),
        phone_enc=bytes(person.phone_enc),
        phone_masked=person.phone_masked,
        person_id=person.pk,
    )


def application_recipients(application_ids: Sequence[int]) -> list[Recipient]:
    """Whom to tell about each application's card: the phone the staff member confirmed for
    the collective application (BJ-04) where there is one, else the registry's; in bulk."""
    recipients: list[Recipient] = []
    for start in range(0, len(application_ids), RECIPIENTS_CHUNK):
        rows = (
            Application.objects.filter(pk__in=application_ids[start : start + RECIPIENTS_CHUNK])
            .select_related("person", "roster_entry")
            .only(
                "person_id", "person__phone_index", "person__phone_enc", "person__phone_masked",
                "roster_entry__phone_index", "roster_entry__phone_enc",
                "roster_entry__phone_masked",
            )
        )  # fmt: skip
        for application in rows:
            entry = application.roster_entry
            if entry is not None and entry.phone_enc and entry.phone_index:
                recipients.append(
                    Recipient(
                        phone_index=bytes(entry.phone_index),
                        phone_enc=bytes(entry.phone_enc),
                        phone_masked=entry.phone_masked,
                        person_id=application.person_id,
                    )
                )
                continue
            recipient = person_recipient(application.person)
            if recipient is not None:
                recipients.append(recipient)
    return recipients


def roster_recipients(entries: QuerySet[RosterEntry]) -> list[Recipient]:
    """Each listed person's phone, sealed: the one they confirmed, else the registry's."""
    out: list[Recipient] = []
    rows = entries.values_list(
        "person_id",
        "phone_index",
        "phone_enc",
        "phone_masked",
        "person__phone_index",
        "person__phone_enc",
        "person__phone_masked",
    ).iterator(chunk_size=RECIPIENTS_CHUNK)
    for person, own_idx, own_enc, own_mask, reg_idx, reg_enc, reg_mask in rows:
        if own_enc and own_idx:
            out.append(Recipient(bytes(own_idx), bytes(own_enc), own_mask, person))
        elif reg_enc and reg_idx:
            out.append(Recipient(bytes(reg_idx), bytes(reg_enc), reg_mask, person))
    return out


# --------------------------------------------------------------------------------------------
# The official calendar (BJ-11)
# --------------------------------------------------------------------------------------------

CALENDAR_LOADERS = frozenset({Role.CITY_OFFICER, Role.SYSTEM})


def calendar_may_load(actor: Actor) -> bool:
    """Whether ``actor`` may load a year schedule (the page shows the form only then)."""
    return actor.role in CALENDAR_LOADERS


def persons_with_open_application() -> Q:
    """Persons with an application not yet ended (a person list's status filter, offered by
    the registry: see ``registry.statuses``)."""
    return Q(Exists(Application.objects.filter(person=OuterRef("pk"), status__in=OPEN_STATUSES)))

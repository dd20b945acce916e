"""The demo city — ``sscard demo`` and the browser tests set it up with the same code
(:func:`demo_city_create`) — and its cards in motion, so that every role's page has something
to show.

The cards (:func:`demo_cards_create`, once the demo accounts exist) move with the platform's
own services only: the demo employer's staff apply collectively for pickup at the demo bank
branch; production forms the batch, personalises it and has the stand-in factory make it (one
card comes back defective and is remade; the factory files stay in the data directory, where
the batch page serves them from); the cards reach the branch, and half of them are handed over
and enabled, the demo cardholder's among them. A second employer's collective, submitted weeks
ago, waits for production — and is overdue (BJ-11), for the bureau's report. Running it again
changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from sscard.applications.models import Application
from sscard.applications.services import (
    collective_arrange,
    collective_notify,
    collective_open,
    collective_submit,
    roster_add_staff,
    roster_confirm,
)
from sscard.campaigns.services import campaign_put_in_force
from sscard.cards.models import Card
from sscard.cards.services import card_activate_financial, card_enable
from sscard.core.actors import Actor, Role
from sscard.core.crypto import PHONE, field_cipher
from sscard.core.errors import ApplicationError
from sscard.core.models import ImportJob
from sscard.delivery.services import card_hand_over, outlet_receive
from sscard.network.booking_services import WeeklySlot, booking_make, slots_publish
from sscard.network.choices import OutletKind
from sscard.network.imports import import_outlets
from sscard.network.models import Booking, Outlet, TimeSlot
from sscard.network.selectors import outlet_first
from sscard.network.services import banks_load
from sscard.policy import builtin_pack
from sscard.portal.models import Account
from sscard.portal.services import demo_accounts_create
from sscard.registry.imports import import_employers, import_persons, import_schools
from sscard.registry.models import Employer, Person
from sscard.registry.services import divisions_load
from sscard.synthetic.cities import CITY_CODES, DEMO_PACKS
from sscard.synthetic.population import generate_population
from sscard.testing.card_life import clerk_of, dispatch, id_number_of, produce

STAFF = 12
IMPORT_KINDS = ("employers", "schools", "outlets", "persons")
SYSTEM = Actor.system("sscard-demo")


@dataclass(frozen=True, slots=True)
class DemoCards:
    """What the demo set in motion (all zero when it had run before)."""

    made: int
    handed_over: int
    waiting: int


def _collective(employer: Employer, outlet: Outlet, day: date, size: int) -> list[Person]:
    """The employer's collective application, BJ-06's four steps, its first staff confirmed."""
    hr = Actor(role=Role.EMPLOYER_HR, label=f"hr{employer.pk}", employer_id=employer.pk)
    staff = list(Person.objects.filter(employer=employer).order_by("pk")[:size])
    collective = collective_open(actor=hr, day=day)
    assert outlet.bank is not None
    collective_arrange(
        actor=hr,
        collective_id=collective.pk,
        day=day,
        pickup="branch",
        bank=outlet.bank.code,
        outlet_id=outlet.pk,
    )
    roster_add_staff(
        actor=hr, collective_id=collective.pk, day=day, person_ids=[p.pk for p in staff]
    )
    collective_notify(actor=hr, collective_id=collective.pk)
    cipher = field_cipher()
    for entry in collective.roster.select_related("person"):
        person = entry.person
        phone = cipher.decrypt(bytes(person.phone_enc), field=PHONE) if person.phone_enc else ""
        roster_confirm(
            actor=Actor(role=Role.CARDHOLDER, label=f"p{person.pk}", person_id=person.pk),
            entry_id=entry.pk,
            day=day,
            phone=phone or "13800138000",
            photo_source="id_card",
        )
    collective_submit(actor=hr, collective_id=collective.pk, day=day)
    return staff


def demo_cards_create(*, today: date) -> DemoCards:
    """Set the demo's cards in motion (see the module's docstring)."""
    if Card.objects.exists():
        return DemoCards(0, 0, 0)
    branch = outlet_first(kind=OutletKind.BANK_BRANCH)
    holder = Account.objects.filter(role=Role.CARDHOLDER).select_related("person").first()
    if branch is None or holder is None or holder.person is None:
        return DemoCards(0, 0, 0)
    employer = holder.person.employer
    if employer is None:
        return DemoCards(0, 0, 0)
    staff = _collective(employer, branch, today, STAFF)
    first = Card.objects.count()
    spoiled: list[str] = []
    # The factory files stay in the data directory, where the batch page serves them from.
    batches = produce(day=today, defective=spoiled, out_dir=Path(settings.SSCARD_FACTORY_DIR))
    dispatch(batches)
    outlet_receive(actor=clerk_of(branch))
    clerk = clerk_of(branch)
    handed = 0
    for person in staff[: len(staff) // 2]:
        card = (
            Card.objects.filter(person=person, stage="at_outlet").select_related("person").first()
        )
        if card is None:
            continue
        card = card_hand_over(actor=clerk, card=card, id_number=id_number_of(person))
        card_enable(actor=clerk, card=card, today=today)
        card_activate_financial(actor=clerk, card=card, today=today)
        handed += 1
    # A second employer's collective, submitted five weeks ago: overdue, waiting for a batch.
    other = (
        Employer.objects.exclude(pk=employer.pk)
        .filter(staff__isnull=False, insured_district__startswith=employer.insured_district[:2])
        .distinct()
        .order_by("pk")
        .first()
    )
    waiting = 0
    if other is not None:
        _collective(other, branch, today - timedelta(days=35), 5)
        waiting = Application.objects.filter(collective__employer=other).count()
    return DemoCards(made=Card.objects.count() - first, handed_over=handed, waiting=waiting)


#: Imports one demo file of a kind (``persons``…): the command line shows a progress bar.
Importer = Callable[[str, Path], ImportJob]


def reference_load() -> None:
    """The divisions and banks shipped with sscard (running it again changes nothing)."""
    divisions_load(actor=SYSTEM)
    banks_load(actor=SYSTEM)


def _import_quietly(kind: str, path: Path) -> ImportJob:
    importer = {
        "persons": import_persons,
        "employers": import_employers,
        "schools": import_schools,
        "outlets": import_outlets,
    }[kind]
    return importer(actor=SYSTEM, path=path, file_name=path.name)


def demo_city_create(
    *,
    city: str,
    persons: int,
    today: date,
    import_file: Importer = _import_quietly,
    say: Callable[[str], None] = lambda _line: None,
) -> list[tuple[str, str, str]]:
    """A whole demo city on a migrated database: reference data, a synthetic population
    imported through the importers, the city's pack in force, one account per role and
    (Beijing) cards in motion. ``sscard demo`` and the browser tests run this same set-up.

    Answers the accounts ``(username, password, role label)``; running it again changes
    nothing (the generated files are kept in the data directory and reused).
    """
    reference_load()
    out = Path(settings.DATA_DIR) / "demo" / f"{city}-{persons}"
    if not (out / "persons.csv").exists():
        say(f"生成示例人口 / generating {persons:,} synthetic persons → {out}")
        generate_population(city=city, persons=persons, out_dir=out)
    for kind in IMPORT_KINDS:
        job = import_file(kind, out / f"{kind}.csv")
        say(
            f"  #{job.pk} {job.kind}: {job.rows_read:,} rows read, {job.rows_inserted:,} "
            f"inserted, {job.rows_unchanged:,} unchanged, {job.rows_refused:,} refused"
        )
    campaign = campaign_put_in_force(actor=SYSTEM, pack=builtin_pack(DEMO_PACKS[city]))
    say(f"  policy in force: {campaign.title} ({campaign.pack_id})")
    accounts = demo_accounts_create(actor=SYSTEM, city_code=CITY_CODES[city])
    booked = demo_slots_create(today=today)
    say(f"  time slots: {booked.created} published at the demo outlets, {booked.booked} booked")
    if city == "beijing":
        cards = demo_cards_create(today=today)
        say(
            f"  cards: {cards.made} made, {cards.handed_over} handed over and enabled, "
            f"{cards.waiting} applications waiting for production"
        )
    return accounts


@dataclass(frozen=True, slots=True)
class DemoSlots:
    created: int
    booked: int


def demo_slots_create(*, today: date) -> DemoSlots:
    """Two weeks of time slots (SH-10) at the demo clerks' outlets, on working days, and one
    booking of the demo holder; again, it changes nothing. A fortnight the official calendar
    does not cover gets no slots (never guessed)."""
    now = datetime.combine(today, time(7, 0), tzinfo=timezone.get_default_timezone())
    spans = [(time(9), time(10)), (time(10), time(11)), (time(14), time(15)), (time(15), time(16))]
    template = [WeeklySlot(d, start, end, 5) for d in range(6) for start, end in spans]
    created = 0
    outlets = [
        outlet_first(kind=OutletKind.COMMUNITY_CENTRE),
        outlet_first(kind=OutletKind.BANK_BRANCH),
    ]
    for outlet in outlets:
        if outlet is None:
            continue
        try:
            result = slots_publish(
                actor=SYSTEM,
                outlet_id=outlet.pk,
                date_from=today,
                date_to=today + timedelta(days=13),
                template=template,
                now=now,
            )
        except ApplicationError as error:
            if error.code != "calendar_not_covered":
                raise
            continue
        created += result.created
    holder = Account.objects.filter(role=Role.CARDHOLDER).exclude(person=None).first()
    centre = outlets[0]
    booked = 0
    if holder is not None and centre is not None:
        person_id = holder.person_id
        if not Booking.objects.filter(person=holder.person, status="booked").exists():
            first = (
                TimeSlot.objects.filter(outlet=centre, day__gt=today, capacity__gt=0)
                .order_by("day", "start")
                .first()
            )
            if first is not None:
                actor = Actor(role=Role.CARDHOLDER, label="demo-holder", person_id=person_id)
                booking_make(actor=actor, slot_id=first.pk, purpose="collect", now=now)
        booked = Booking.objects.filter(status="booked").count()
    return DemoSlots(created=created, booked=booked)

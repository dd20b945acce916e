"""Pages of booked time slots (错峰, SH-10): book, move, cancel and attend; publish capacity; the
bureau's load per outlet and day.

Every button is drawn from the predicate its service checks (``booking_rules``), and every
action has its API twin (``booking_api``) calling the same service.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sscard.core.actors import Actor, Role
from sscard.core.charts import Chart, ChartKind
from sscard.core.clock import today
from sscard.core.errors import ApplicationError
from sscard.core.exports import (
    Cell,
    Column,
    ExportTable,
    coded,
    export_response,
    form_filters,
)
from sscard.core.names import Kind, names_of
from sscard.core.request_errors import RequestErrorCode
from sscard.core.views import (
    actor_required,
    english_page,
    error_page,
    error_text,
    flash_refusal,
    form_refusal,
    refused_status,
    request_actor,
)
from sscard.network.booking_forms import (
    WEEKDAYS,
    BookForm,
    LoadFilterForm,
    MoveForm,
    PublishForm,
    SlotSetForm,
    SlotsFilterForm,
)
from sscard.network.booking_rules import (
    CLERK_ROLES,
    attend_refusal,
    book_refusal,
    change_refusal,
    move_refusal,
)
from sscard.network.booking_selectors import (
    HORIZON_DAYS,
    LoadRow,
    booking_get,
    booking_list,
    booking_load,
    booking_persons,
    days_after,
    outlet_managed,
    outlet_slots,
    outlet_slots_all,
    outlets_bookable,
    outlets_managed,
)
from sscard.network.booking_services import (
    booking_attend,
    booking_cancel,
    booking_make,
    booking_move,
    slot_capacity_set,
    slots_publish,
)
from sscard.network.models import Booking, Outlet, TimeSlot
from sscard.network.selectors import outlet_get
from sscard.registry.forms import district_choices
from sscard.registry.selectors import division_current_districts

BOOKERS = (Role.CARDHOLDER, Role.BANK_CLERK, Role.COMMUNITY_CLERK)
PUBLISHERS = (Role.BANK_CLERK, Role.COMMUNITY_CLERK, Role.CITY_OFFICER, Role.DISTRICT_OFFICER)
OFFICERS = (Role.CITY_OFFICER, Role.DISTRICT_OFFICER)
SLOT_DAYS = 14
#: Where a service's refusal is shown on the booking form.
BOOK_FIELDS = {
    "booking_id_number_required": "id_number",
    "invalid_id_number": "id_number",
    "booking_exists": "purpose",
}
PUBLISH_FIELDS = {
    "slot_range_invalid": "date_from",
    "slot_time_invalid": "spans",
    "slot_overlap": "spans",
    "slot_template_empty": "spans",
}
SLOT_SET_FIELDS = {
    "slot_time_invalid": "start",
    "slot_overlap": "start",
    "slot_in_past": "day",
    "capacity_below_booked": "capacity",
    "capacity_invalid": "capacity",
    "slot_closed": "capacity",
}


@dataclass(frozen=True, slots=True)
class BookingRow:
    """A booking and what the actor may do with it (each button from its service's predicate)."""

    booking: Booking
    may_cancel: bool
    may_move: bool
    may_attend: bool


def _rows(actor: Actor, bookings: list[Booking]) -> list[BookingRow]:
    now, day = timezone.now(), today()
    rows = []
    for b in bookings:
        change = change_refusal(actor=actor, booking=b, now=now) is None
        attend = attend_refusal(actor=actor, booking=b, today=day) is None
        rows.append(BookingRow(b, change, change, attend))
    return rows


def _day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


# --------------------------------------------------------------------------------------------
# Bookings: the holder's and the outlet's
# --------------------------------------------------------------------------------------------


@actor_required(*BOOKERS)
def booking_mine(request: HttpRequest) -> HttpResponse:
    """A holder's bookings (and their children's); a clerk's outlet's bookings of one day."""
    actor = request_actor(request)
    clerk = actor.role in CLERK_ROLES
    day = _day(request.GET.get("day"), today()) if clerk else None
    bookings = list(booking_list(actor=actor, day=day))
    if not clerk:
        bookings.sort(key=lambda b: (b.status != "booked", b.slot.day, b.slot.start))
    context = {"rows": _rows(actor, bookings), "clerk": clerk, "day": day}
    return render(request, "network/bookings/mine.html", context)


def _back(request: HttpRequest) -> str:
    url = reverse("network:booking_mine")
    day = request.POST.get("day")
    return f"{url}?{urlencode({'day': day})}" if day else url


@require_POST
@actor_required(*BOOKERS)
def booking_cancel_view(request: HttpRequest, booking_id: int) -> HttpResponse:
    actor = request_actor(request)
    try:
        booking_cancel(actor=actor, booking_id=booking_id)
    except ApplicationError as error:
        flash_refusal(request, error)
    else:
        messages.success(request, _("The booking is cancelled; its place is free again."))
    return HttpResponseRedirect(_back(request))


@require_POST
@actor_required(Role.BANK_CLERK, Role.COMMUNITY_CLERK)
def booking_attend_view(request: HttpRequest, booking_id: int) -> HttpResponse:
    actor = request_actor(request)
    try:
        booking_attend(actor=actor, booking_id=booking_id)
    except ApplicationError as error:
        flash_refusal(request, error)
    else:
        messages.success(request, _("The visit is recorded."))
    return HttpResponseRedirect(_back(request))


# --------------------------------------------------------------------------------------------
# Slots: choose one to book, or to move a booking to
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SlotRow:
    slot: TimeSlot
    bookable: bool
    full: bool


def _slot_rows(actor: Actor, slots: list[TimeSlot], moving: Booking | None) -> list[SlotRow]:
    """Each slot and whether its button is drawn: the predicate of the service it calls."""
    now = timezone.now()
    rows = []
    for s in slots:
        if moving is None:
            refusal = book_refusal(actor=actor, slot=s, now=now)
        else:
            refusal = move_refusal(actor=actor, booking=moving, slot=s, now=now)
        rows.append(SlotRow(s, refusal is None, s.booked >= s.capacity))
    return rows


def _slots_context(
    request: HttpRequest,
    actor: Actor,
    *,
    outlet_id: int | None,
    start: date | None,
    moving: Booking | None = None,
    form: BookForm | None = None,
    offered: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    clerk = actor.role in CLERK_ROLES
    outlet: Outlet | None = None
    choices: list[tuple[int, str]] = []
    if clerk:
        outlet = outlet_get(actor=actor, outlet_id=actor.outlet_id or 0)
    else:
        english = english_page()
        found = list(outlets_bookable(actor=actor))
        names = names_of(Kind.REGION, (o.district for o in found), english=english)
        choices = [(o.pk, f"{names.get(o.district, '')} · {o.name}") for o in found]
        if outlet_id:
            outlet = outlet_get(actor=actor, outlet_id=outlet_id)
    start = min(max(start or today(), today()), today() + timedelta(days=HORIZON_DAYS))
    slots = list(outlet_slots(outlet=outlet, date_from=start, days=SLOT_DAYS)) if outlet else []
    persons = [(p.pk, p.masked_name) for p in booking_persons(actor=actor)]
    filter_form = SlotsFilterForm(
        {"outlet": outlet.pk if outlet else "", "start": start.isoformat()}, outlets=choices
    )
    filter_form.is_valid()
    book_form = form or BookForm(persons=persons, clerk=clerk)
    return {
        "clerk": clerk,
        "outlet": outlet,
        "filter_form": filter_form,
        "rows": _slot_rows(actor, slots, moving),
        "form": book_form,
        "moving": moving,
        "offered": offered or [],
        "start": start,
        "earlier": start - timedelta(days=SLOT_DAYS) if start > today() else None,
        "later": start + timedelta(days=SLOT_DAYS)
        if start + timedelta(days=SLOT_DAYS) <= today() + timedelta(days=HORIZON_DAYS)
        else None,
    }


def _moving(actor: Actor, booking_id: str | None) -> Booking | None:
    """The booking being moved (``?move=``), if it may still be moved."""
    if not booking_id or not booking_id.isdigit():
        return None
    booking = booking_get(actor=actor, booking_id=int(booking_id))
    refusal = change_refusal(actor=actor, booking=booking, now=timezone.now())
    if refusal is not None:
        raise refusal
    return booking


@actor_required(*BOOKERS)
def booking_slots(request: HttpRequest) -> HttpResponse:
    """An outlet's slots of the coming days: book one, or move a booking to it."""
    actor = request_actor(request)
    try:
        moving = _moving(actor, request.GET.get("move"))
    except ApplicationError as error:
        return error_page(request, error)
    outlet = request.GET.get("outlet", "")
    outlet_id = int(outlet) if outlet.isdigit() else (moving.outlet_id if moving else None)
    context = _slots_context(
        request,
        actor,
        outlet_id=outlet_id,
        start=_day(request.GET.get("start"), today()),
        moving=moving,
    )
    return render(request, "network/bookings/slots.html", context)


def _refused_slots(
    request: HttpRequest,
    actor: Actor,
    error: ApplicationError,
    *,
    slot_id: int | None,
    form: BookForm | None = None,
    moving: Booking | None = None,
) -> HttpResponse:
    """The slots page again, with the refusal and (for a full slot) the free ones offered."""
    slot = TimeSlot.objects.filter(pk=slot_id or 0).first()
    context = _slots_context(
        request,
        actor,
        outlet_id=slot.outlet_id if slot else None,
        start=slot.day if slot else None,
        moving=moving,
        form=form,
        offered=error.details.get("next_free") or [],
    )
    if form is not None:
        context.update(form_refusal(form, error, fields=BOOK_FIELDS))
    else:
        context.update({"error": error, "error_message": error_text(error)})
    return render(request, "network/bookings/slots.html", context, status=error.status)


@require_POST
@actor_required(*BOOKERS)
def booking_book(request: HttpRequest) -> HttpResponse:
    """Book the chosen slot; a full one is refused with the next free ones offered."""
    actor = request_actor(request)
    clerk = actor.role in CLERK_ROLES
    persons = [(p.pk, p.masked_name) for p in booking_persons(actor=actor)]
    form = BookForm(request.POST, persons=persons, clerk=clerk)
    if not form.is_valid():
        if clerk:
            _forget_id_number(request, form)
        slot_id = request.POST.get("slot", "")
        context = _slots_context(
            request,
            actor,
            outlet_id=None if clerk else _slot_outlet(slot_id),
            start=None,
            form=form,
        )
        return render(
            request, "network/bookings/slots.html", context, status=refused_status(request)
        )
    data = form.cleaned_data
    try:
        booking = booking_make(
            actor=actor,
            slot_id=data["slot"],
            purpose=data["purpose"],
            person_id=data.get("person"),
            id_number=data.get("id_number"),
        )
    except ApplicationError as error:
        if error.code in ("permission_denied",):
            raise
        if clerk:
            _forget_id_number(request, form)
        return _refused_slots(request, actor, error, slot_id=data["slot"], form=form)
    messages.success(
        request,
        _("Booked: %(outlet)s, %(day)s %(time)s.")
        % {
            "outlet": booking.outlet.name,
            "day": booking.slot.day.isoformat(),
            "time": f"{booking.slot.start:%H:%M}-{booking.slot.end:%H:%M}",
        },
    )
    back = reverse("network:booking_mine")
    if clerk:
        back += "?" + urlencode({"day": booking.slot.day.isoformat()})
    return HttpResponseRedirect(back)


def _forget_id_number(request: HttpRequest, form: BookForm) -> None:
    """The number has done its job: it is not echoed back into the page (as at the counter)."""
    data = request.POST.copy()
    data["id_number"] = ""
    form.data = data


def _slot_outlet(slot_id: str) -> int | None:
    if not slot_id.isdigit():
        return None
    return TimeSlot.objects.filter(pk=int(slot_id)).values_list("outlet_id", flat=True).first()


@require_POST
@actor_required(*BOOKERS)
def booking_move_view(request: HttpRequest, booking_id: int) -> HttpResponse:
    """Move a booking to the chosen slot; a full one leaves it as it was."""
    actor = request_actor(request)
    form = MoveForm(request.POST)
    booking = booking_get(actor=actor, booking_id=booking_id)
    if not form.is_valid():
        flash_refusal(request, RequestErrorCode.INVALID_INPUT.error())
        return HttpResponseRedirect(reverse("network:booking_mine"))
    try:
        moved = booking_move(actor=actor, booking_id=booking.pk, slot_id=form.cleaned_data["slot"])
    except ApplicationError as error:
        still = change_refusal(actor=actor, booking=booking, now=timezone.now()) is None
        return _refused_slots(
            request,
            actor,
            error,
            slot_id=form.cleaned_data["slot"],
            moving=booking if still else None,
        )
    messages.success(
        request,
        _("Moved: %(outlet)s, %(day)s %(time)s.")
        % {
            "outlet": moved.outlet.name,
            "day": moved.slot.day.isoformat(),
            "time": f"{moved.slot.start:%H:%M}-{moved.slot.end:%H:%M}",
        },
    )
    return HttpResponseRedirect(reverse("network:booking_mine"))


# --------------------------------------------------------------------------------------------
# Capacity
# --------------------------------------------------------------------------------------------


def _capacity_context(
    actor: Actor,
    outlet: Outlet | None,
    *,
    publish: PublishForm | None = None,
    slot_set: SlotSetForm | None = None,
) -> dict[str, Any]:
    managed = list(outlets_managed(actor=actor)[:500])
    english = english_page()
    names = names_of(Kind.REGION, (o.district for o in managed), english=english)
    if outlet is None and len(managed) == 1:
        outlet = managed[0]
    slots = (
        list(outlet_slots_all(outlet=outlet, date_from=today(), days=SLOT_DAYS)) if outlet else []
    )
    return {
        "outlets": [(o, names.get(o.district, "")) for o in managed],
        "outlet": outlet,
        "publish": publish or PublishForm(initial={"date_from": today(), "date_to": today()}),
        "slot_set": slot_set or SlotSetForm(initial={"day": today()}),
        "slots": slots,
        "weekdays": WEEKDAYS,
        "days": SLOT_DAYS,
    }


@actor_required(*PUBLISHERS)
def booking_capacity(request: HttpRequest) -> HttpResponse:
    """Publish an outlet's capacity: a weekly template over a range of working days, or one
    slot of one day; and the slots of the coming two weeks with what is booked."""
    actor = request_actor(request)
    chosen = request.GET.get("outlet", "")
    outlet = None
    if chosen.isdigit():
        try:
            outlet = outlet_managed(actor=actor, outlet_id=int(chosen))
        except ApplicationError as error:
            return error_page(request, error)
    return render(request, "network/bookings/capacity.html", _capacity_context(actor, outlet))


def _capacity_url(outlet: Outlet) -> str:
    return reverse("network:booking_capacity") + "?" + urlencode({"outlet": outlet.pk})


@require_POST
@actor_required(*PUBLISHERS)
def booking_publish_view(request: HttpRequest, outlet_id: int) -> HttpResponse:
    actor = request_actor(request)
    outlet = outlet_managed(actor=actor, outlet_id=outlet_id)
    form = PublishForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = slots_publish(
                actor=actor,
                outlet_id=outlet.pk,
                date_from=data["date_from"],
                date_to=data["date_to"],
                template=form.template(),
            )
        except ApplicationError as error:
            context = _capacity_context(actor, outlet, publish=form)
            context.update(form_refusal(form, error, fields=PUBLISH_FIELDS))
            return render(
                request, "network/bookings/capacity.html", context, status=refused_status(request)
            )
        messages.success(
            request,
            _(
                "Published on %(days)s working days (%(rest)s rest days left out): "
                "%(created)s slots opened, %(updated)s changed."
            )
            % {
                "days": result.working_days,
                "rest": result.rest_days,
                "created": result.created,
                "updated": result.updated,
            },
        )
        return HttpResponseRedirect(_capacity_url(outlet))
    context = _capacity_context(actor, outlet, publish=form)
    return render(request, "network/bookings/capacity.html", context, status=400)


@require_POST
@actor_required(*PUBLISHERS)
def booking_slot_set_view(request: HttpRequest, outlet_id: int) -> HttpResponse:
    actor = request_actor(request)
    outlet = outlet_managed(actor=actor, outlet_id=outlet_id)
    form = SlotSetForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            slot_capacity_set(actor=actor, outlet_id=outlet.pk, **data)
        except ApplicationError as error:
            context = _capacity_context(actor, outlet, slot_set=form)
            context.update(form_refusal(form, error, fields=SLOT_SET_FIELDS))
            return render(
                request, "network/bookings/capacity.html", context, status=refused_status(request)
            )
        messages.success(request, _("The time slot is saved."))
        return HttpResponseRedirect(_capacity_url(outlet))
    context = _capacity_context(actor, outlet, slot_set=form)
    return render(request, "network/bookings/capacity.html", context, status=400)


# --------------------------------------------------------------------------------------------
# Load
# --------------------------------------------------------------------------------------------


def _load_filtered(
    request: HttpRequest,
) -> tuple[LoadFilterForm, date, int, list[LoadRow]]:
    """The load page's filter and the rows it selects: the page and its export share both."""
    actor = request_actor(request)
    districts = division_current_districts()
    if actor.district_code:
        districts = districts.filter(code=actor.district_code)
    form = LoadFilterForm(
        request.GET or None, districts=district_choices(districts, english=english_page())
    )
    found = form.cleaned_data if form.is_valid() else {}
    start = found.get("start") or today()
    weeks = found.get("weeks") or 2
    rows = booking_load(actor=actor, start=start, weeks=weeks, district=found.get("district"))
    return form, start, weeks, rows


def _share(booked: int, capacity: int) -> str:
    return f"{round(100 * booked / capacity)}%" if capacity else "—"


@actor_required(*OFFICERS)
def booking_load_page(request: HttpRequest) -> HttpResponse:
    """Booked places against capacity per outlet and day for the coming weeks, and the daily
    totals as a chart (with its table)."""
    form, start, weeks, rows = _load_filtered(request)
    names = names_of(Kind.REGION, {r.district for r in rows}, english=english_page())
    totals: dict[date, list[int]] = {}
    for r in rows:
        pair = totals.setdefault(r.day, [0, 0])
        pair[0] += r.capacity
        pair[1] += r.booked
    days = sorted(totals)
    chart = Chart(
        chart_id="booking-load",
        kind=ChartKind.BAR,
        title=_("Places per day, all outlets shown"),
        categories=[d.isoformat() for d in days],
        series=[
            (_("Capacity"), [totals[d][0] for d in days]),
            (_("Booked"), [totals[d][1] for d in days]),
        ],
        unit=_("places"),
        category_label=_("Day"),
        extra_columns=[(_("Booked share"), [_share(totals[d][1], totals[d][0]) for d in days])],
    )
    context = {
        "form": form,
        "rows": rows,
        "regions": names,
        "chart": chart,
        "start": start,
        "end": days_after(start, 7 * weeks - 1),
    }
    return render(request, "network/bookings/load.html", context)


def _load_rows(rows: list[LoadRow]) -> Iterator[Sequence[Cell]]:
    # the names the page shows (``names_of``), so the file reads as the page
    regions = names_of(Kind.REGION, {r.district for r in rows}, english=english_page())
    for r in rows:
        yield (
            regions.get(r.district, r.district),
            r.district,
            r.outlet,
            r.day.isoformat(),
            r.capacity,
            r.booked,
            _share(r.booked, r.capacity),
        )


@actor_required(*OFFICERS)
def booking_load_export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    """The load the page shows, with its filter, as XLSX or CSV: one row per outlet and day."""
    form, _start, _weeks, rows = _load_filtered(request)
    table = ExportTable(
        title=_("Outlet load"),
        file_stem="outlet-load",
        columns=[
            *coded(_("District"), width=20),
            Column(_("Outlet"), 30),
            Column(_("Day"), 12),
            Column(_("Capacity"), 10),
            Column(_("Booked"), 10),
            Column(_("Booked share"), 10),
        ],
        rows=_load_rows(rows),
        filters=form_filters(form) if form.is_valid() else [],
    )
    return export_response(request, table, fmt)

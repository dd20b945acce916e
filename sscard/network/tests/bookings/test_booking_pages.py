"""The booking pages: Chinese by default and complete in English, names never codes, a button
only where its service would accept the action, the ID number never echoed, scope kept."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from sscard.core.clock import today
from sscard.network.booking_services import booking_make, slot_capacity_set
from sscard.network.models import Booking, Outlet, TimeSlot
from sscard.network.tests.bookings.support import SYSTEM, hm, holder, person
from sscard.testing.exports import read_export
from sscard.testing.factories import AccountFactory, OutletFactory, make_id_number

pytestmark = pytest.mark.django_db

SOON = today() + timedelta(days=2)


def open_slot(place: Outlet, span: str = "09:00-10:00", capacity: int = 2) -> TimeSlot:
    start, end = span.split("-")
    return slot_capacity_set(
        actor=SYSTEM, outlet_id=place.pk, day=SOON, start=hm(start), end=hm(end), capacity=capacity
    )


def book_buttons(html: str) -> set[int]:
    return {int(v) for v in re.findall(r'name="slot" value="(\d+)">', html)}


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def test_a_holder_books_from_the_slots_page_and_cancels_from_their_list(client_for):
    account = AccountFactory.create(cardholder=True)
    place = OutletFactory.create(community_centre=True, name="西城区什刹海社区事务受理中心")
    free, full = open_slot(place), open_slot(place, "10:00-11:00", capacity=1)
    booking_make(actor=holder(person()), slot_id=full.pk, purpose="apply")
    client = client_for(account)
    page = client.get("/bookings/slots/", {"outlet": place.pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert "预约办理" in html
    assert "已约满" in html
    assert book_buttons(html) == {free.pk}  # no button on the full slot
    done = client.post(
        "/bookings/book/", {"person": account.person_id, "purpose": "apply", "slot": free.pk}
    )
    assert done.status_code == 302
    booking = Booking.objects.get(person=account.person)
    listing = english(client).get("/bookings/").content.decode()
    assert "My bookings" in listing
    assert "Apply for a card" in listing
    assert "Online" in listing
    assert f'action="/bookings/{booking.pk}/cancel/"' in listing
    assert f"?move={booking.pk}" in listing
    client.post(f"/bookings/{booking.pk}/cancel/")
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    after = client.get("/bookings/").content.decode()
    assert f'action="/bookings/{booking.pk}/cancel/"' not in after  # no button once cancelled


def test_a_full_slot_is_refused_on_the_page_with_the_free_ones_offered(client_for):
    account = AccountFactory.create(cardholder=True)
    place = OutletFactory.create()
    full, later = open_slot(place, capacity=1), open_slot(place, "11:00-12:00")
    booking_make(actor=holder(person()), slot_id=full.pk, purpose="apply")
    client = client_for(account)
    answer = client.post(
        "/bookings/book/", {"person": account.person_id, "purpose": "apply", "slot": full.pk}
    )
    html = answer.content.decode()
    assert answer.status_code == 409
    assert 'data-code="slot_full"' in html
    assert "该时段已约满" in html
    assert "可选的空余时段" in html
    assert f"#s{later.pk}" in html
    assert not Booking.objects.filter(person=account.person).exists()
    english_html = (
        english(client)
        .post("/bookings/book/", {"person": account.person_id, "purpose": "apply", "slot": full.pk})
        .content.decode()
    )
    assert "fully booked" in english_html
    assert "Free time slots offered" in english_html


def test_the_clerk_books_by_id_number_which_is_never_echoed(client_for):
    place = OutletFactory.create(community_centre=True)
    account = AccountFactory.create(community_clerk=True, outlet=place)
    slot = open_slot(place, capacity=1)
    number = make_id_number(88)
    person(id_number=number)
    client = client_for(account)
    html = client.get("/bookings/slots/").content.decode()
    assert book_buttons(html) == {slot.pk}
    assert 'name="id_number"' in html
    client.post("/bookings/book/", {"id_number": number, "purpose": "collect", "slot": slot.pk})
    refused = client.post(
        "/bookings/book/", {"id_number": number, "purpose": "replace", "slot": slot.pk}
    )
    assert refused.status_code == 409
    assert number not in refused.content.decode()
    day = client.get("/bookings/", {"day": SOON.isoformat()}).content.decode()
    assert "领取社保卡" in day
    assert "柜台代约" in day
    assert number not in day  # masked on the list


def test_another_outlets_clerk_and_other_roles_are_kept_out(client_for):
    place, other = OutletFactory.create(), OutletFactory.create()
    slot = open_slot(other)
    clerk = client_for(AccountFactory.create(bank_clerk=True, outlet=place))
    number = make_id_number(89)
    person(id_number=number)
    refused = clerk.post(
        "/bookings/book/", {"id_number": number, "purpose": "apply", "slot": slot.pk}
    )
    assert refused.status_code == 403
    assert 'data-code="slot_other_outlet"' in refused.content.decode()
    assert clerk.get("/bookings/capacity/", {"outlet": other.pk}).status_code == 403
    officer = client_for(AccountFactory.create())
    assert officer.get("/bookings/slots/").status_code == 403
    holder_client = client_for(AccountFactory.create(cardholder=True))
    assert holder_client.get("/bookings/load/").status_code == 403
    assert holder_client.get("/bookings/capacity/").status_code == 403


def test_the_clerk_publishes_a_day_and_sees_it(client_for):
    place = OutletFactory.create()
    client = client_for(AccountFactory.create(bank_clerk=True, outlet=place))
    page = client.get("/bookings/capacity/").content.decode()
    assert "按周计划" in page
    assert "星期六" in page
    answer = client.post(
        f"/bookings/capacity/{place.pk}/slot/",
        {"day": SOON.isoformat(), "start": "09:00", "end": "10:00", "capacity": "3"},
    )
    assert answer.status_code == 302
    assert TimeSlot.objects.get(outlet=place).capacity == 3
    refused = client.post(
        f"/bookings/capacity/{place.pk}/slot/",
        {"day": SOON.isoformat(), "start": "09:30", "end": "10:30", "capacity": "3"},
    )
    assert refused.status_code == 400
    assert 'data-code="slot_overlap"' in refused.content.decode()


def test_the_load_page_shows_the_numbers_and_names(client_for):
    place = OutletFactory.create(name="工商银行西城测试支行")
    slot = open_slot(place, capacity=4)
    booking_make(actor=holder(person()), slot_id=slot.pk, purpose="apply")
    client = client_for(AccountFactory.create(district_officer=True))
    html = client.get("/bookings/load/").content.decode()
    assert "网点预约负荷" in html
    assert "工商银行西城测试支行" in html
    assert "西城区" in html
    cells = r'</td><td class="num">(\d+)</td><td class="num">(\d+)</td><td class="num">(\d+)%'
    row = re.search(r"工商银行西城测试支行</td><td>[^<]+" + cells, html)
    assert row is not None
    assert row.groups() == ("4", "1", "25")
    assert "110102" not in html.split("<main", 1)[-1]  # names, not region codes


def test_a_holder_moves_a_booking_on_the_page_and_a_full_slot_keeps_it(client_for):
    account = AccountFactory.create(cardholder=True)
    place = OutletFactory.create()
    mine, free = open_slot(place), open_slot(place, "11:00-12:00")
    full = open_slot(place, "10:00-11:00", capacity=1)
    booking_make(actor=holder(person()), slot_id=full.pk, purpose="apply")
    me = account.person
    assert me is not None
    booking = booking_make(actor=holder(me), slot_id=mine.pk, purpose="apply")
    client = client_for(account)
    page = client.get("/bookings/slots/", {"move": booking.pk}).content.decode()
    assert "改约到此时段" in page
    assert set(re.findall(r'name="slot" value="(\d+)"', page)) == {
        str(free.pk)
    }  # not full, not own
    refused = client.post(f"/bookings/{booking.pk}/move/", {"slot": full.pk})
    assert refused.status_code == 409
    assert f'name="slot" value="{free.pk}"' in refused.content.decode()  # offered, to move to
    booking.refresh_from_db()
    assert booking.status == "booked"
    moved = client.post(f"/bookings/{booking.pk}/move/", {"slot": free.pk})
    assert moved.status_code == 302
    assert Booking.objects.get(person=me, status="booked").slot_id == free.pk


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_load_exports_what_the_page_shows_with_names_and_codes(fmt, client_for):
    place = OutletFactory.create(name="工商银行西城测试支行")
    slot = open_slot(place, capacity=4)
    booking_make(actor=holder(person()), slot_id=slot.pk, purpose="apply")
    booking_make(actor=holder(person()), slot_id=slot.pk, purpose="collect")
    client = client_for(AccountFactory.create(district_officer=True))
    html = client.get("/bookings/load/", {"weeks": "1"}).content.decode()
    assert 'href="/bookings/load/export.xlsx?weeks=1"' in html
    assert "<td>北京市西城区</td>" in html  # the file names the district as the page does
    export = read_export(client.get(f"/bookings/load/export.{fmt}", {"weeks": "1"}))
    assert export.title == "网点预约负荷"
    assert export.columns == ["区", "区（代码）", "网点", "日期", "可预约名额", "已预约", "预约率"]
    # the booked count, from the booking rows themselves
    booked = Booking.objects.filter(slot__outlet=place, status="booked").count()
    assert [[str(c) for c in row] for row in export.rows] == [
        [
            "北京市西城区",
            "110102",
            "工商银行西城测试支行",
            SOON.isoformat(),
            "4",
            str(booked),
            "50%",
        ]
    ]
    holder_client = client_for(AccountFactory.create(cardholder=True))
    assert holder_client.get(f"/bookings/load/export.{fmt}").status_code == 403

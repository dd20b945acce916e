from __future__ import annotations

from django.urls import path

from sscard.core.exports import export_route
from sscard.network import booking_views, views

app_name = "network"
urlpatterns = [
    path("outlets/", views.outlet_list_page, name="outlet_list"),
    path(export_route("outlets/export"), views.outlet_export, name="outlet_export"),
    # Booked time slots (SH-10)
    path("bookings/", booking_views.booking_mine, name="booking_mine"),
    path("bookings/slots/", booking_views.booking_slots, name="booking_slots"),
    path("bookings/book/", booking_views.booking_book, name="booking_book"),
    path(
        "bookings/<int:booking_id>/cancel/",
        booking_views.booking_cancel_view,
        name="booking_cancel",
    ),
    path("bookings/<int:booking_id>/move/", booking_views.booking_move_view, name="booking_move"),
    path(
        "bookings/<int:booking_id>/attend/",
        booking_views.booking_attend_view,
        name="booking_attend",
    ),
    path("bookings/capacity/", booking_views.booking_capacity, name="booking_capacity"),
    path(
        "bookings/capacity/<int:outlet_id>/publish/",
        booking_views.booking_publish_view,
        name="booking_publish",
    ),
    path(
        "bookings/capacity/<int:outlet_id>/slot/",
        booking_views.booking_slot_set_view,
        name="booking_slot_set",
    ),
    path("bookings/load/", booking_views.booking_load_page, name="booking_load"),
    path(
        export_route("bookings/load/export"),
        booking_views.booking_load_export,
        name="booking_load_export",
    ),
]

from __future__ import annotations

from django.urls import path

from sscard.core.exports import export_route
from sscard.notifications import views

app_name = "notifications"
urlpatterns = [
    path("outbox/", views.outbox_page, name="outbox"),
    path(export_route("outbox/export"), views.outbox_export, name="outbox_export"),
    path("me/reminders/", views.my_reminders_page, name="my_reminders"),
]

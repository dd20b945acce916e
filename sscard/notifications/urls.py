from __future__ import annotations

from django.urls import path

from sscard.notifications import views

app_name = "notifications"
urlpatterns = [path("outbox/", views.outbox_page, name="outbox")]

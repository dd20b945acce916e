"""URL configuration: pages, admin, the API and the language switch."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from config import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls()),
    path("i18n/", include("django.conf.urls.i18n")),
    path("campaigns/", include("sscard.campaigns.urls")),
    path("production/", include("sscard.production.urls")),
    path("reports/", include("sscard.reports.urls")),
    path("", include("sscard.cards.urls")),
    path("", include("sscard.delivery.urls")),
    path("", include("sscard.applications.urls")),
    path("", include("sscard.registry.urls")),
    path("", include("sscard.network.urls")),
    path("", include("sscard.notifications.urls")),
    path("", include("sscard.portal.urls")),
]

# A page whose database cannot be reached says so (503 ``database_unavailable``), not "internal
# error"; any other unhandled error keeps Django's 500 page.
handler500 = "sscard.core.views.server_error"

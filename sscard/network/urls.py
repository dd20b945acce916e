from __future__ import annotations

from django.urls import path

from sscard.core.exports import export_route
from sscard.network import views

app_name = "network"
urlpatterns = [
    path("outlets/", views.outlet_list_page, name="outlet_list"),
    path(export_route("outlets/export"), views.outlet_export, name="outlet_export"),
]

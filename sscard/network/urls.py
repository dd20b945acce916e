from __future__ import annotations

from django.urls import path

from sscard.network import views

app_name = "network"
urlpatterns = [path("outlets/", views.outlet_list_page, name="outlet_list")]

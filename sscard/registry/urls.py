from __future__ import annotations

from django.urls import path

from sscard.registry import views

app_name = "registry"
urlpatterns = [
    path("persons/", views.person_list_page, name="person_list"),
    path("persons/export.csv", views.person_export, name="person_export"),
    path("persons/<int:person_id>/", views.person_detail, name="person_detail"),
    path("counter/", views.person_lookup, name="person_lookup"),
    path("me/", views.me, name="me"),
    path("employers/", views.employer_list_page, name="employer_list"),
    path("employers/<int:employer_id>/", views.employer_staff_page, name="employer_staff"),
    path(
        "employers/<int:employer_id>/staff.csv",
        views.employer_staff_export,
        name="employer_staff_export",
    ),
]

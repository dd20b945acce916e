from __future__ import annotations

from django.urls import path

from sscard.core.exports import export_route
from sscard.registry import views

app_name = "registry"
urlpatterns = [
    path("persons/", views.person_list_page, name="person_list"),
    path(export_route("persons/export"), views.person_export, name="person_export"),
    path("persons/updates/", views.person_updates_page, name="person_updates"),
    path(
        "persons/updates/<int:job_id>/",
        views.person_updates_job_page,
        name="person_updates_job",
    ),
    path("persons/<int:person_id>/", views.person_detail, name="person_detail"),
    path("persons/<int:person_id>/correct/", views.person_correct_page, name="person_correct"),
    path("counter/", views.person_lookup, name="person_lookup"),
    path("me/", views.me, name="me"),
    path("employers/", views.employer_list_page, name="employer_list"),
    path("employers/pick/", views.employer_pick_view, name="employer_pick"),
    path(export_route("employers/export"), views.employer_export, name="employer_export"),
    path("employers/<int:employer_id>/", views.employer_staff_page, name="employer_staff"),
    path(
        export_route("employers/<int:employer_id>/staff"),
        views.employer_staff_export,
        name="employer_staff_export",
    ),
]

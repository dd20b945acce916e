from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from sscard.core.exports import export_route
from sscard.portal import approval_views, directory_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),  # POST, from the header
    path("imports/", views.import_list, name="import_list"),
    path(export_route("imports/export"), views.import_export, name="import_export"),
    path("imports/new/", views.import_create, name="import_create"),
    path("imports/<int:job_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:job_id>/report.csv", views.import_report, name="import_report"),
    path("approvals/", approval_views.approvals_page, name="approvals"),
    path("approvals/<int:approval_id>/", approval_views.approval_page, name="approval"),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("me/access/", views.access_events, name="access_events"),
    path("help/", directory_views.help_page, name="help"),
    path("relying-parties/", directory_views.relying_parties_page, name="relying_parties"),
    path(export_route("me/access/export"), views.access_event_export, name="access_export"),
]

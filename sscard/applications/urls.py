from django.urls import path

from sscard.applications import views
from sscard.core.exports import export_route

app_name = "applications"
urlpatterns = [
    path("collective/", views.collective_page, name="collective"),
    path("collective/open/", views.collective_open_view, name="collective_open"),
    path("collective/<int:collective_id>/arrange/", views.collective_arrange_view, name="arrange"),
    path("collective/<int:collective_id>/roster/add/", views.roster_add_view, name="roster_add"),
    path(
        "collective/<int:collective_id>/roster/upload/",
        views.roster_upload_view,
        name="roster_upload",
    ),
    path(
        "collective/<int:collective_id>/roster/job/",
        views.roster_job_view,
        name="roster_job",
    ),
    path(
        "collective/<int:collective_id>/roster/report/<str:name>",
        views.roster_report_view,
        name="roster_report",
    ),
    path(
        export_route("collective/<int:collective_id>/roster"),
        views.roster_export,
        name="roster_export",
    ),
    path("collective/<int:collective_id>/form/", views.collective_form_print, name="form_print"),
    path("collective/<int:collective_id>/notify/", views.collective_notify_view, name="notify"),
    path("collective/<int:collective_id>/remind/", views.roster_remind_view, name="remind"),
    path("collective/<int:collective_id>/submit/", views.collective_submit_view, name="submit"),
    path(
        "applications/<int:application_id>/receipt/",
        views.application_receipt,
        name="receipt",
    ),
    path("applications/mine/apply/", views.apply_online, name="apply_online"),
    path("applications/mine/confirm/<int:entry_id>/", views.confirm_page, name="confirm"),
    path("applications/counter/", views.counter_apply, name="counter"),
    path("pickers/outlets/", views.outlet_options, name="outlet_options"),
]

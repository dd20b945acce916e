from django.urls import path

from sscard.core.exports import export_route
from sscard.reports import exports_views, history_views, network_views, statistics_views, views

app_name = "reports"
urlpatterns = [
    path("overdue/", views.overdue_page, name="overdue"),
    path(export_route("overdue/export"), views.overdue_export, name="overdue_export"),
    path("calendar/", views.calendar_page, name="calendar"),
    path("statistics/", statistics_views.statistics_page, name="statistics"),
    path("funnel/", statistics_views.funnel_page, name="funnel"),
    path(
        export_route("statistics/export"),
        exports_views.statistics_export,
        name="statistics_export",
    ),
    path(
        export_route("statistics/series/export"),
        exports_views.series_export,
        name="series_export",
    ),
    path(export_route("funnel/export"), exports_views.funnel_export, name="funnel_export"),
    path("verification-traffic/", network_views.traffic_page, name="verification_traffic"),
    path(
        export_route("verification-traffic/export"),
        network_views.traffic_export,
        name="verification_traffic_export",
    ),
]

# A person's and a card's history, and the bureau's search of the audit trail (issue 15).
urlpatterns += [
    path(
        "history/persons/<int:person_id>/", history_views.person_history_page, name="person_history"
    ),
    path("history/cards/<int:card_id>/", history_views.card_history_page, name="card_history"),
    path("audit/", history_views.audit_page, name="audit"),
    path(export_route("audit/export"), history_views.audit_export, name="audit_export"),
]

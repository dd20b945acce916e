from django.urls import path

from sscard.core.exports import export_route
from sscard.reports import views

app_name = "reports"
urlpatterns = [
    path("overdue/", views.overdue_page, name="overdue"),
    path(export_route("overdue/export"), views.overdue_export, name="overdue_export"),
    path("calendar/", views.calendar_page, name="calendar"),
]

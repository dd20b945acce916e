from django.urls import path

from sscard.reports import views

app_name = "reports"
urlpatterns = [
    path("overdue/", views.overdue_page, name="overdue"),
    path("calendar/", views.calendar_page, name="calendar"),
]

from django.urls import path

from sscard.campaigns import views
from sscard.core.exports import export_route

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_overview, name="overview"),
    path("put-in-force/", views.campaign_put_in_force_view, name="put_in_force"),
    path("<int:campaign_id>/withdraw/", views.campaign_withdraw_view, name="withdraw"),
    path("schools/", views.school_list_page, name="schools"),
    path(export_route("schools/export"), views.school_export, name="school_export"),
    path("schools/notify/", views.school_notify_view, name="school_notify"),
]
urlpatterns += [
    path("outreach/", views.outreach_page, name="outreach"),
    path("outreach/send/", views.outreach_send_view, name="outreach_send"),
    path("outreach/<int:round_id>/", views.outreach_round_page, name="outreach_round"),
    path("outreach/<int:round_id>/resume/", views.outreach_resume_view, name="outreach_resume"),
]

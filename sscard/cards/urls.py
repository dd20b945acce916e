from django.urls import path

from sscard.cards import departure_views, expiry_views, mass_views, views
from sscard.core.exports import export_route

app_name = "cards"
urlpatterns = [
    path("me/cards/", views.my_cards, name="mine"),
    path("me/cards/<int:card_id>/enable/", views.enable_view, name="enable"),
    path("me/cards/<int:card_id>/report-loss/", views.report_loss_view, name="report_loss"),
    path("me/cards/<int:card_id>/withdraw-loss/", views.withdraw_loss_view, name="withdraw_loss"),
    path("me/cards/<int:card_id>/renew/", expiry_views.renew_view, name="renew"),
    # Cards that run out (到期换卡): the bureau's list, its export and its "tell the holders".
    path("cards/expiring/", expiry_views.expiring_page, name="expiring"),
    path(
        export_route("cards/expiring/export"), expiry_views.expiring_export, name="expiring_export"
    ),
    path("cards/expiring/notify/", expiry_views.expiring_notify_view, name="expiring_notify"),
    # Deaths and departures (死亡、转出): recorded from the person's page, listed for officers.
    path(
        "persons/<int:person_id>/departure/",
        departure_views.departure_record_page,
        name="departure_record",
    ),
    path(
        "persons/<int:person_id>/departure/reversal/",
        departure_views.departure_reversal_page,
        name="departure_reversal",
    ),
    path("departures/", departure_views.departure_list_page, name="departures"),
    path(
        export_route("departures/export"),
        departure_views.departure_export,
        name="departure_export",
    ),
    # Mass actions on cards (批量处理): prepared by one officer, approved by another.
    path("cards/mass-actions/", mass_views.mass_actions_page, name="mass_actions"),
    path("cards/mass-actions/new/", mass_views.mass_action_new_page, name="mass_action_new"),
    path("cards/mass-actions/<int:action_id>/", mass_views.mass_action_page, name="mass_action"),
    # The holder's applications follow their cards (``cards.progress``): their page is here,
    # above the applications, at the address it always had.
    path("applications/mine/", views.my_applications, name="my_applications"),
    path(
        "applications/mine/<int:application_id>/cancel/",
        views.application_cancel_view,
        name="application_cancel",
    ),
]

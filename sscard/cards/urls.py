from django.urls import path

from sscard.cards import views

app_name = "cards"
urlpatterns = [
    path("me/cards/", views.my_cards, name="mine"),
    path("me/cards/<int:card_id>/enable/", views.enable_view, name="enable"),
    path("me/cards/<int:card_id>/report-loss/", views.report_loss_view, name="report_loss"),
    path("me/cards/<int:card_id>/withdraw-loss/", views.withdraw_loss_view, name="withdraw_loss"),
    # The holder's applications follow their cards (``cards.progress``): their page is here,
    # above the applications, at the address it always had.
    path("applications/mine/", views.my_applications, name="my_applications"),
    path(
        "applications/mine/<int:application_id>/cancel/",
        views.application_cancel_view,
        name="application_cancel",
    ),
]

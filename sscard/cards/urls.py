from django.urls import path

from sscard.cards import views

app_name = "cards"
urlpatterns = [
    path("me/cards/", views.my_cards, name="mine"),
    path("me/cards/<int:card_id>/enable/", views.enable_view, name="enable"),
    path("me/cards/<int:card_id>/report-loss/", views.report_loss_view, name="report_loss"),
    path("me/cards/<int:card_id>/withdraw-loss/", views.withdraw_loss_view, name="withdraw_loss"),
]

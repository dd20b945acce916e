from django.urls import path

from sscard.delivery import views

app_name = "delivery"
urlpatterns = [
    path("cards/counter/", views.counter_page, name="counter"),
    path("cards/counter/stock/", views.stock_view, name="stock"),
    path("cards/counter/receive/", views.stock_receive_view, name="receive"),
    path("cards/counter/serve/", views.serve_view, name="serve"),
    path(
        "cards/counter/<int:card_id>/<slug:action>/",
        views.card_action_view,
        name="card_action",
    ),
    path(
        "production/batches/<int:batch_id>/dispatch/",
        views.batch_dispatch_view,
        name="batch_dispatch",
    ),
]

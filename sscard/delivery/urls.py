from django.urls import path

from sscard.core.exports import export_route
from sscard.delivery import views

app_name = "delivery"
urlpatterns = [
    path("cards/counter/", views.counter_page, name="counter"),
    path("cards/counter/stock/", views.stock_view, name="stock"),
    path(export_route("cards/counter/stock/export"), views.stock_export, name="stock_export"),
    path(
        "cards/<int:card_id>/ready-notice/",
        views.card_ready_notice_view,
        name="card_ready_notice",
    ),
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
    path(
        "production/batches/<int:batch_id>/handover/",
        views.batch_handover_view,
        name="batch_handover",
    ),
]

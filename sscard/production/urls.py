from django.urls import path

from sscard.core.exports import export_route
from sscard.production import views

app_name = "production"
urlpatterns = [
    path("", views.batch_list_page, name="batches"),
    path(export_route("batches/export"), views.batch_list_export, name="batches_export"),
    path("batches/form/", views.batches_form_view, name="batches_form"),
    path("batches/<int:batch_id>/", views.batch_page, name="batch"),
    path(
        export_route("batches/<int:batch_id>/cards"),
        views.batch_card_export,
        name="batch_cards_export",
    ),
    path("batches/<int:batch_id>/progress/", views.batch_progress_view, name="progress"),
    path("batches/<int:batch_id>/start/", views.batch_start_view, name="start"),
    path("batches/<int:batch_id>/export/", views.batch_export_view, name="export"),
    path("batches/<int:batch_id>/files/<str:name>", views.batch_file_view, name="file"),
    path("batches/<int:batch_id>/results/", views.batch_result_view, name="results"),
    path("batches/<int:batch_id>/results/job/", views.batch_result_job_view, name="result_job"),
    path(
        "batches/<int:batch_id>/results/discard/",
        views.batch_result_discard_view,
        name="result_discard",
    ),
]

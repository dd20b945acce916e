from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "sscard.applications"
    label = "applications"
    verbose_name = _("Applications")

    def ready(self) -> None:
        # Lends a person list (registry) its filter "application open"; no query runs here.
        from sscard.applications.selectors import persons_with_open_application
        from sscard.registry.statuses import register_person_status

        register_person_status(
            "application_open", _("Application open"), persons_with_open_application, order=20
        )
        # A starting embedded server reads the roster files a stopped one left.
        from sscard.applications.services.roster_jobs import roster_upload_jobs_resume
        from sscard.core import background

        background.on_startup(roster_upload_jobs_resume)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "sscard.portal"
    label = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        # A starting server queues again the imports a stopped one left (its own pool only).
        from sscard.core import background
        from sscard.portal.services import import_jobs_resume

        background.on_startup(import_jobs_resume)

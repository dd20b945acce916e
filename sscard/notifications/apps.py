from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "sscard.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # The outbox shows each template's name, never its key (sscard.core.names).
        from sscard.core.names import Kind, namer_register
        from sscard.notifications.selectors import sms_template_names

        namer_register(Kind.SMS_TEMPLATE, sms_template_names)

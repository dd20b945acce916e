from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "sscard.network"
    label = "network"
    verbose_name = _("Service network")

    def ready(self) -> None:
        # Banks are named from their table wherever a code would be shown (sscard.core.names).
        from sscard.core.names import Kind, namer_register
        from sscard.network.selectors import bank_names

        namer_register(Kind.BANK, lambda codes, english: bank_names(codes, english=english))

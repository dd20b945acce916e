from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "sscard.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        # Registers a callable only; the database is asked on first use, not here.
        from sscard.registry.keys import connect_keyring

        connect_keyring()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "sscard.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        # Registers a callable only; the database is asked on first use, not here.
        from sscard.core.crypto import PHONE_TAIL
        from sscard.core.keys import register_derived_index
        from sscard.kernel.masks import phone_tail
        from sscard.registry.keys import connect_keyring
        from sscard.registry.models import Person

        connect_keyring()
        _register_names()
        # The phone's last four digits are indexed beside it: rotation re-keys them with it.
        register_derived_index(
            Person, enc="phone_enc", index="phone_tail_index", field=PHONE_TAIL, derive=phone_tail
        )


def _register_names() -> None:
    """Name the registry's codes for every page, SMS and export (``sscard.core.names``)."""
    from sscard.core.names import Kind, namer_register
    from sscard.registry.selectors import category_names, region_names, sex_names

    namer_register(Kind.REGION, lambda codes, english: region_names(codes, english=english))
    namer_register(Kind.CATEGORY, category_names)
    namer_register(Kind.SEX, sex_names)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "sscard.campaigns"
    label = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        # Exports and prints name the pack in force; core cannot ask campaigns, so it is told.
        from sscard.campaigns.selectors import pack_stamps_for_actor
        from sscard.core.exports import register_pack_source

        register_pack_source(pack_stamps_for_actor)
        _register_names()


def _register_names() -> None:
    """Pickup methods are named as the packs name them (``sscard.core.names``)."""
    from sscard.campaigns.selectors import pickup_names
    from sscard.core.names import Kind, namer_register

    namer_register(Kind.PICKUP, lambda codes, english: pickup_names(codes, english=english))

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
        _register_booking_packs()
        # A starting embedded server goes on with the reminder rounds a stopped one left.
        from sscard.campaigns.services import outreach_rounds_resume
        from sscard.core import background

        background.on_startup(outreach_rounds_resume)


def _register_names() -> None:
    """Pickup methods are named as the packs name them (``sscard.core.names``)."""
    from sscard.campaigns.selectors import pickup_names
    from sscard.core.names import Kind, namer_register

    namer_register(Kind.PICKUP, lambda codes, english: pickup_names(codes, english=english))


def _register_booking_packs() -> None:
    """The reminder of a booked visit (network, below campaigns) takes its text from the pack
    in force for the outlet's city: the campaigns tell it where that pack is."""
    from sscard.campaigns.selectors import pack_in_force_or_none
    from sscard.network.booking_services import booking_pack_lookup_register
    from sscard.policy import Pack

    def pack_of(city: str) -> Pack | None:
        found = pack_in_force_or_none(city)
        return found.pack if found is not None else None

    booking_pack_lookup_register(pack_of)

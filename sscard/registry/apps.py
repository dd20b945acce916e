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
        from sscard.registry.corrections import register_correction_kind
        from sscard.registry.keys import connect_keyring
        from sscard.registry.models import Person

        connect_keyring()
        _register_names()
        # Identity corrections need a second officer (issue 15): their kind and its applier.
        register_correction_kind()
        # A starting server resumes the update files a stopped one was applying.
        from sscard.core import background
        from sscard.registry.updates import person_updates_jobs_resume

        background.on_startup(person_updates_jobs_resume)
        _register_departures()
        # The phone's last four digits are indexed beside it: rotation re-keys them with it.
        register_derived_index(
            Person, enc="phone_enc", index="phone_tail_index", field=PHONE_TAIL, derive=phone_tail
        )


def _register_departures() -> None:
    """No text reaches a person who has died or left: the outbox asks the registry."""
    from django.db.models import Q

    from sscard.notifications.services import unreachable_register
    from sscard.registry.departures import persons_departed
    from sscard.registry.statuses import register_person_status

    unreachable_register(persons_departed)
    register_person_status(
        "departed", _("Died or left"), lambda: Q(departed_on__isnull=False), order=100
    )


def _register_names() -> None:
    """Name the registry's codes for every page, SMS and export (``sscard.core.names``)."""
    from sscard.core.names import Kind, namer_register
    from sscard.registry.selectors import category_names, region_names, sex_names

    namer_register(Kind.REGION, lambda codes, english: region_names(codes, english=english))
    namer_register(Kind.CATEGORY, category_names)
    namer_register(Kind.SEX, sex_names)

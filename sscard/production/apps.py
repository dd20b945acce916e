from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from sscard.production.models import CardKey


class ProductionConfig(AppConfig):
    name = "sscard.production"
    label = "production"
    verbose_name = _("Card production")

    def ready(self) -> None:
        # Registers a callable only; the database is asked on first use, not here. The cards'
        # private keys are wrapped under the field key's versions: rotation re-wraps them.
        from sscard.core.keys import register_wrapped_secrets
        from sscard.production.models import CardKey

        register_wrapped_secrets(CardKey, "key_wrapped", _card_key_labels)
        # A mass action on cards may select a production batch or a card-factory file.
        from sscard.production.selections import register_selections

        register_selections()
        # A starting embedded server queues again what a stopped one left: the batches it was
        # personalising, the result files it was importing.
        from sscard.core import background
        from sscard.production.services.batches import batches_personalising_resume
        from sscard.production.services.result_jobs import factory_result_jobs_resume

        background.on_startup(batches_personalising_resume)
        background.on_startup(factory_result_jobs_resume)


def _card_key_labels(rows: Sequence["CardKey"]) -> list[str]:
    from sscard.production.services.personalise import key_label

    return [key_label(row.pk) for row in rows]

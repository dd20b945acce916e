from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from sscard.cards.models import CertificateAuthority


class CardsConfig(AppConfig):
    name = "sscard.cards"
    label = "cards"
    verbose_name = _("Cards")

    def ready(self) -> None:
        # Registers a callable only; the database is asked on first use, not here. The CAs'
        # private keys are wrapped under the field key's versions: rotation re-wraps them.
        from sscard.cards.models import CertificateAuthority
        from sscard.core.keys import register_wrapped_secrets

        register_wrapped_secrets(
            CertificateAuthority,
            "key_wrapped",
            _authority_key_labels,
            fields=("kind", "certificate"),
        )


def _authority_key_labels(rows: Sequence["CertificateAuthority"]) -> list[str]:
    from sscard.cards.services.authority import _label, _serial_of

    return [_label(row.kind, _serial_of(row)) for row in rows]

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
        _register_person_statuses()
        # Mass actions go through the approval framework; a starting server resumes their
        # chunks where a stopped or killed one left them.
        from sscard.cards.services.mass import mass_action_jobs_resume, mass_action_register
        from sscard.core import background

        mass_action_register()
        background.on_startup(mass_action_jobs_resume)
        _register_departure_reversal()
        # A corrected name or ID number flags the person's cards for reissue (issue 15).
        from sscard.cards.services.reissue import cards_flag_for_reissue_in_transaction
        from sscard.registry.corrected import register_person_corrected

        register_person_corrected("cards", cards_flag_for_reissue_in_transaction)


def _register_person_statuses() -> None:
    """Lend a person list (registry) its filters by where the person's current card stands."""
    from django.db.models import Q

    from sscard.cards.choices import CardBlock, CardStage, SocialSecurityFunction
    from sscard.cards.selectors import (
        CARD_STAGES_BEING_MADE,
        persons_whose_card,
        persons_without_card,
    )
    from sscard.registry.statuses import register_person_status

    register_person_status("no_card", _("No card"), persons_without_card, order=10)
    statuses = (
        ("card_being_made", _("Card being made"), Q(stage__in=CARD_STAGES_BEING_MADE)),
        ("card_at_outlet", _("Card waiting at the outlet"), Q(stage=CardStage.AT_OUTLET)),
        (
            "card_not_enabled",
            _("Card handed over, not enabled"),
            Q(stage=CardStage.HANDED_OVER, ss_function=SocialSecurityFunction.NOT_ENABLED),
        ),
        ("card_enabled", _("Card enabled"), Q(ss_function=SocialSecurityFunction.ENABLED)),
        ("card_blocked", _("Card reported lost"), ~Q(block=CardBlock.NONE)),
    )
    for order, (key, label, condition) in enumerate(statuses, start=3):
        register_person_status(key, label, persons_whose_card(condition), order=order * 10)


def _authority_key_labels(rows: Sequence["CertificateAuthority"]) -> list[str]:
    from sscard.cards.services.authority import _label, _serial_of

    return [_label(row.kind, _serial_of(row)) for row in rows]


def _register_departure_reversal() -> None:
    """A recorded death or departure is undone only with a second officer's approval."""
    from sscard.cards.services.departure import DEPARTURE_REVERSAL
    from sscard.core.approvals import approval_kind_register

    approval_kind_register(DEPARTURE_REVERSAL)

"""Writes of the cards, one module per flow: ordering cards (``order``), their functions
(``life``), loss reports (``loss``), replacement (``replacement``), the service password's
reset at a counter (``password``), card authentication (``challenge``), the certificate
authorities (``authority``) and the block facet the loss flows share (``block``, a helper
inside their transaction, not a service).

Each service runs in one transaction: it locks what it changes (a person's cards in primary-key
order, so two clerks serving one person queue instead of deadlocking), checks the transition
against the facets and the pack (the predicates of ``cards.rules``, which the pages ask too),
writes, and appends its audit event. Reads are in ``cards.selectors``.
"""

from sscard.cards.services.authority import Issuer, authority_ensure
from sscard.cards.services.challenge import (
    ChallengeOutcome,
    IssuedChallenge,
    card_challenge_answer,
    card_challenge_issue,
)
from sscard.cards.services.life import card_activate_financial, card_close_financial, card_enable
from sscard.cards.services.loss import card_loss_withdraw, card_report_loss
from sscard.cards.services.order import (
    CardOrder,
    card_issue_for_application,
    cards_advance,
    cards_create,
    cards_order,
    cards_remake,
)
from sscard.cards.services.password import PasswordResetDone, card_password_reset_record
from sscard.cards.services.replacement import card_replacement_apply

__all__ = [
    "CardOrder",
    "ChallengeOutcome",
    "IssuedChallenge",
    "Issuer",
    "PasswordResetDone",
    "authority_ensure",
    "card_activate_financial",
    "card_challenge_answer",
    "card_challenge_issue",
    "card_close_financial",
    "card_enable",
    "card_issue_for_application",
    "card_loss_withdraw",
    "card_password_reset_record",
    "card_replacement_apply",
    "card_report_loss",
    "cards_advance",
    "cards_create",
    "cards_order",
    "cards_remake",
]

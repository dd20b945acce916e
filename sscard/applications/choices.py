"""Choice classes of the applications."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PhotoOrigin(models.TextChoices):
    """Where a card photo came from (SH-11: the three sources a notice allows)."""

    ID_CARD_SHARED = "id_card_shared", _("Shared from the 2nd-generation ID card")
    STUDENT_CARD = "student_card", _("Shared from the electronic student card")
    CAPTURED = "captured", _("Taken or uploaded at a community centre")


SHARED_ORIGINS = frozenset({PhotoOrigin.ID_CARD_SHARED, PhotoOrigin.STUDENT_CARD})

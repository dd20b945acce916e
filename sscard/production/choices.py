"""Choice classes of card production."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BatchKind(models.TextChoices):
    """A batch of applications (SH-10), or the remakes of a factory's defective cards."""

    REGULAR = "regular", _("Applications")
    REMAKE = "remake", _("Remakes of defective cards")


class BatchStatus(models.TextChoices):
    """Where a batch stands, from its forming to the factory's result."""

    FORMED = "formed", _("Formed")
    PERSONALISING = "personalising", _("Personalising")
    PERSONALISED = "personalised", _("Personalised")
    EXPORTED = "exported", _("Sent to the card factory")
    COMPLETED = "completed", _("Factory result received")


class FactoryOutcome(models.TextChoices):
    """What the card factory reports for one card."""

    MADE = "made", _("Made")
    DEFECTIVE = "defective", _("Defective")

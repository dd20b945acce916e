"""Choice classes of the applications."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sscard.network.choices import OutletKind


class PhotoOrigin(models.TextChoices):
    """Where a card photo came from (SH-11: the three sources a notice allows)."""

    ID_CARD_SHARED = "id_card_shared", _("Shared from the 2nd-generation ID card")
    STUDENT_CARD = "student_card", _("Shared from the electronic student card")
    CAPTURED = "captured", _("Taken or uploaded at a community centre")


SHARED_ORIGINS = frozenset({PhotoOrigin.ID_CARD_SHARED, PhotoOrigin.STUDENT_CARD})


# A pack names its photo sources (``photo_sources[].id``); each is one origin of a stored photo.
PACK_PHOTO_ORIGINS: dict[str, PhotoOrigin] = {
    "id_card": PhotoOrigin.ID_CARD_SHARED,
    "student_card": PhotoOrigin.STUDENT_CARD,
    "captured_on_site": PhotoOrigin.CAPTURED,
}


class ApplicationStatus(models.TextChoices):
    """Where an application stands; ``submitted`` is open until the card is ordered or it ends."""

    SUBMITTED = "submitted", _("Submitted")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Completed")


# Statuses in which an application is open: a person has at most one (the database holds it).
OPEN_STATUSES = (ApplicationStatus.SUBMITTED,)


class CollectiveStep(models.TextChoices):
    """The four steps of the online collective application, in the order BJ-06 gives them."""

    OPENED = "opened", _("Opened")
    ARRANGED = "arranged", _("Pickup method and outlet chosen")
    NOTIFIED = "notified", _("Staff notified")
    SUBMITTED = "submitted", _("Submitted")


STEP_ORDER = {step: n for n, step in enumerate(CollectiveStep.values, start=1)}


class RosterStatus(models.TextChoices):
    """One staff member on a collective roster: listed, invited to confirm, or confirmed."""

    LISTED = "listed", _("Listed")
    INVITED = "invited", _("Invited, not confirmed")
    CONFIRMED = "confirmed", _("Confirmed")


# Which engine channels each kind of outlet takes applications on. The pack decides whether a
# channel is open to a person; this is only where the clerk stands.
OUTLET_CHANNELS: dict[str, tuple[str, ...]] = {
    OutletKind.BANK_BRANCH: ("bank_outlet", "instant_outlet"),
    OutletKind.COMMUNITY_CENTRE: ("community_centre", "instant_outlet"),
    OutletKind.ENTERPRISE_POINT: ("enterprise_point",),
    OutletKind.COMMUNITY_STALL: ("community_stall",),
    OutletKind.HOME_VISIT_TEAM: ("home_visit",),
}

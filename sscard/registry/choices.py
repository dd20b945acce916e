"""Choice classes of the registry."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonCategory(models.TextChoices):
    IN_SERVICE_STAFF = "in_service_staff", _("In-service staff")
    FLEXIBLE_WORKER = "flexible_worker", _("Flexible worker")
    RETIREE = "retiree", _("Retiree")
    PUPIL = "pupil", _("Pupil")
    PRESCHOOL_CHILD = "preschool_child", _("Pre-school child")
    OTHER = "other", _("Other")


class IdKind(models.TextChoices):
    RESIDENT = "resident", _("Resident identity card")
    HMT_PERMIT = "hmt_residence_permit", _("HK/Macau/Taiwan residence permit")
    FOREIGN_PERMANENT = "foreign_permanent", _("Foreign permanent residence ID")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class SchoolKind(models.TextChoices):
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    PRIMARY = "primary", _("Primary school")
    JUNIOR_SECONDARY = "junior_secondary", _("Junior secondary school")
    SENIOR_SECONDARY = "senior_secondary", _("Senior secondary school")


class DivisionLevel(models.TextChoices):
    PROVINCE = "province", _("Province-level")
    DISTRICT = "district", _("District")

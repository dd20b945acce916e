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


class DisclosedField(models.TextChoices):
    """A part of a person's record that a lookup showed to someone else (for the access log)."""

    ID_NUMBER = "id_number", _("ID number")
    NAME = "name", _("Full name")
    PHONE = "phone", _("Phone")
    SEX = "sex", _("Sex")
    BIRTH_DATE = "birth_date", _("Birth date")
    CATEGORY = "category", _("Category")
    HUKOU_REGION = "hukou_region", _("Household registration region")
    INSURED_REGION = "insured_region", _("Insured region")
    EMPLOYER = "employer", _("Employer")
    SCHOOL = "school", _("School")
    PENSION_BANK = "pension_bank", _("Pension bank")
    CARDS = "cards", _("Cards")
    ELIGIBILITY = "eligibility", _("Card eligibility")


class DisclosurePurpose(models.TextChoices):
    """The service a person's record was looked up for (查询用途)."""

    COUNTER_LOOKUP = "counter_lookup", _("Counter lookup")
    CARD_COUNTER = "card_counter", _("Cards at the counter")
    COUNTER_APPLICATION = "counter_application", _("Application at the counter")


class DepartureKind(models.TextChoices):
    """Why a person leaves the city's programme (死亡、出国（境）定居、转出本市)."""

    DEATH = "death", _("Death")
    EMIGRATION = "emigration", _("Emigration")
    TRANSFER_OUT = "transfer_out", _("Transfer to another city's programme")


class DepartureSource(models.TextChoices):
    """Where a departure was recorded from: an officer's page, the civil-affairs file, the API."""

    COUNTER = "counter", _("Recorded by an officer")
    CIVIL_AFFAIRS_FILE = "civil_affairs_file", _("Civil-affairs file")
    API = "api", _("API")

"""Card photos; applications themselves follow."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sscard.applications.choices import PhotoOrigin
from sscard.registry.models import Person


class Photo(models.Model):
    """A photo for a card (制卡照片), stored outside the database under its SM3 digest.

    The file is the re-encoded JPEG (metadata stripped) at
    ``SSCARD_PHOTOS_DIR/<ab>/<cd>/<digest>.jpg``; ``digest`` is the SM3 of exactly those bytes,
    so the file can be checked against its row at any time.
    """

    digest = models.CharField(_("SM3 digest"), max_length=64, unique=True)
    source = models.CharField(_("source"), max_length=24, choices=PhotoOrigin.choices)
    content_type = models.CharField(_("content type"), max_length=32)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    bytes = models.PositiveIntegerField(_("size in bytes"))
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="photos", verbose_name=_("person")
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("card photo")
        verbose_name_plural = _("card photos")

    def __str__(self) -> str:
        return f"{self.digest[:12]}… {self.width}×{self.height} ({self.source})"

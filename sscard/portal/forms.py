"""Forms of the portal: bulk-import upload, API token."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sscard.core.models import ImportJob


def _importable_kinds() -> list[tuple[str, object]]:
    """The kinds of file the portal has an import for (a kind recorded on jobs but imported
    elsewhere, or not yet, is not offered)."""
    from sscard.portal.services import IMPORT_SPECS

    return [(kind, label) for kind, label in ImportJob.Kind.choices if kind in IMPORT_SPECS]


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=_importable_kinds)
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8 or GB18030) or XLSX, with the header row of its kind."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_('Say which system uses it, e.g. "outpatient HIS".'),
    )

"""Forms of the portal: bulk-import upload, API token."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sscard.core.models import ImportJob


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportJob.Kind.choices)
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

"""Forms of the production pages."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

# chosen: a result file lists one short line per card; 100,000 cards fit in a few MB.
MAX_RESULT_BYTES = 64 * 1024 * 1024


class ResultUploadForm(forms.Form):
    """The card factory's result file (CSV: card_number, card_id_code, outcome, defect_reason)."""

    file = forms.FileField(
        label=_("Result file from the card factory"),
        help_text=_("CSV with the columns card_number, card_id_code, outcome, defect_reason."),
    )

    def clean_file(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        if (upload.size or 0) > MAX_RESULT_BYTES:
            raise forms.ValidationError(_("The file is too large."))
        return upload

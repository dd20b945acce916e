"""Forms of the bureau's pages: the official calendar's year schedule upload."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CalendarUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Year schedule file"),
        help_text=_(
            "YAML or JSON with year, source, holidays and working_weekends, as the State "
            "Council published them (see docs/calendar/)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".yaml,.yml,.json"}),
    )

"""Forms of the outbox page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sscard.notifications.choices import OutboxStatus


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *OutboxStatus.choices]
    )

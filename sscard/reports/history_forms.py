"""The audit page's filter. Its names are the API's (``person``, ``card_number``, ``actor``,
``action``, ``date_from``, ``date_to``), so the page's query string is the export's filter.

A person is carried by their record id: the full ID number is posted in a form of its own
(``registry.forms.PersonIdSearchForm``), found through its keyed index, and never put in a
URL, stored or written back into the page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sscard.core.audit_labels import ACTION_LABELS
from sscard.reports.history import ACTOR_LABEL_MAX, AuditQuery


def _action_choices() -> list[tuple[str, str]]:
    """Every action by its words, in the page's language, sorted by them."""
    named = sorted(
        ((code, str(label)) for code, label in ACTION_LABELS.items()), key=lambda c: c[1]
    )
    return [("", str(_("Any action"))), *named]


class AuditFilterForm(forms.Form):
    person = forms.IntegerField(label=_("Person's record"), required=False, min_value=1)
    card_number = forms.CharField(
        label=_("Card number"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    actor = forms.CharField(
        label=_("Actor (user name)"), required=False, max_length=ACTOR_LABEL_MAX
    )
    action = forms.ChoiceField(label=_("Action"), required=False)
    date_from = forms.DateField(
        label=_("First day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("Last day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)
        action.choices = _action_choices()  # in the language of the request, sorted by it
        self.fields["person"].widget = forms.HiddenInput()

    def query(self) -> AuditQuery:
        """The search the valid fields ask for (call after ``is_valid``)."""
        data = getattr(self, "cleaned_data", {})
        return AuditQuery(
            person_id=data.get("person"),
            card_number=data.get("card_number") or "",
            actor_label=data.get("actor") or "",
            action=data.get("action") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )

"""The expiring cards page's filter. Its names are the API's (``expired``, ``district``,
``told``, ``renewal_open``, ``within_days``), so the page's query string is the export's."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sscard.cards.expiry import ExpiryQuery

_YES_NO = [("", _("Either")), ("true", _("Yes")), ("false", _("No"))]


def _yes_no(value: str) -> bool | None:
    return {"true": True, "false": False}.get(value)


class ExpiryFilterForm(forms.Form):
    expired = forms.ChoiceField(
        label=_("Cards"),
        required=False,
        choices=[("", _("Running out within the notice period")), ("true", _("Run out"))],
    )
    district = forms.ChoiceField(label=_("District"), required=False)
    told = forms.TypedChoiceField(
        label=_("Holder told"), required=False, choices=_YES_NO, coerce=_yes_no, empty_value=None
    )
    renewal_open = forms.TypedChoiceField(
        label=_("Renewal applied for"),
        required=False,
        choices=_YES_NO,
        coerce=_yes_no,
        empty_value=None,
    )
    within_days = forms.IntegerField(
        label=_("Within days"), required=False, min_value=0, max_value=366
    )

    def __init__(self, *args: Any, districts: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        district = self.fields["district"]
        assert isinstance(district, forms.ChoiceField)
        district.choices = [("", _("Every district")), *districts]

    def query(self) -> ExpiryQuery:
        """The list the valid fields ask for (call after ``is_valid``)."""
        data = getattr(self, "cleaned_data", {})
        return ExpiryQuery(
            expired=data.get("expired") == "true",
            district=data.get("district") or "",
            told=data.get("told"),
            renewal_open=data.get("renewal_open"),
            within_days=data.get("within_days"),
        )

"""The forms of deaths and departures: recording one, proposing its reversal, the list's
filter. Field names are the API's, so a page and its API twin take the same input."""

from __future__ import annotations

import functools

from django import forms
from django.utils.translation import gettext_lazy as _

from sscard.core.names import Kind, names_of
from sscard.kernel import regions
from sscard.registry.choices import DepartureKind


class DepartureForm(forms.Form):
    kind = forms.ChoiceField(label=_("What happened"), choices=DepartureKind.choices)
    on = forms.DateField(label=_("Effective date"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(
        label=_("Certificate or file reference"),
        max_length=64,
        help_text=_("The death certificate's number, or the civil-affairs notice's reference."),
    )
    destination_city = forms.ChoiceField(
        label=_("Destination city"),
        choices=lambda: _city_choices(),
        required=False,
        help_text=_("Only for a transfer to another city's programme."),
    )


@functools.cache
def _city_codes() -> tuple[str, ...]:
    """Every city of the national division table, in code order: a municipality, a
    prefecture-level city, or a county-level city under its province (the table is fixed data,
    so this is worked out once per process)."""
    cities = {regions.city_of(code) for code in regions.known_codes() if code[4:] != "00"}
    return tuple(sorted(cities - {""}))


def _city_choices() -> list[tuple[str, str]]:
    """Every city by its name in the page's language, never by its code."""
    codes = _city_codes()
    named = names_of(Kind.REGION, codes)
    return [("", str(_("Not a transfer"))), *((code, named.get(code, code)) for code in codes)]


class DepartureReversalForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the record is wrong"), max_length=500, widget=forms.Textarea({"rows": 3})
    )
    evidence = forms.CharField(label=_("Evidence"), max_length=500, required=False)


class DepartureFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any")), *DepartureKind.choices]
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    standing = forms.TypedChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("Any")), ("true", _("In force")), ("false", _("Reversed"))],
        coerce=lambda v: v == "true",
        empty_value=None,
    )

"""Forms of the network pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sscard.network.choices import OutletKind
from sscard.registry.forms import district_choices
from sscard.registry.selectors import division_current_districts


class OutletFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *OutletKind.choices]
    )
    district = forms.ChoiceField(label=_("District"), required=False)

    def __init__(self, *args: object, english: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["district"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = district_choices(division_current_districts(), english=english)

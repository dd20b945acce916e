"""Forms of the network pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sscard.network.choices import OutletKind
from sscard.network.models import Bank
from sscard.registry.forms import district_choices
from sscard.registry.selectors import division_current_districts


class OutletFilterForm(forms.Form):
    """Filter the outlets by kind, bank and district (in the query string)."""

    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *OutletKind.choices]
    )
    bank = forms.ChoiceField(label=_("Bank"), required=False)
    district = forms.ChoiceField(label=_("District"), required=False)

    def __init__(self, *args: object, english: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["district"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = district_choices(division_current_districts(), english=english)
        bank = self.fields["bank"]
        assert isinstance(bank, forms.ChoiceField)
        banks = Bank.objects.order_by("code").only("code", "name_zh", "name_en")
        bank.choices = [
            ("", _("All banks")),
            *((b.code, b.name_en if english else b.name_zh) for b in banks),
        ]

    def filters(self) -> dict[str, str]:
        """The valid filters, as ``outlet_list`` takes them (a refused one is left out)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: value for name, value in data.items() if value}

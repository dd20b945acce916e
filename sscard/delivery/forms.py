"""Forms of the counter: the holder's ID number, and a replacement's reason and way."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sscard.core.forms import choices_say_not_offered
from sscard.policy import Pack

REASONS = (("lost", _("Lost")), ("damaged", _("Damaged")))

# Which field of the replacement form a service's refusal concerns (``core.views.form_refusal``);
# a code not listed concerns the card, and the row's alert alone says it.
REPLACEMENT_REFUSALS = {
    "replacement_reason_invalid": "reason",
    "instant_other_bank": "mode",
    "outlet_not_instant": "mode",
    "pickup_required": "pickup",
    "pickup_not_offered": "pickup",
}


class ServeForm(forms.Form):
    """The ID number read off the holder's ID card."""

    id_number = forms.CharField(
        label=_("ID number on the holder's ID card"),
        max_length=18,
        min_length=15,
        widget=forms.TextInput(
            attrs={"class": "id-number", "autocomplete": "off", "spellcheck": "false"}
        ),
    )

    def clean_id_number(self) -> str:
        return str(self.cleaned_data["id_number"]).strip().upper()


class ReplacementForm(forms.Form):
    """A replacement at the counter: regular (made later) or instant (made while they wait)."""

    reason = forms.ChoiceField(label=_("Reason"), choices=REASONS)
    mode = forms.ChoiceField(
        label=_("How"),
        choices=(("regular", _("Regular (made later)")), ("instant", _("Instant (made now)"))),
        initial="regular",
    )
    pickup = forms.ChoiceField(label=_("Pickup"), required=False)

    def __init__(
        self, *args: Any, pack: Pack | None, english: bool, instant: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        methods = pack.pickup_methods.values() if pack is not None else ()
        self.fields["pickup"].choices = [  # type: ignore[attr-defined]
            ("", _("As the policy decides")),
            *(
                (m.id, m.title_en if english else m.title_zh)
                for m in methods
                if m.handover == "outlet"
            ),
        ]
        if not instant:
            self.fields["mode"].choices = [("regular", _("Regular (made later)"))]  # type: ignore[attr-defined]
        choices_say_not_offered(self)

"""Forms of the registry pages: filters and the counter lookup."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sscard.core.actors import Actor
from sscard.registry.choices import PersonCategory
from sscard.registry.models import Division
from sscard.registry.selectors import division_districts


def district_choices(
    districts: QuerySet[Division], *, english: bool
) -> list[tuple[str, str | Promise]]:
    """A district select's choices, "all" first, names in the page's language."""
    rows = districts.only("code", "name_zh", "name_en")
    return [
        ("", _("All districts")),
        *((d.code, d.name_en if english else d.name_zh) for d in rows),
    ]


class PersonFilterForm(forms.Form):
    """Filter a person list by category and district (the districts the actor may see)."""

    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories")), *PersonCategory.choices],
    )
    district = forms.ChoiceField(label=_("District"), required=False)

    def __init__(
        self, *args: object, actor: Actor, english: bool = False, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["district"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = district_choices(division_districts(actor=actor), english=english)


class CounterLookupForm(forms.Form):
    """The ID number read from the applicant's card, posted (never put in a URL)."""

    id_number = forms.CharField(
        label=_("ID number"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autofocus": True}
        ),
        help_text=_("18 characters, the last may be X; a 15-digit old number is accepted."),
    )

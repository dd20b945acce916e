"""Forms of the registry pages: filters and the counter lookup."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sscard.core.actors import Actor, Role
from sscard.registry.choices import PersonCategory
from sscard.registry.models import Division
from sscard.registry.selectors import PHONE_TAIL_DIGITS, SEARCH_NAME_MAX, division_districts
from sscard.registry.statuses import person_statuses


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
    """Search a person list: by name, the phone's last four digits, employer, category,
    district (those the actor may see) and card or application status.

    It travels in the query string (pagination and export links carry it); the full ID number
    never does, it is posted (:class:`PersonIdSearchForm`). An HR officer's list is one
    employer's: no employer field.
    """

    name = forms.CharField(
        label=_("Full name"),
        required=False,
        max_length=SEARCH_NAME_MAX,
        help_text=_("The whole name or its beginning."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    phone_tail = forms.RegexField(
        label=_("Phone, last 4 digits"),
        required=False,
        regex=PHONE_TAIL_DIGITS,
        max_length=4,
        error_messages={"invalid": _("Enter the last 4 digits of the mobile phone number.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "size": 4, "pattern": r"\d{4}"}
        ),
    )
    employer = forms.CharField(
        label=_("Employer"),
        required=False,
        max_length=200,
        help_text=_("A part of its name, or its unified social credit code."),
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories")), *PersonCategory.choices],
    )
    district = forms.ChoiceField(label=_("District"), required=False)
    status = forms.ChoiceField(label=_("Card or application"), required=False)

    def __init__(
        self, *args: object, actor: Actor, english: bool = False, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["district"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = district_choices(division_districts(actor=actor), english=english)
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [("", _("Any status")), *((s.key, s.label) for s in person_statuses())]
        if actor.role is Role.EMPLOYER_HR:
            del self.fields["employer"]

    def filters(self) -> dict[str, str]:
        """The valid filters, as ``person_list`` takes them (a refused one is left out)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: value for name, value in data.items() if value}


class PersonIdSearchForm(forms.Form):
    """Find one person of a list by the full ID number, posted (never put in a URL)."""

    id_number = forms.CharField(
        label=_("ID number"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("The full number: 18 characters, the last may be X."),
    )


class EmployerFilterForm(forms.Form):
    """Search the employers list by a part of the name or the whole credit code."""

    name = forms.CharField(label=_("Name"), required=False, max_length=200)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        required=False,
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    district = forms.ChoiceField(label=_("District"), required=False)

    def __init__(
        self, *args: object, actor: Actor, english: bool = False, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["district"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = district_choices(division_districts(actor=actor), english=english)
        if actor.role is Role.EMPLOYER_HR:
            del self.fields["district"]

    def filters(self) -> dict[str, str]:
        """The valid filters, as ``employer_list`` takes them."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: value for name, value in data.items() if value}


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

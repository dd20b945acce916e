"""Forms of the registry pages: filters and the counter lookup."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sscard.core.actors import Actor, Role
from sscard.registry.choices import PersonCategory, Sex
from sscard.registry.models import Division, Person
from sscard.registry.selectors import (
    PHONE_TAIL_DIGITS,
    SEARCH_NAME_MAX,
    division_city_districts,
    division_districts,
)
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


KEEP = _("Leave empty to keep: %(current)s")


class PersonCorrectionForm(forms.Form):
    """Correct one person: identity fields and the phone are typed only to change them (the
    officer reads them masked, so they are not prefilled), the others come prefilled. The
    reason is required and the evidence named; which changes apply now and which go to a
    second officer is the service's answer."""

    name = forms.CharField(label=_("Full name"), required=False, max_length=64)
    id_number = forms.CharField(
        label=_("ID number"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    birth_date = forms.CharField(
        label=_("Birth date"),
        required=False,
        max_length=10,
        help_text=_("YYYY-MM-DD; a new ID number brings its own."),
    )
    sex = forms.ChoiceField(label=_("Sex"), required=False, choices=Sex.choices)
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    address = forms.CharField(label=_("Address"), required=False, max_length=200)
    hukou_region = forms.CharField(
        label=_("Household registration region"),
        required=False,
        max_length=6,
        help_text=_("The 6-digit division code."),
    )
    insured_region = forms.ChoiceField(label=_("Insured region"), required=False)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=PersonCategory.choices
    )
    employer = forms.CharField(
        label=_("Employer"),
        required=False,
        max_length=18,
        help_text=_("Its unified social credit code; empty for none."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
    evidence = forms.CharField(
        label=_("Evidence"),
        max_length=500,
        required=False,
        help_text=_("The document the correction rests on (its kind and number)."),
    )

    # Typed only to change (blank keeps); the rest are prefilled and always sent.
    TYPED = ("name", "id_number", "birth_date", "phone", "address")

    def __init__(
        self,
        *args: object,
        actor: Actor,
        person: Person,
        english: bool = False,
        **kwargs: object,
    ) -> None:
        kwargs.setdefault(
            "initial",
            {
                "sex": person.sex,
                "hukou_region": person.hukou_region,
                "insured_region": person.insured_region,
                "category": person.category,
                "employer": person.employer.credit_code if person.employer else "",
            },
        )
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["insured_region"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", "—"),
            *(
                (d.code, d.name_en if english else d.name_zh)
                for d in division_city_districts(actor=actor).only("code", "name_zh", "name_en")
            ),
        ]
        current = {
            "name": person.masked_name,
            "id_number": person.masked_id_number,
            "birth_date": "****-**-**",
            "phone": person.masked_phone or "—",
            "address": "…" if person.address else "—",
        }
        for name, shown in current.items():
            self.fields[name].widget.attrs["placeholder"] = shown
            self.fields[name].help_text = self.fields[name].help_text or KEEP % {"current": shown}

    def changes(self) -> dict[str, str]:
        """What the officer asks to change, as ``person_correct`` takes it."""
        data = self.cleaned_data
        out = {name: data[name] for name in self.TYPED if data.get(name)}
        for name in ("sex", "hukou_region", "insured_region", "category", "employer"):
            # Only what the officer changed: a prefilled sex sent back unchanged would hold
            # against the sex a new ID number brings.
            if (data.get(name) or "") != (self.initial.get(name) or ""):
                out[name] = data.get(name) or ""
        return out


class PersonUpdatesForm(forms.Form):
    """An update file of persons: checked and previewed first, nothing written until
    confirmed."""

    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8 or GB18030) or XLSX keyed by id_number, with the persons import's "
            "columns; new_id_number, birth_date and sex may be added. An empty cell keeps "
            "the stored value."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

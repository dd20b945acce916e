"""Forms of the campaigns pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sscard.policy import builtin_pack_ids


class PutInForceForm(forms.Form):
    """Choose a pack shipped with sscard, or upload one (YAML)."""

    pack_id = forms.ChoiceField(label=_("Pack shipped with sscard"), required=False)
    pack_file = forms.FileField(label=_("Or upload a pack (YAML)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["pack_id"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *((p, p) for p in builtin_pack_ids())]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("pack_id") and not data.get("pack_file"):
            raise forms.ValidationError(_("Choose a pack or upload one."))
        return data


class DayForm(forms.Form):
    on = forms.DateField(
        label=_("On"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class SchoolFilterForm(forms.Form):
    """Narrow the schools page to one district."""

    district = forms.ChoiceField(label=_("District"), required=False)

    def __init__(self, *args: Any, districts: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["district"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All districts")), *districts]


class SchoolNoticeForm(forms.Form):
    """Record a notice: one school (``school_code``) or a whole district (``district_code``)."""

    school_code = forms.CharField(required=False, max_length=10)
    district_code = forms.CharField(required=False, max_length=6)
    notified_on = forms.DateField(
        label=_("Notice date"), widget=forms.DateInput(attrs={"type": "date"})
    )


class OutreachForm(forms.Form):
    """Whom a round of reminders selects: a group, a district, an employer, an age range."""

    group = forms.ChoiceField(label=_("Group"), required=False)
    district_code = forms.ChoiceField(label=_("District"), required=False)
    employer_q = forms.CharField(label=_("Employer"), required=False, max_length=200)
    employer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    age_min = forms.IntegerField(label=_("Aged from"), required=False, min_value=0, max_value=150)
    age_max = forms.IntegerField(label=_("Aged up to"), required=False, min_value=0, max_value=150)

    def __init__(
        self,
        *args: Any,
        groups: list[tuple[str, str]],
        districts: list[tuple[str, str]],
        all_districts: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        group = self.fields["group"]
        assert isinstance(group, forms.ChoiceField)
        group.choices = [("", _("Every group")), *groups]
        district = self.fields["district_code"]
        assert isinstance(district, forms.ChoiceField)
        district.choices = [("", _("All districts")), *districts] if all_districts else districts

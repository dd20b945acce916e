"""Forms of the booked-slot pages. They check the shape of what is typed; the services decide."""

from __future__ import annotations

from datetime import time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sscard.network.booking_selectors import LOAD_WEEKS_MAX
from sscard.network.booking_services import WeeklySlot
from sscard.network.choices import BookingPurpose

WEEKDAYS = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)
DATE = forms.DateInput(attrs={"type": "date"})
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class BookForm(forms.Form):
    """Whom (a holder: themself or a child; a clerk: the ID number), what for, which slot."""

    person = forms.TypedChoiceField(label=_("For"), coerce=int, required=False)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("18 characters, the last may be X; a 15-digit old number is accepted."),
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=BookingPurpose.choices)
    slot = forms.IntegerField(label=_("Time slot"), widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, persons: list[tuple[int, str]], clerk: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if clerk:
            del self.fields["person"]
            self.fields["id_number"].required = True
        else:
            del self.fields["id_number"]
            field = self.fields["person"]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = persons
            field.required = True


class MoveForm(forms.Form):
    slot = forms.IntegerField(label=_("Time slot"))


class SlotsFilterForm(forms.Form):
    """Which outlet's slots to show, from which day (in the query string)."""

    outlet = forms.TypedChoiceField(label=_("Outlet"), coerce=int, required=False)
    start = forms.DateField(label=_("From"), required=False, widget=DATE)

    def __init__(self, *args: Any, outlets: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["outlet"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Choose an outlet")), *outlets]


def _spans(text: str) -> list[tuple[time, time]]:
    spans = []
    for line in text.replace("，", ",").replace(",", "\n").splitlines():
        line = line.strip().replace("–", "-").replace("—", "-")
        if not line:
            continue
        parts = [p.strip() for p in line.split("-")]
        try:
            start, end = (time.fromisoformat(p) for p in parts)
        except ValueError:
            raise ValidationError(
                _("Write each time slot as 09:00-10:00, one a line."), code="slot_time_invalid"
            ) from None
        spans.append((start, end))
    return spans


class PublishForm(forms.Form):
    """A weekly template: the day's time slots, and the places of each slot on each weekday."""

    date_from = forms.DateField(label=_("From"), widget=DATE)
    date_to = forms.DateField(label=_("Until"), widget=DATE)
    spans = forms.CharField(
        label=_("Time slots"),
        widget=forms.Textarea(attrs={"rows": 4}),
        initial="09:00-10:00\n10:00-11:00\n14:00-15:00\n15:00-16:00",
        help_text=_("One a line, as 09:00-10:00."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for number, name in enumerate(WEEKDAYS):
            self.fields[f"day{number}"] = forms.IntegerField(
                label=name,
                min_value=0,
                max_value=500,
                initial=0 if number >= 5 else 5,
                help_text=_("Places in each slot; 0: closed."),
            )

    def clean_spans(self) -> list[tuple[time, time]]:
        return _spans(self.cleaned_data["spans"])

    def weekday_fields(self) -> list[forms.BoundField]:
        return [self[f"day{n}"] for n in range(7)]

    def template(self) -> list[WeeklySlot]:
        """The weekly template the service applies (weekday × slot → capacity)."""
        data = self.cleaned_data
        return [
            WeeklySlot(weekday, start, end, data[f"day{weekday}"])
            for weekday in range(7)
            for start, end in data["spans"]
        ]


class SlotSetForm(forms.Form):
    """One slot of one day: open, change or close it (0)."""

    day = forms.DateField(label=_("Day"), widget=DATE)
    start = forms.TimeField(label=_("From"), widget=TIME)
    end = forms.TimeField(label=_("Until"), widget=TIME)
    capacity = forms.IntegerField(label=_("Places"), min_value=0, max_value=500)


class LoadFilterForm(forms.Form):
    """The load page's choice: from which day, how many weeks, which district."""

    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    weeks = forms.IntegerField(
        label=_("Weeks"), min_value=1, max_value=LOAD_WEEKS_MAX, required=False, initial=2
    )
    district = forms.ChoiceField(label=_("District"), required=False)

    def __init__(self, *args: Any, districts: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["district"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = districts

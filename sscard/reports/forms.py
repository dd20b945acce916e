"""Forms of the bureau's pages: the official calendar's year schedule upload, and the filters of
the statistics and funnel pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class CalendarUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Year schedule file"),
        help_text=_(
            "YAML or JSON with year, source, holidays and working_weekends, as the State "
            "Council published them (see docs/calendar/)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".yaml,.yml,.json"}),
    )


# The statistics pages' filters are read by the exports they link to (the links carry the
# page's query string), so their names are the API's: day, district, group, starts, ends, step.
SERIES_MAX_DAYS = 366
SERIES_MAX_WEEKS = 106


class FunnelFilterForm(forms.Form):
    """The day the figures stand on, and the part of the campaign asked about. The district
    and group are offered among what the actor may see; the selectors still decide (a code
    typed into the address is refused there, with its code)."""

    day = forms.DateField(
        label=_("As on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    district = forms.CharField(label=_("District"), required=False, max_length=6)
    group = forms.CharField(label=_("Group"), required=False, max_length=64)
    # Chosen with the employer picker (a part of the name or the credit code; the template
    # draws it), carried as the API's id.
    employer = forms.IntegerField(
        label=_("Employer"), required=False, min_value=1, widget=forms.HiddenInput
    )

    def __init__(
        self,
        *args: Any,
        districts: list[tuple[str, str]] | None,
        groups: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if districts is None:  # employer HR: their employer is the whole scope
            del self.fields["district"]
            del self.fields["employer"]
        else:
            self.fields["district"].widget = forms.Select(
                choices=[("", _("All districts")), *districts] if len(districts) != 1 else districts
            )
        self.fields["group"].widget = forms.Select(choices=[("", _("All groups")), *groups])


class StatisticsFilterForm(FunnelFilterForm):
    """The funnel's filters and the period of the daily or weekly series."""

    starts = forms.DateField(
        label=_("Series from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ends = forms.DateField(
        label=_("Series to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    step = forms.ChoiceField(
        label=_("Interval"),
        required=False,
        choices=[("day", _("Daily")), ("week", _("Weekly"))],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts"), data.get("ends")
        if starts and ends:
            if starts > ends:
                self.add_error("starts", _("The series must start before it ends."))
            elif data.get("step") == "week":
                if (ends - starts).days >= 7 * SERIES_MAX_WEEKS:
                    self.add_error(
                        "starts",
                        _("A weekly series covers at most %(weeks)s weeks.")
                        % {"weeks": SERIES_MAX_WEEKS},
                    )
            elif (ends - starts).days >= SERIES_MAX_DAYS:
                self.add_error(
                    "starts",
                    _("A daily series covers at most %(days)s days; choose weekly for longer.")
                    % {"days": SERIES_MAX_DAYS},
                )
        return data

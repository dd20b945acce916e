"""Forms of the application pages. Their choices come from the policy pack in force."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sscard.network.choices import OutletKind
from sscard.network.models import Outlet
from sscard.policy import Pack
from sscard.policy.engine import ACTION_NAMES, CHANNEL_NAMES

INDIVIDUAL_ACTIONS = ("first", "migrate", "replace_lost", "replace_damaged")


def _named(names: dict[str, tuple[str, str]], ids: tuple[str, ...], english: bool) -> list[Any]:
    return [(i, names[i][1 if english else 0]) for i in ids]


def bank_choices(pack: Pack, english: bool, *, blank: bool = True) -> list[Any]:
    rows = [(b.code, b.name_en if english else b.name_zh) for b in pack.banks]
    return [("", _("As the policy decides")), *rows] if blank else rows


def pickup_choices(pack: Pack, english: bool, *, blank: bool = False) -> list[Any]:
    rows = [(m.id, m.title_en if english else m.title_zh) for m in pack.pickup_methods.values()]
    return [("", _("As the policy decides")), *rows] if blank else rows


def photo_choices(pack: Pack, english: bool) -> list[Any]:
    return [(s.id, s.title_en if english else s.title_zh) for s in pack.photo_sources]


def centre_choices(centres: Iterable[Outlet]) -> list[Any]:
    """The backup centres offered (``selectors.backup_centres_near``), after "None"."""
    return [("", _("None")), *((c.pk, c.name) for c in centres)]


class ArrangeForm(forms.Form):
    """Step 2: pickup method, account bank, bank outlet."""

    pickup = forms.ChoiceField(label=_("Pickup method"))
    bank = forms.ChoiceField(label=_("Account bank"), required=False)
    outlet = forms.TypedChoiceField(label=_("Bank outlet"), required=False, coerce=int)

    def __init__(self, *args: Any, pack: Pack, english: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pickup"].choices = pickup_choices(pack, english)  # type: ignore[attr-defined]
        self.fields["bank"].choices = bank_choices(pack, english)  # type: ignore[attr-defined]
        branches = (
            Outlet.objects.filter(kind=OutletKind.BANK_BRANCH, bank__code__in=pack.bank_codes)
            .select_related("bank")
            .order_by("bank__code", "name")[:500]
        )
        self.fields["outlet"].choices = [  # type: ignore[attr-defined]
            ("", _("None (by post)")),
            *((o.pk, f"{o.name}") for o in branches),
        ]


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Staff list (CSV or XLSX)"),
        help_text=_("Columns: id_number, name. Each row is checked against the registry."),
    )


class ConfirmForm(forms.Form):
    """A staff member confirms or corrects their card data (on a phone)."""

    phone = forms.CharField(label=_("Mobile phone"), max_length=11, min_length=11)
    mailing_address = forms.CharField(label=_("Mailing address"), max_length=200, required=False)
    photo_source = forms.ChoiceField(label=_("Photo source"))
    backup_centre = forms.TypedChoiceField(
        label=_("Backup community centre"), required=False, coerce=int, empty_value=None
    )

    def __init__(
        self, *args: Any, pack: Pack, english: bool, centres: Iterable[Outlet], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photo_source"].choices = photo_choices(pack, english)  # type: ignore[attr-defined]
        self.fields["backup_centre"].choices = centre_choices(centres)  # type: ignore[attr-defined]


class ApplyForm(forms.Form):
    """An individual application: at a counter (with the ID number) or online."""

    id_number = forms.CharField(label=_("ID number"), max_length=32, required=False)
    person = forms.TypedChoiceField(label=_("For"), required=False, coerce=int, empty_value=None)
    action = forms.ChoiceField(label=_("What"))
    channel = forms.ChoiceField(label=_("Channel"))
    bank = forms.ChoiceField(label=_("Account bank"), required=False)
    pickup = forms.ChoiceField(label=_("Pickup method"), required=False)
    photo_source = forms.ChoiceField(label=_("Photo source"))
    photo = forms.FileField(label=_("Captured photo (JPEG or PNG)"), required=False)
    mailing_address = forms.CharField(label=_("Mailing address"), max_length=200, required=False)
    backup_centre = forms.TypedChoiceField(
        label=_("Backup community centre"), required=False, coerce=int, empty_value=None
    )

    def __init__(
        self,
        *args: Any,
        pack: Pack,
        english: bool,
        channels: tuple[str, ...],
        centres: Iterable[Outlet],
        persons: list[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = _named(ACTION_NAMES, INDIVIDUAL_ACTIONS, english)  # type: ignore[attr-defined]
        self.fields["channel"].choices = _named(CHANNEL_NAMES, channels, english)  # type: ignore[attr-defined]
        self.fields["bank"].choices = bank_choices(pack, english)  # type: ignore[attr-defined]
        self.fields["pickup"].choices = pickup_choices(pack, english, blank=True)  # type: ignore[attr-defined]
        self.fields["photo_source"].choices = photo_choices(pack, english)  # type: ignore[attr-defined]
        self.fields["backup_centre"].choices = centre_choices(centres)  # type: ignore[attr-defined]
        if persons is None:
            del self.fields["person"]
        else:
            del self.fields["id_number"]
            self.fields["person"].choices = persons  # type: ignore[attr-defined]

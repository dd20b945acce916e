"""Forms of the application pages. Their choices come from the policy pack in force."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sscard.core.forms import choices_say_not_offered
from sscard.kernel import regions
from sscard.network.choices import OutletKind
from sscard.network.models import Outlet
from sscard.network.selectors import outlet_pick
from sscard.policy import Pack
from sscard.policy.engine import ACTION_NAMES, CHANNEL_NAMES
from sscard.registry.selectors import division_current_districts

INDIVIDUAL_ACTIONS = ("first", "migrate", "replace_lost", "replace_damaged")

# --------------------------------------------------------------------------------------------
# Which field a service's refusal concerns (``core.views.form_refusal``): code → field. A code
# not listed concerns the whole form, and the page's alert alone says it.
# --------------------------------------------------------------------------------------------

# The ID number's own refusals (``kernel.idnumber``), and the counter's lookup by it.
ID_NUMBER_REFUSALS = (
    "id_empty", "id_length", "id_format", "id_check_digit", "id_birth_date_invalid",
    "id_birth_date_future", "id_birth_date_too_old", "id_region_unknown", "id_number_required",
)  # fmt: skip
PHOTO_FILE_REFUSALS = (
    "photo_too_large", "photo_not_image", "photo_format_unsupported", "photo_too_small",
    "photo_dimensions", "photo_duplicate",
)  # fmt: skip
PHOTO_SOURCE_REFUSALS = (
    "photo_source_invalid", "photo_source_not_offered", "photo_source_unavailable",
)  # fmt: skip
POSTING_REFUSALS = {
    "mailing_address_required": "mailing_address",
    "backup_centre_invalid": "backup_centre",
    "backup_centre_required": "backup_centre",
}
BANK_AND_PICKUP_REFUSALS = {
    "bank_required": "bank",
    "bank_not_partner": "bank",
    "pickup_required": "pickup",
    "pickup_not_offered": "pickup",
}
APPLY_REFUSALS: dict[str, str] = {
    **dict.fromkeys(ID_NUMBER_REFUSALS, "id_number"),
    "channel_not_available": "channel",
    "outlet_not_instant": "channel",
    **BANK_AND_PICKUP_REFUSALS,
    **dict.fromkeys(PHOTO_SOURCE_REFUSALS, "photo_source"),
    **dict.fromkeys(PHOTO_FILE_REFUSALS, "photo"),
    # no usable photo from the source chosen: upload or take one
    "photo_required": "photo",
    "photo_not_usable": "photo",
    **POSTING_REFUSALS,
}
CONFIRM_REFUSALS: dict[str, str] = {
    "phone_invalid": "phone",
    **dict.fromkeys(PHOTO_SOURCE_REFUSALS, "photo_source"),
    "photo_required": "photo_source",
    "photo_not_usable": "photo_source",
    **POSTING_REFUSALS,
}
ARRANGE_REFUSALS: dict[str, str] = {
    **BANK_AND_PICKUP_REFUSALS,
    "outlet_required": "outlet",
    "outlet_other_bank": "outlet",
}


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
    """The backup centres offered, after "None"."""
    return [("", _("None")), *((c.pk, c.name) for c in centres)]


# --------------------------------------------------------------------------------------------
# Outlet pickers: a bank's branches, or the community centres, of one district at a time
# --------------------------------------------------------------------------------------------

PICK_BRANCH = "branch"
PICK_CENTRE = "centre"


def branch_choices(outlets: Iterable[Outlet]) -> list[Any]:
    """A pickup outlet's choices: "by post" first, then the branches offered."""
    return [("", _("None (by post)")), *((o.pk, o.name) for o in outlets)]


def pick_url(kind: str, **params: str) -> str:
    """The address htmx asks for a picker's options (``views.outlet_options``)."""
    query = urlencode({"for": kind, **{k: v for k, v in params.items() if v}})
    return f"{reverse('applications:outlet_options')}?{query}"


def _htmx_reload(target: str, url: str) -> dict[str, str]:
    """Widget attributes: changing this field reloads the options of the field ``target``."""
    return {"hx-get": url, "hx-target": f"#id_{target}", "hx-trigger": "change"}


def _choice(data: Any, name: str, prefix: str | None) -> str:
    key = f"{prefix}-{name}" if prefix else name
    value = data.get(key) if data is not None else None
    return str(value or "")


def city_district_choices(region: str, *, english: bool) -> list[tuple[str, str]]:
    """The current districts of ``region``'s city, by code, named in the page's language."""
    prefix = regions.city_prefix(regions.city_of(region))
    districts = division_current_districts()
    if prefix:
        districts = districts.filter(code__startswith=prefix)
    rows = districts.only("code", "name_zh", "name_en")
    return [(d.code, d.name_en if english else d.name_zh) for d in rows]


class CentrePicker(forms.Form):
    """A form offering a backup community centre (SH-13): a district (the holder's, or the
    outlet's, unless another is chosen) and the centres of that district only.

    Changing the district reloads the centres (htmx); without JavaScript the form is posted
    with ``refresh`` and shown again with the centres of the district chosen.
    """

    refreshers = frozenset({"centre_district"})
    """Fields whose change offers other choices ("Show the choices" without JavaScript)."""

    centre_district = forms.ChoiceField(label=_("District of the backup centre"), required=False)
    backup_centre = forms.TypedChoiceField(
        label=_("Backup community centre"), required=False, coerce=int, empty_value=None
    )

    def pick_centres(self, *, region: str, english: bool) -> None:
        """Offer the districts of ``region``'s city and the centres of the one chosen."""
        districts = city_district_choices(region, english=english)
        codes = {code for code, _name in districts}
        chosen = _choice(self.data if self.is_bound else self.initial, "centre_district", None)
        if chosen not in codes:
            chosen = self._initial_centre_district() or region
        field = self.fields["centre_district"]
        field.choices = districts  # type: ignore[attr-defined]
        field.initial = chosen
        field.widget.attrs.update(_htmx_reload("backup_centre", pick_url(PICK_CENTRE)))
        centres = outlet_pick(kind=OutletKind.COMMUNITY_CENTRE, district=chosen)
        self.fields["backup_centre"].choices = centre_choices(centres)  # type: ignore[attr-defined]

    def _initial_centre_district(self) -> str:
        """The district of a centre already chosen (a confirmation shown again)."""
        centre = self.initial.get("backup_centre")
        if not centre:
            return ""
        found = Outlet.objects.filter(pk=centre).values_list("district", flat=True).first()
        return found or ""


class ArrangeForm(forms.Form):
    """Step 2: pickup method, account bank, bank outlet.

    The outlets offered are the chosen bank's branches (the pack's banks' before one is
    chosen) in the employer's district, or in its city when the district has none: never a
    list of every branch. Changing the bank reloads them (htmx); without JavaScript the
    "Show this bank's outlets" button does (the page comes back with ``?bank=``).
    """

    refreshers = frozenset({"bank"})
    refusal_fields = ARRANGE_REFUSALS
    pickup = forms.ChoiceField(
        label=_("Pickup method"), error_messages={"required": _("Choose a pickup method.")}
    )
    bank = forms.ChoiceField(label=_("Account bank"), required=False)
    outlet = forms.TypedChoiceField(
        label=_("Bank outlet"),
        required=False,
        coerce=int,
        error_messages={"invalid_choice": _("Choose one of the outlets offered for this bank.")},
    )

    def __init__(
        self, *args: Any, pack: Pack, english: bool, district: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pickup"].choices = pickup_choices(pack, english)  # type: ignore[attr-defined]
        self.fields["bank"].choices = bank_choices(pack, english)  # type: ignore[attr-defined]
        bank = _choice(self.data if self.is_bound else self.initial, "bank", self.prefix)
        banks = [bank] if bank in pack.bank_codes else list(pack.bank_codes)
        branches = outlet_pick(kind=OutletKind.BANK_BRANCH, district=district, banks=banks)
        self.fields["outlet"].choices = branch_choices(branches)  # type: ignore[attr-defined]
        url = pick_url(PICK_BRANCH, district=district, banks=",".join(pack.bank_codes))
        self.fields["bank"].widget.attrs.update(_htmx_reload("outlet", url))
        choices_say_not_offered(self)


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Staff list (CSV or XLSX)"),
        help_text=_("Columns: id_number, name. Each row is checked against the registry."),
    )


class ConfirmForm(CentrePicker):
    """A staff member confirms or corrects their card data (on a phone); the backup centres
    offered are those of their district (``region``) unless they choose another."""

    refusal_fields = CONFIRM_REFUSALS
    phone = forms.CharField(label=_("Mobile phone"), max_length=11, min_length=11)
    mailing_address = forms.CharField(label=_("Mailing address"), max_length=200, required=False)
    photo_source = forms.ChoiceField(label=_("Photo source"))
    field_order = ("phone", "mailing_address", "photo_source", "centre_district", "backup_centre")

    def __init__(self, *args: Any, pack: Pack, english: bool, region: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photo_source"].choices = photo_choices(pack, english)  # type: ignore[attr-defined]
        self.pick_centres(region=region, english=english)
        choices_say_not_offered(self)


class ApplyForm(CentrePicker):
    """An individual application: at a counter (with the ID number) or online. The backup
    centres offered are those of ``region`` (the holder's district online, the outlet's at a
    counter) unless another district is chosen."""

    id_number = forms.CharField(label=_("ID number"), max_length=32, required=False)
    person = forms.TypedChoiceField(label=_("For"), required=False, coerce=int, empty_value=None)
    action = forms.ChoiceField(label=_("What"))
    channel = forms.ChoiceField(label=_("Channel"))
    bank = forms.ChoiceField(label=_("Account bank"), required=False)
    pickup = forms.ChoiceField(label=_("Pickup method"), required=False)
    photo_source = forms.ChoiceField(label=_("Photo source"))
    photo = forms.FileField(label=_("Captured photo (JPEG or PNG)"), required=False)
    mailing_address = forms.CharField(label=_("Mailing address"), max_length=200, required=False)
    field_order = (
        "id_number", "person", "action", "channel", "bank", "pickup", "photo_source", "photo",
        "mailing_address", "centre_district", "backup_centre",
    )  # fmt: skip

    def __init__(
        self,
        *args: Any,
        pack: Pack,
        english: bool,
        channels: tuple[str, ...],
        region: str,
        persons: list[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = _named(ACTION_NAMES, INDIVIDUAL_ACTIONS, english)  # type: ignore[attr-defined]
        self.fields["channel"].choices = _named(CHANNEL_NAMES, channels, english)  # type: ignore[attr-defined]
        self.fields["bank"].choices = bank_choices(pack, english)  # type: ignore[attr-defined]
        self.fields["pickup"].choices = pickup_choices(pack, english, blank=True)  # type: ignore[attr-defined]
        self.fields["photo_source"].choices = photo_choices(pack, english)  # type: ignore[attr-defined]
        self.pick_centres(region=region, english=english)
        # ``not_found``: nobody with that ID number (counter), or not one the holder applies for
        if persons is None:
            del self.fields["person"]
            self.refusal_fields = {**APPLY_REFUSALS, "not_found": "id_number"}
        else:
            del self.fields["id_number"]
            self.fields["person"].choices = persons  # type: ignore[attr-defined]
            self.refusal_fields = {**APPLY_REFUSALS, "not_found": "person"}
        choices_say_not_offered(self)

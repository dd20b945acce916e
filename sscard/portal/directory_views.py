"""Pages of the partners and the public: the relying parties and their bulk onboarding (SH-03),
and the help page with the contact directory of the packs in force (SH-17)."""

from __future__ import annotations

import csv
import io

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from sscard.core.actors import Role
from sscard.core.errors import ApplicationError
from sscard.core.exports import safe_cell
from sscard.core.names import Kind, names_of
from sscard.core.views import actor_required, english_page, error_text, request_actor
from sscard.network.choices import RelyingPartyKind
from sscard.network.selectors import relying_party_list
from sscard.portal.onboarding import (
    MAX_ROWS,
    PARTY_COLUMNS,
    Onboarding,
    may_onboard_parties,
    relying_parties_upload,
)
from sscard.portal.selectors import ContactLine, public_directory

PAGE_SIZE = 25
OFFICERS = (Role.CITY_OFFICER, Role.DISTRICT_OFFICER)


class PartyUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File of relying parties"),
        help_text=gettext_lazy("CSV (UTF-8 or GB18030) or XLSX, with the header row below."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


def tokens_file(result: Onboarding, *, english: bool) -> HttpResponse:
    """The one copy of the new parties' tokens: a CSV download, never cached, never stored."""
    kinds = dict(RelyingPartyKind.choices)
    regions = names_of(Kind.REGION, (t.district for t in result.issued), english=english)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [_("Party code"), _("Name"), _("Kind"), _("District"), _("Account"), _("API token")]
    )
    for issued in result.issued:
        writer.writerow(
            [
                safe_cell(issued.code),
                safe_cell(issued.name),
                str(kinds.get(issued.kind, issued.kind)),
                regions.get(issued.district, issued.district),
                issued.username,
                issued.token,
            ]
        )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(
        ("\ufeff" + out.getvalue()).encode(), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="relying-party-tokens-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@actor_required(*OFFICERS)
def relying_parties_page(request: HttpRequest) -> HttpResponse:
    """The relying parties of the officer's city or district, and the upload that onboards
    more of them: a file accepted whole answers the file of their tokens (the only copy)."""
    actor = request_actor(request)
    english = english_page()
    allowed = may_onboard_parties(actor)
    form = PartyUploadForm(request.POST or None, request.FILES or None)
    row_errors: list[dict[str, object]] = []
    if request.method == "POST" and allowed and form.is_valid():
        try:
            result = relying_parties_upload(actor=actor, upload=form.cleaned_data["file"])
        except ApplicationError as error:
            if error.code == "permission_denied":
                raise
            form.add_error("file", error_text(error))
            row_errors = list(error.details.get("errors", []))
        else:
            if result.issued:
                messages.success(
                    request,
                    _(
                        "%(new)d relying parties onboarded, %(same)d already registered; their "
                        "tokens were in the file you downloaded, and are kept nowhere else."
                    )
                    % {"new": len(result.issued), "same": result.unchanged},
                )
                return tokens_file(result, english=english)
            messages.info(
                request,
                _("Nothing changed: the %(same)d relying parties of the file are registered.")
                % {"same": result.unchanged},
            )
    parties = relying_party_list(actor=actor)
    page = Paginator(parties, PAGE_SIZE).get_page(request.GET.get("page"))
    regions = names_of(Kind.REGION, (p.district for p in page), english=english)
    kinds = dict(RelyingPartyKind.choices)
    context = {
        "form": form if allowed else None,
        "page": page,
        "rows": [(p, kinds.get(p.kind, p.kind), regions.get(p.district, "")) for p in page],
        "row_errors": [
            {**e, "message": e["message_en"] if english else e["message_zh"]} for e in row_errors
        ],
        "columns": ", ".join(PARTY_COLUMNS),
        "kinds": RelyingPartyKind.choices,
        "max_rows": MAX_ROWS,
    }
    return render(
        request, "portal/relying_parties.html", context, status=400 if form.errors else 200
    )


#: How the help page groups the directory, in this order.
CONTACT_GROUPS = (
    ("hotlines", gettext_lazy("Hotlines"), ("hotline",)),
    ("banks", gettext_lazy("Banks' hotlines"), ("bank_hotlines",)),
    ("sites", gettext_lazy("Websites"), ("website",)),
    ("apps", gettext_lazy("Apps, WeChat and mini programs"), ("app", "wechat", "mini_program")),
)


def contact_groups(contacts: tuple[ContactLine, ...]) -> list[tuple[str, str, list[ContactLine]]]:
    """The directory by kind, as the help page lists it (a kind with no entry is left out)."""
    groups = []
    for group_id, label, kinds in CONTACT_GROUPS:
        found = [c for c in contacts if c.kind in kinds]
        if found:
            groups.append((group_id, str(label), found))
    return groups


@require_GET
def help_page(request: HttpRequest) -> HttpResponse:
    """Whom to ask (SH-17): each city's pack in force, its hotlines, each partner bank's line,
    its websites and apps — all from the pack, none typed here. Public: no sign-in."""
    directory = public_directory(english=english_page())
    packs = [(pack.title, contact_groups(pack.contacts)) for pack in directory]
    return render(request, "portal/help.html", {"packs": packs})

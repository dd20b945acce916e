"""Pages of the mass actions on cards (批量处理): the officers' list, the form that previews a
selection and proposes the action for a second officer's approval, and one action with its
progress while it is applied (polled). Each calls the service its API twin calls
(``cards.services.mass``); the form is offered by the same predicate (``mass_action_refusal``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from sscard.cards.choices import MassActionKind, MassSelection, RevocationReason
from sscard.cards.rules import mass_action_refusal
from sscard.cards.selectors_mass import mass_action_get, mass_actions_visible, mass_progress
from sscard.cards.services.mass import MassPreview, mass_action_prepare, mass_action_propose
from sscard.core.actors import Role
from sscard.core.errors import ApplicationError
from sscard.core.views import actor_required, error_text, request_actor

OFFICERS = (Role.CITY_OFFICER, Role.DISTRICT_OFFICER)
LIST_MAX_BYTES = 2 * 1024 * 1024
_FIELD_OF = {
    "mass_action_unknown": "action",
    "mass_selection_invalid": "value",
    "mass_selection_empty": "value",
    "mass_selection_too_large": "value",
    "mass_revocation_reason_invalid": "revocation_reason",
    "approval_reason_required": "reason",
}


class MassActionForm(forms.Form):
    action = forms.ChoiceField(label=gettext_lazy("Action"), choices=MassActionKind.choices)
    selection = forms.ChoiceField(
        label=gettext_lazy("Select cards by"), choices=MassSelection.choices
    )
    value = forms.CharField(
        label=gettext_lazy("Which cards"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "The batch or card-factory file number; a range of card numbers as first-last; "
            "card numbers one a line; or the employer's unified social credit code."
        ),
    )
    file = forms.FileField(
        label=gettext_lazy("Or upload a list of card numbers"),
        required=False,
        help_text=gettext_lazy("A text or CSV file, one card number a line."),
    )
    revocation_reason = forms.ChoiceField(
        label=gettext_lazy("Revocation reason"),
        required=False,
        choices=[("", "—"), *RevocationReason.choices],
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), required=False, max_length=500, widget=forms.TextInput
    )
    evidence = forms.CharField(label=gettext_lazy("Evidence"), required=False, max_length=500)

    def selected(self) -> tuple[str, str]:
        """(selection, value): an uploaded file is a list of card numbers."""
        data = self.cleaned_data
        upload = data.get("file")
        if upload is not None:
            if upload.size > LIST_MAX_BYTES:
                raise forms.ValidationError(_("The file is too large."))
            try:
                return MassSelection.LIST, upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("The file is not UTF-8 text.")) from None
        return data["selection"], data.get("value") or ""


@require_http_methods(["GET"])
@actor_required(*OFFICERS)
def mass_actions_page(request: HttpRequest) -> HttpResponse:
    """The mass actions of the officer's area, newest first, with how far each has got."""
    actor = request_actor(request)
    rows = [(a, mass_progress(a)) for a in mass_actions_visible(actor=actor)[:50]]
    can_prepare = mass_action_refusal(actor) is None
    return render(request, "cards/mass_actions.html", {"rows": rows, "can_prepare": can_prepare})


@require_http_methods(["GET", "POST"])
@actor_required(*OFFICERS)
def mass_action_new_page(request: HttpRequest) -> HttpResponseBase:
    """Preview a selection (nothing written), then propose the action for approval."""
    actor = request_actor(request)
    form = MassActionForm(request.POST or None, request.FILES or None)
    preview: MassPreview | None = None
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            selection, value = form.selected()
            common: dict[str, Any] = {
                "actor": actor,
                "kind": data["action"],
                "selection": selection,
                "value": value,
                "revocation_reason": data.get("revocation_reason") or "",
            }
            if request.POST.get("step") == "propose":
                made = mass_action_propose(
                    **common, reason=data["reason"], evidence=data["evidence"]
                )
                messages.success(
                    request,
                    _("Proposed. It is applied once another officer approves it."),
                )
                return redirect("cards:mass_action", action_id=made.pk)
            preview = mass_action_prepare(**common)
        except forms.ValidationError as invalid:
            form.add_error("file", invalid)
            status = 422
        except ApplicationError as error:
            if error.code == "permission_denied":
                raise
            form.add_error(_FIELD_OF.get(error.code), error_text(error))
            status = error.status
    elif request.method == "POST":
        status = 422
    return render(
        request,
        "cards/mass_action_new.html",
        {"form": form, "preview": preview},
        status=status,
    )


@require_http_methods(["GET"])
@actor_required(*OFFICERS)
def mass_action_page(request: HttpRequest, action_id: int) -> HttpResponse:
    """One mass action: what, who proposed it and why, its approval, its progress."""
    actor = request_actor(request)
    action = mass_action_get(actor=actor, action_id=action_id)
    progress = mass_progress(action)
    context = {
        "action": action,
        "progress": progress,
        "polling": progress.state == "applying",
        "percent": (
            100 * (action.card_count - progress.counts["pending"]) // action.card_count
            if action.card_count
            else 100
        ),
    }
    template = (
        "cards/htmx/mass_progress.html"
        if request.headers.get("HX-Request")
        else "cards/mass_action.html"
    )
    return render(request, template, context)

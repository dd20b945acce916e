"""Pages of the changes awaiting a second officer (双人复核): the list, and one change with its
approve, reject and withdraw buttons — each shown only when the service would accept it, by
the same predicates (``approval_decide_refusal``, ``approval_withdraw_refusal``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from sscard.core.actors import Role
from sscard.core.approvals import approval_decide, approval_withdraw
from sscard.core.errors import ApplicationError
from sscard.core.models import Approval
from sscard.core.views import actor_required, error_text, request_actor
from sscard.portal.approval_rows import ApprovalRows, approval_get, approval_list, approval_row

OFFICERS = (Role.CITY_OFFICER, Role.DISTRICT_OFFICER)


class ApprovalStateForm(forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[("", gettext_lazy("All")), *Approval.State.choices],
    )


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Required when you reject: say why, for the officer who proposed it."
        ),
    )


@require_http_methods(["GET"])
@actor_required(*OFFICERS)
def approvals_page(request: HttpRequest) -> HttpResponse:
    """The changes of the officer's city or district, those awaiting approval first shown."""
    actor = request_actor(request)
    form = ApprovalStateForm(request.GET or {"state": Approval.State.PENDING})
    state = form.cleaned_data["state"] if form.is_valid() else Approval.State.PENDING
    rows = ApprovalRows(actor, approval_list(actor=actor, state=state))
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    query = urlencode({"state": state})
    return render(request, "portal/approvals.html", {"form": form, "page": page, "query": query})


@require_http_methods(["GET", "POST"])
@actor_required(*OFFICERS)
def approval_page(request: HttpRequest, approval_id: int) -> HttpResponse:
    """One change: what, whom, who proposed it and why; the checker approves or rejects it,
    the maker may withdraw it."""
    actor = request_actor(request)
    approval = approval_get(actor=actor, approval_id=approval_id)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "")
        try:
            if action == "withdraw":
                approval_withdraw(actor=actor, approval_id=approval.pk)
                messages.success(request, _("The change is withdrawn."))
            else:
                decided = approval_decide(
                    actor=actor,
                    approval_id=approval.pk,
                    approve=action == "approve",
                    note=form.cleaned_data["note"],
                )
                if decided.state == Approval.State.APPLIED:
                    messages.success(request, _("The change is approved and applied."))
                else:
                    messages.success(request, _("The change is rejected."))
        except ApplicationError as error:
            if error.code == "permission_denied":
                raise
            form.add_error("note", error_text(error))
            approval.refresh_from_db()
        else:
            return redirect("portal:approval", approval_id=approval.pk)
    status = 400 if form.errors else 200
    return render(
        request,
        "portal/approval_detail.html",
        {"row": approval_row(actor, approval), "form": form},
        status=status,
    )

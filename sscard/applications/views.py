"""Pages of the applications: the HR workspace (BJ-06's four steps), the staff confirmation
page, the holder's applications with their timeline, and the counter of bank outlets and
community centres. Views parse, call a service or selector, and render."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sscard.applications.choices import OUTLET_CHANNELS, STEP_ORDER
from sscard.applications.forms import ApplyForm, ArrangeForm, ConfirmForm, RosterUploadForm
from sscard.applications.selectors import (
    application_list,
    application_person,
    application_timeline,
    backup_centres_near,
    collective_current,
    collective_get,
    person_wards,
    roster_entries,
    roster_invitation_get,
    roster_invitations,
    roster_progress,
)
from sscard.applications.services import (
    application_submit,
    collective_arrange,
    collective_notify,
    collective_open,
    collective_submit,
    photo_store,
    roster_add_staff,
    roster_confirm,
    roster_remind,
    roster_upload_file,
)
from sscard.campaigns.selectors import (
    pack_in_force_for_city,
    pack_in_force_for_employer,
    pack_in_force_for_person,
)
from sscard.core.actors import Actor, Role
from sscard.core.clock import today as _today
from sscard.core.errors import ApplicationError
from sscard.core.htmx import htmx_partial, template_for
from sscard.core.views import actor_required, english_page, error_page, error_text, request_actor
from sscard.kernel.regions import city_of
from sscard.network.models import Outlet
from sscard.policy.engine import ACTION_NAMES, CHANNEL_NAMES, counter_channels
from sscard.registry.choices import DisclosurePurpose
from sscard.registry.models import Employer
from sscard.registry.services import COUNTER_APPLICATION_FIELDS, disclosure_record

COLLECTIVE_ROLES = (Role.EMPLOYER_HR, Role.BANK_CLERK)
CLERKS = (Role.BANK_CLERK, Role.COMMUNITY_CLERK)


def _step_list() -> list[dict[str, Any]]:
    labels = [
        _("Open the collective application"),
        _("Choose pickup method and bank outlet"),
        _("Notify staff to confirm"),
        _("Submit staff card data"),
    ]
    return [{"n": n, "label": label} for n, label in enumerate(labels, start=1)]


def _back(collective_id: int | None = None) -> HttpResponseRedirect:
    url = reverse("applications:collective")
    if collective_id is not None:
        url += f"?id={collective_id}"
    return HttpResponseRedirect(url)


# --------------------------------------------------------------------------------------------
# The HR workspace
# --------------------------------------------------------------------------------------------


@actor_required(*COLLECTIVE_ROLES)
def collective_page(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    english = english_page()
    wanted = request.GET.get("id", "")
    try:
        collective = (
            collective_get(actor=actor, collective_id=int(wanted))
            if wanted.isdigit()
            else collective_current(actor=actor)
        )
    except ApplicationError as error:
        return error_page(request, error)
    context: dict[str, Any] = {
        "collective": collective,
        "steps": _step_list(),
        "step_n": STEP_ORDER.get(collective.step, 0) if collective else 0,
        "upload_form": RosterUploadForm(),
        "is_clerk": actor.role is Role.BANK_CLERK,
        "status_filter": request.GET.get("status", ""),
    }
    if collective is not None:
        try:
            pack = pack_in_force_for_employer(collective.employer).pack
        except ApplicationError as error:
            return error_page(request, error)
        context["arrange_form"] = ArrangeForm(
            pack=pack,
            english=english,
            initial={
                "pickup": collective.pickup,
                "bank": collective.bank_code,
                "outlet": collective.pickup_outlet_id,
            },
        )
        context["progress"] = roster_progress(collective)
        context["entries"] = roster_entries(collective, status=context["status_filter"] or None)[
            :200
        ]
        context["channel_name"] = CHANNEL_NAMES[collective.channel][1 if english else 0]
        context["upload_result"] = request.session.pop("roster_upload", None)
    if actor.role is Role.BANK_CLERK:
        context["employers"] = Employer.objects.order_by("name")[:200]
    template = template_for(
        request, "applications/collective.html", "applications/htmx/roster.html"
    )
    return render(request, template, context)


def _run(request: HttpRequest, call: Any, success: str, collective_id: int | None) -> HttpResponse:
    try:
        call()
    except ApplicationError as error:
        messages.error(request, f"{error_text(error)} ({error.code})")
    else:
        messages.success(request, success)
    return _back(collective_id)


@require_POST
@actor_required(*COLLECTIVE_ROLES)
def collective_open_view(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    employer = request.POST.get("employer", "")
    try:
        collective = collective_open(
            actor=actor,
            day=_today(),
            employer_id=int(employer) if employer.isdigit() else None,
        )
    except ApplicationError as error:
        messages.error(request, f"{error_text(error)} ({error.code})")
        return _back()
    messages.success(request, _("The collective application is open."))
    return _back(collective.pk)


@require_POST
@actor_required(*COLLECTIVE_ROLES)
def collective_arrange_view(request: HttpRequest, collective_id: int) -> HttpResponse:
    actor = request_actor(request)
    try:
        collective = collective_get(actor=actor, collective_id=collective_id)
        pack = pack_in_force_for_employer(collective.employer).pack
    except ApplicationError as error:
        return error_page(request, error)
    form = ArrangeForm(request.POST, pack=pack, english=english_page())
    if not form.is_valid():
        messages.error(request, _("Choose a pickup method."))
        return _back(collective_id)
    data = form.cleaned_data
    return _run(
        request,
        lambda: collective_arrange(
            actor=actor,
            collective_id=collective_id,
            day=_today(),
            pickup=data["pickup"],
            bank=data["bank"] or None,
            outlet_id=data["outlet"] or None,
        ),
        _("Pickup method and bank outlet saved."),
        collective_id,
    )


@require_POST
@actor_required(*COLLECTIVE_ROLES)
def roster_add_view(request: HttpRequest, collective_id: int) -> HttpResponse:
    actor = request_actor(request)
    try:
        result = roster_add_staff(actor=actor, collective_id=collective_id, day=_today())
    except ApplicationError as error:
        messages.error(request, f"{error_text(error)} ({error.code})")
    else:
        messages.success(
            request,
            _("%(added)d staff listed, %(already)d already listed, %(refused)d not eligible.")
            % {"added": result.added, "already": result.already, "refused": result.refused_total},
        )
    return _back(collective_id)


@require_POST
@actor_required(*COLLECTIVE_ROLES)
def roster_upload_view(request: HttpRequest, collective_id: int) -> HttpResponse:
    actor = request_actor(request)
    form = RosterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a CSV or XLSX file."))
        return _back(collective_id)
    try:
        result = roster_upload_file(
            actor=actor, collective_id=collective_id, day=_today(), upload=form.cleaned_data["file"]
        )
    except ApplicationError as error:
        messages.error(request, f"{error_text(error)} ({error.code})")
        return _back(collective_id)
    request.session["roster_upload"] = {
        "added": result.added,
        "already": result.already,
        "refused": dict(result.refused),
        "refused_total": result.refused_total,
        "report": Path(result.report_path).name if result.report_path else "",
    }
    return _back(collective_id)


@actor_required(*COLLECTIVE_ROLES)
def roster_report_view(request: HttpRequest, collective_id: int, name: str) -> FileResponse:
    collective_get(actor=request_actor(request), collective_id=collective_id)
    if not name.startswith(f"roster-{collective_id}-") or "/" in name or not name.endswith(".csv"):
        raise Http404
    path = Path(settings.SSCARD_REPORTS_DIR) / name
    if not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)


@require_POST
@actor_required(*COLLECTIVE_ROLES)
def collective_notify_view(request: HttpRequest, collective_id: int) -> HttpResponse:
    actor = request_actor(request)
    return _run(
        request,
        lambda: collective_notify(actor=actor, collective_id=collective_id),
        _("Staff have been invited by SMS to confirm their card data."),
        collective_id,
    )


@require_POST
@actor_required(*COLLECTIVE_ROLES)
def roster_remind_view(request: HttpRequest, collective_id: int) -> HttpResponse:
    actor = request_actor(request)
    return _run(
        request,
        lambda: roster_remind(actor=actor, collective_id=collective_id),
        _("A reminder was sent to staff who have not confirmed."),
        collective_id,
    )


@require_POST
@actor_required(*COLLECTIVE_ROLES)
def collective_submit_view(request: HttpRequest, collective_id: int) -> HttpResponse:
    actor = request_actor(request)
    try:
        result = collective_submit(actor=actor, collective_id=collective_id, day=_today())
    except ApplicationError as error:
        messages.error(request, f"{error_text(error)} ({error.code})")
    else:
        messages.success(
            request,
            _("%(n)d staff submitted; %(left)d not confirmed stay on the list.")
            % {"n": result.submitted, "left": result.unconfirmed},
        )
    return _back(collective_id)


# --------------------------------------------------------------------------------------------
# Staff confirmation and the holder's applications
# --------------------------------------------------------------------------------------------


@actor_required(Role.CARDHOLDER)
def my_applications(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    english = english_page()
    apps = list(application_list(actor=actor)[:20])
    rows = [
        {
            "app": a,
            "timeline": application_timeline(a),
            "channel": CHANNEL_NAMES.get(a.channel, (a.channel, a.channel))[1 if english else 0],
            "action": ACTION_NAMES.get(a.action, (a.action, a.action))[1 if english else 0],
        }
        for a in apps
    ]
    context: dict[str, Any] = {
        "rows": rows,
        "invitations": list(roster_invitations(actor=actor)[:10]),
    }
    return render(request, "applications/my_applications.html", context)


@actor_required(Role.CARDHOLDER)
def apply_online(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    english = english_page()
    try:
        me = application_person(actor=actor)
        pack = pack_in_force_for_person(me).pack
    except ApplicationError as error:
        refused = {"error": error, "error_message": error_text(error)}
        return render(request, "applications/apply_online.html", refused)
    persons = [(me.pk, me.masked_name), *((w.pk, w.masked_name) for w in person_wards(actor=actor))]
    form = ApplyForm(
        request.POST or None,
        request.FILES or None,
        pack=pack,
        english=english,
        channels=("online", "parent_online"),
        centres=backup_centres_near(region=me.insured_region or me.hukou_region),
        persons=persons,
        initial={"channel": "online", "action": "migrate"},
    )
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = application_person(actor=actor, person_id=data["person"])
            application = _submit(actor, person, data)
        except ApplicationError as error:
            context.update(error=error, error_message=error_text(error))
        else:
            messages.success(request, _("Your application has been submitted."))
            return HttpResponseRedirect(reverse("applications:mine") + f"#a{application.pk}")
    return render(request, "applications/apply_online.html", context)


@actor_required(Role.CARDHOLDER)
def confirm_page(request: HttpRequest, entry_id: int) -> HttpResponse:
    actor = request_actor(request)
    try:
        entry = roster_invitation_get(actor=actor, entry_id=entry_id)
        pack = pack_in_force_for_person(entry.person).pack
    except ApplicationError as error:
        return error_page(request, error)
    person = entry.person
    form = ConfirmForm(
        request.POST or None,
        pack=pack,
        english=english_page(),
        centres=backup_centres_near(region=person.insured_region or person.hukou_region),
        initial={
            "mailing_address": entry.mailing_address or person.address,
            "photo_source": entry.photo_source
            or (pack.photo_sources[0].id if pack.photo_sources else ""),
            "backup_centre": entry.backup_centre_id,
        },
    )
    context: dict[str, Any] = {"entry": entry, "form": form, "collective": entry.collective}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            roster_confirm(
                actor=actor,
                entry_id=entry.pk,
                day=_today(),
                phone=data["phone"],
                photo_source=data["photo_source"],
                mailing_address=data["mailing_address"],
                backup_centre_id=data["backup_centre"],
            )
        except ApplicationError as error:
            context.update(error=error, error_message=error_text(error))
        else:
            messages.success(request, _("Thank you: your card data is confirmed."))
            return HttpResponseRedirect(reverse("applications:mine"))
    return render(request, "applications/confirm.html", context)


# --------------------------------------------------------------------------------------------
# The counter: bank outlets, community centres and the banks' acceptance points
# --------------------------------------------------------------------------------------------


def _submit(actor: Actor, person: Any, data: dict[str, Any]) -> Any:
    photo_id = None
    upload = data.get("photo")
    if upload is not None:
        photo = photo_store(
            actor=actor, person=person, source="captured", data=upload.read(2 * 1024 * 1024 + 1)
        )
        photo_id = photo.pk
    return application_submit(
        actor=actor,
        person=person,
        channel=data["channel"],
        action=data["action"],
        day=_today(),
        photo_source=data["photo_source"],
        photo_id=photo_id,
        bank=data.get("bank") or None,
        pickup=data.get("pickup") or None,
        mailing_address=data.get("mailing_address") or "",
        backup_centre_id=data.get("backup_centre"),
    )


@actor_required(*CLERKS)
def counter_apply(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    outlet = (
        Outlet.objects.select_related("bank").filter(pk=actor.outlet_id).first()
        if actor.outlet_id is not None
        else None
    )
    if outlet is None:
        raise Http404
    try:
        pack = pack_in_force_for_city(actor.city_code or city_of(outlet.district)).pack
    except ApplicationError as error:
        # No campaign in force: the page says so instead of a form that cannot succeed.
        refused = {"outlet": outlet, "error": error, "error_message": error_text(error)}
        return render(request, "applications/counter.html", refused)
    channels = counter_channels(
        pack, OUTLET_CHANNELS.get(outlet.kind, ()), instant_issuance=outlet.instant_issuance
    )
    centres = backup_centres_near(region=outlet.district)
    form = ApplyForm(
        request.POST or None,
        request.FILES or None,
        pack=pack,
        english=english_page(),
        channels=channels,
        centres=centres,
    )
    context: dict[str, Any] = {"form": form, "outlet": outlet}
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = application_person(actor=actor, id_number=data["id_number"])
            disclosure_record(
                actor=actor,
                person=person,
                purpose=DisclosurePurpose.COUNTER_APPLICATION,
                fields=COUNTER_APPLICATION_FIELDS,
            )
            context["application"] = _submit(actor, person, data)
            context["person"] = person
        except ApplicationError as error:
            context.update(error=error, error_message=error_text(error))
            # Over the hourly lookup limit: 429, but htmx swaps only 2xx answers.
            if error.status == 429 and not htmx_partial(request):
                status = error.status
        else:
            context["form"] = ApplyForm(
                pack=pack,
                english=english_page(),
                channels=channels,
                centres=centres,
            )
    template = template_for(
        request, "applications/counter.html", "applications/htmx/counter_result.html"
    )
    return render(request, template, context, status=status)

"""Pages of the applications: the HR workspace (BJ-06's four steps), the staff confirmation
page, the holder's applications with their timeline, and the counter of bank outlets and
community centres. Views parse, call a service or selector, and render."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from sscard.applications.choices import OUTLET_CHANNELS, STEP_ORDER, RosterStatus
from sscard.applications.forms import (
    PICK_BRANCH,
    PICK_CENTRE,
    ApplyForm,
    ArrangeForm,
    ConfirmForm,
    RosterUploadForm,
    branch_choices,
    centre_choices,
)
from sscard.applications.models import CollectiveApplication, RosterEntry
from sscard.applications.rules import application_receipt_refusal
from sscard.applications.selectors import (
    application_get,
    application_person,
    collective_current,
    collective_get,
    confirmation_prefill,
    person_wards,
    roster_entries,
    roster_entry_hold,
    roster_invitation_get,
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
)
from sscard.applications.services.roster_jobs import OBJECT as ROSTER_OBJECT
from sscard.applications.services.roster_jobs import ROSTER_JOB, roster_upload_queue
from sscard.campaigns.selectors import (
    pack_decided_under,
    pack_in_force_for_city,
    pack_in_force_for_employer,
    pack_in_force_for_person,
)
from sscard.core.actors import Actor, Role
from sscard.core.clock import today as _today
from sscard.core.errors import ApplicationError
from sscard.core.exports import Cell, Column, ExportTable, coded, export_response
from sscard.core.htmx import htmx_partial, template_for
from sscard.core.models import BackgroundJob
from sscard.core.names import Kind, name_of
from sscard.core.prints import render_print
from sscard.core.views import (
    actor_required,
    english_page,
    error_page,
    error_text,
    flash_refusal,
    form_refusal,
    refused_status,
    request_actor,
)
from sscard.kernel.regions import city_of
from sscard.network.choices import OutletKind
from sscard.network.models import Outlet
from sscard.network.selectors import outlet_pick
from sscard.policy import Pack
from sscard.policy.engine import counter_channels
from sscard.registry.choices import DisclosurePurpose
from sscard.registry.selectors import employer_pick
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
    wanted = request.GET.get("id", "")
    try:
        collective = (
            collective_get(actor=actor, collective_id=int(wanted))
            if wanted.isdigit()
            else collective_current(actor=actor)
        )
        context = _workspace(request, actor, collective)
    except ApplicationError as error:
        return error_page(request, error)
    template = template_for(
        request, "applications/collective.html", "applications/htmx/roster.html"
    )
    return render(request, template, context)


def _workspace(
    request: HttpRequest,
    actor: Actor,
    collective: CollectiveApplication | None,
    arrange_form: ArrangeForm | None = None,
) -> dict[str, Any]:
    """The HR workspace's context: the steps, the collective application's forms (step 2's
    as it was posted, when ``arrange_form`` is refused), its roster and its progress."""
    context: dict[str, Any] = {
        "collective": collective,
        "steps": _step_list(),
        "step_n": STEP_ORDER.get(collective.step, 0) if collective else 0,
        "upload_form": RosterUploadForm(),
        "is_clerk": actor.role is Role.BANK_CLERK,
        "status_filter": request.GET.get("status", ""),
    }
    if collective is not None:
        context["arrange_form"] = arrange_form or _arrange_form(request, collective)
        context["progress"] = roster_progress(collective)
        context["entries"] = roster_entries(collective, status=context["status_filter"] or None)[
            :200
        ]
        context["channel_name"] = name_of(Kind.CHANNEL, collective.channel)
        context.update(_roster_job_context(request, collective.pk))
    if actor.role is Role.BANK_CLERK:
        # A searchable picker, never a drop-down of every unit (htmx asks registry's picker).
        context["employer_q"] = request.GET.get("employer_q", "")[:200]
        context["employers"] = employer_pick(actor=actor, text=context["employer_q"])
    return context


def _arrange_form(
    request: HttpRequest, collective: CollectiveApplication, data: Any = None
) -> ArrangeForm:
    """Step 2's form: as posted (``data``), else as saved, or as "show the choices" asked."""
    return ArrangeForm(
        data,
        pack=pack_in_force_for_employer(collective.employer).pack,
        english=english_page(),
        district=collective.employer.insured_district,
        initial={
            "pickup": request.GET.get("pickup") or collective.pickup,
            # "Show this bank's outlets" without JavaScript comes back with ``?bank=``.
            "bank": request.GET.get("bank") or collective.bank_code,
            "outlet": collective.pickup_outlet_id,
        },
    )


def _run(request: HttpRequest, call: Any, success: str, collective_id: int | None) -> HttpResponse:
    try:
        call()
    except ApplicationError as error:
        flash_refusal(request, error)
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
        flash_refusal(request, error)
        return _back()
    messages.success(request, _("The collective application is open."))
    return _back(collective.pk)


@require_POST
@actor_required(*COLLECTIVE_ROLES)
def collective_arrange_view(request: HttpRequest, collective_id: int) -> HttpResponse:
    actor = request_actor(request)
    try:
        collective = collective_get(actor=actor, collective_id=collective_id)
        form = _arrange_form(request, collective, request.POST)
    except ApplicationError as error:
        return error_page(request, error)
    if "refresh" in request.POST:
        # Without JavaScript "refresh" asks for the page again with the outlets of the bank
        # chosen, what was chosen staying chosen.
        query = urlencode({k: request.POST.get(k, "") for k in ("pickup", "bank")})
        return HttpResponseRedirect(f"{_back(collective_id).url}&{query}#step-2")
    if not form.is_valid():
        return _arrange_refused(request, actor, collective, form)
    data = form.cleaned_data
    try:
        collective_arrange(
            actor=actor,
            collective_id=collective_id,
            day=_today(),
            pickup=data["pickup"],
            bank=data["bank"] or None,
            outlet_id=data["outlet"] or None,
        )
    except ApplicationError as error:
        return _arrange_refused(request, actor, collective, form, error)
    messages.success(request, _("Pickup method and bank outlet saved."))
    return _back(collective_id)


def _arrange_refused(
    request: HttpRequest,
    actor: Actor,
    collective: CollectiveApplication,
    form: ArrangeForm,
    error: ApplicationError | None = None,
) -> HttpResponse:
    """The workspace again, step 2's form as it was posted, with why it was refused beside
    the field it concerns (400)."""
    context = _workspace(request, actor, collective, arrange_form=form)
    if error is not None:
        context.update(form_refusal(form, error, fields=form.refusal_fields))
    return render(
        request, "applications/collective.html", context, status=refused_status(request, error)
    )


@require_POST
@actor_required(*COLLECTIVE_ROLES)
def roster_add_view(request: HttpRequest, collective_id: int) -> HttpResponse:
    actor = request_actor(request)
    try:
        result = roster_add_staff(actor=actor, collective_id=collective_id, day=_today())
    except ApplicationError as error:
        flash_refusal(request, error)
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
    """Queue the roster file: the page follows at once, showing the job until it has read
    the file, then what it did (the job is the session's, shown once)."""
    actor = request_actor(request)
    form = RosterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a CSV or XLSX file."))
        return _back(collective_id)
    try:
        job = roster_upload_queue(
            actor=actor, collective_id=collective_id, day=_today(), upload=form.cleaned_data["file"]
        )
    except ApplicationError as error:
        flash_refusal(request, error)
        return _back(collective_id)
    request.session[ROSTER_JOB_KEY] = job.pk
    return _back(collective_id)


ROSTER_JOB_KEY = "roster_job"
_WAITING = (BackgroundJob.Status.QUEUED, BackgroundJob.Status.RUNNING)


def _roster_job_context(request: HttpRequest, collective_id: int) -> dict[str, Any]:
    """The roster file this session uploaded: while it is read, the panel that polls it; once
    read, what it did (shown once), or why the file was refused."""
    job_id = request.session.get(ROSTER_JOB_KEY)
    job = (
        BackgroundJob.objects.filter(
            pk=job_id, kind=ROSTER_JOB, object_type=ROSTER_OBJECT, object_id=str(collective_id)
        ).first()
        if isinstance(job_id, int)
        else None
    )
    if job is None:
        return {}
    if job.status in _WAITING:
        return {"roster_job": job, "roster_waiting": True}
    request.session.pop(ROSTER_JOB_KEY, None)
    if job.status == BackgroundJob.Status.SUCCEEDED:
        return {"upload_result": job.result}
    return {
        "roster_job": job,
        "roster_error": job.error_message_en if english_page() else job.error_message_zh,
    }


@actor_required(*COLLECTIVE_ROLES)
def roster_job_view(request: HttpRequest, collective_id: int) -> HttpResponse:
    """The roster file's panel, polled every 2 s while the file is read; once it has been,
    the page reloads to show what it did."""
    collective_get(actor=request_actor(request), collective_id=collective_id)
    job_id = request.session.get(ROSTER_JOB_KEY)
    waiting = (
        isinstance(job_id, int)
        and BackgroundJob.objects.filter(pk=job_id, status__in=_WAITING).exists()
    )
    if not htmx_partial(request):
        return _back(collective_id)
    if not waiting:
        return HttpResponseClientRefresh()
    context = {"collective_id": collective_id, "roster_waiting": True}
    return render(request, "applications/htmx/roster_job.html", context)


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
        flash_refusal(request, error)
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


# The holder's applications page follows their cards: it is ``cards.views.my_applications``.


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
        **_posted(request, {"channel": "online", "action": "migrate"}),
        pack=pack,
        english=english,
        channels=("online", "parent_online"),
        region=me.insured_region or me.hukou_region,
        persons=persons,
    )
    context: dict[str, Any] = {"form": form}
    status = 200
    if form.is_bound and not form.is_valid():
        status = refused_status(request)
    elif form.is_bound:
        data = form.cleaned_data
        try:
            person = application_person(actor=actor, person_id=data["person"])
            application = _submit(actor, person, data)
        except ApplicationError as error:
            context.update(form_refusal(form, error, fields=form.refusal_fields))
            status = refused_status(request, error)
        else:
            messages.success(request, _("Your application has been submitted."))
            return HttpResponseRedirect(reverse("cards:my_applications") + f"#a{application.pk}")
    return render(request, "applications/apply_online.html", context, status=status)


@actor_required(Role.CARDHOLDER)
def confirm_page(request: HttpRequest, entry_id: int) -> HttpResponse:
    actor = request_actor(request)
    try:
        entry = roster_invitation_get(actor=actor, entry_id=entry_id)
        pack = pack_in_force_for_person(entry.person).pack
    except ApplicationError as error:
        return error_page(request, error)
    person = entry.person
    known = confirmation_prefill(actor=actor, entry=entry)
    form = ConfirmForm(
        **_posted(
            request,
            {
                "phone": known.phone,
                "mailing_address": known.mailing_address,
                "photo_source": entry.photo_source
                or (pack.photo_sources[0].id if pack.photo_sources else ""),
                "backup_centre": entry.backup_centre_id,
            },
        ),
        pack=pack,
        english=english_page(),
        region=person.insured_region or person.hukou_region,
    )
    context: dict[str, Any] = {"entry": entry, "form": form, "collective": entry.collective}
    status = 200
    if form.is_bound and not form.is_valid():
        status = refused_status(request)
    elif form.is_bound:
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
            context.update(form_refusal(form, error, fields=form.refusal_fields))
            status = refused_status(request, error)
        else:
            messages.success(request, _("Thank you: your card data is confirmed."))
            return HttpResponseRedirect(reverse("cards:my_applications"))
    return render(request, "applications/confirm.html", context, status=status)


# --------------------------------------------------------------------------------------------
# The counter: bank outlets, community centres and the banks' acceptance points
# --------------------------------------------------------------------------------------------


def _posted(request: HttpRequest, initial: dict[str, Any]) -> dict[str, Any]:
    """A form's data: what was posted; or, posted with ``refresh`` (a picker's "show the
    choices" button, without JavaScript), nothing bound and the post kept as initial values,
    so that the form comes back with the new choices and no error."""
    if request.method != "POST":
        return {"data": None, "files": None, "initial": initial}
    if "refresh" in request.POST:
        kept = {k: v for k, v in request.POST.dict().items() if k != "csrfmiddlewaretoken"}
        return {"data": None, "files": None, "initial": {**initial, **kept}}
    return {"data": request.POST, "files": request.FILES, "initial": initial}


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


def _counter_take(
    request: HttpRequest, actor: Actor, form: ApplyForm, context: dict[str, Any]
) -> int:
    """Take the application the clerk filled in: the application, or why not (beside the
    field it concerns); answers the page's status."""
    if not form.is_valid():
        return refused_status(request)
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
    except ApplicationError as error:
        context.update(form_refusal(form, error, fields=form.refusal_fields))
        return refused_status(request, error)
    context["person"] = person
    return 200


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
    form = ApplyForm(
        **_posted(request, {}),
        pack=pack,
        english=english_page(),
        channels=channels,
        region=outlet.district,
    )
    context: dict[str, Any] = {"form": form, "outlet": outlet}
    status = _counter_take(request, actor, form, context) if form.is_bound else 200
    if "application" in context:
        context["form"] = ApplyForm(
            pack=pack, english=english_page(), channels=channels, region=outlet.district
        )
    # htmx swaps the decision only: a form refused beside a field is drawn again with it
    context["form_again"] = htmx_partial(request) and bool(form.errors)
    template = template_for(
        request, "applications/counter.html", "applications/htmx/counter_result.html"
    )
    return render(request, template, context, status=status)


# --------------------------------------------------------------------------------------------
# Pickers: the options of an outlet field, reloaded when its bank or district changes
# --------------------------------------------------------------------------------------------


@actor_required()
def outlet_options(request: HttpRequest) -> HttpResponse:
    """The ``<option>``s of a picker (htmx): a bank's branches (``for=branch``) or the
    community centres (``for=centre``) of one district, as the form itself offers them.

    Outlets are public service points, so any signed-in role may ask; the service still
    checks the outlet finally chosen.
    """
    picker = request.GET.get("for", "")
    district = request.GET.get("centre_district") or request.GET.get("district", "")
    if picker == PICK_BRANCH:
        bank = request.GET.get("bank", "")
        # The pack's banks (the form names them), when "as the policy decides" is chosen.
        offered = [b for b in request.GET.get("banks", "").split(",") if b]
        banks = [bank] if bank else offered
        outlets = outlet_pick(kind=OutletKind.BANK_BRANCH, district=district, banks=banks)
        choices = branch_choices(outlets)
    elif picker == PICK_CENTRE:
        choices = centre_choices(outlet_pick(kind=OutletKind.COMMUNITY_CENTRE, district=district))
    else:
        raise Http404
    return render(request, "applications/htmx/outlet_options.html", {"choices": choices})


# --------------------------------------------------------------------------------------------
# The roster as a spreadsheet, and the papers: the collective application form with its
# roster, and the acceptance receipt (受理回执) of a counter or online application
# --------------------------------------------------------------------------------------------


def _roster_rows(entries: QuerySet[RosterEntry]) -> Iterator[Sequence[Cell]]:
    statuses = dict(RosterStatus.choices)
    for entry in entries.iterator(chunk_size=2000):
        hold_code, hold_name = roster_entry_hold(entry)
        yield (
            entry.person.masked_name,
            entry.person.masked_id_number,
            str(statuses.get(entry.status, entry.status)),
            entry.status,
            hold_name,
            hold_code,
            entry.masked_phone or entry.person.masked_phone,
            entry.reminders,
            entry.invited_at,
            entry.confirmed_at,
        )


@actor_required(*COLLECTIVE_ROLES)
def roster_export(request: HttpRequest, collective_id: int, fmt: str) -> HttpResponseBase:
    """The collective application's roster as the page lists it (its status filter, masked),
    as XLSX or CSV."""
    try:
        collective = collective_get(actor=request_actor(request), collective_id=collective_id)
    except ApplicationError as error:
        return error_page(request, error)
    statuses = dict(RosterStatus.choices)
    status = request.GET.get("status", "")
    status = status if status in statuses else ""
    filters = [(_("Collective application"), f"#{collective.pk} {collective.employer.name}")]
    if status:
        filters.append((_("Status"), str(statuses[status])))
    table = ExportTable(
        title=_("Roster of collective application #%(id)d") % {"id": collective.pk},
        file_stem=f"roster-{collective.pk}",
        columns=[
            Column(_("Full name"), 12),
            Column(_("ID number"), 22),
            *coded(_("Status"), width=18),
            *coded(_("Not applicable because"), width=40),
            Column(_("Phone"), 14),
            Column(_("Reminders"), 8),
            Column(_("Invited at"), 20),
            Column(_("Confirmed at"), 20),
        ],
        rows=_roster_rows(
            roster_entries(collective, status=status if status in statuses else None)
        ),
        filters=filters,
    )
    return export_response(request, table, fmt)


@actor_required(*COLLECTIVE_ROLES)
def collective_form_print(request: HttpRequest, collective_id: int) -> HttpResponse:
    """The collective application form (单位集体申领表) with its whole roster, to print, sign
    and stamp: the unit's facts, the arrangement chosen and every staff member, masked."""
    try:
        collective = collective_get(actor=request_actor(request), collective_id=collective_id)
    except ApplicationError as error:
        return error_page(request, error)
    employer = collective.employer
    entries = [(entry, roster_entry_hold(entry)[1]) for entry in roster_entries(collective)]
    decided = pack_decided_under(collective.pack_hash)
    context = {
        "collective": collective,
        "employer": employer,
        "district_name": name_of(Kind.REGION, employer.insured_district),
        "channel_name": name_of(Kind.CHANNEL, collective.channel),
        "bank_name": name_of(Kind.BANK, collective.bank_code),
        "pickup_name": name_of(Kind.PICKUP, collective.pickup),
        "entries": entries,
        "progress": roster_progress(collective),
    }
    return render_print(
        request,
        "applications/print/collective_form.html",
        context,
        packs=[decided[0]] if decided is not None else None,
    )


def _contacts(pack: Pack | None, *, english: bool) -> list[dict[str, str]]:
    """The bureau's contacts a receipt names: the pack's hotlines and websites."""
    if pack is None:
        return []
    return [
        {
            "name": c.name_en if english else c.name_zh,
            "reach": c.phone or c.url or "",
            "what": c.what_en if english else c.what_zh,
        }
        for c in pack.contacts
        if c.kind in ("hotline", "website") and (c.phone or c.url)
    ]


@actor_required(Role.CARDHOLDER, *CLERKS)
def application_receipt(request: HttpRequest, application_id: int) -> HttpResponse:
    """The acceptance receipt (受理回执) of an individual application, to print: for the holder
    from "my applications", for the clerk right after taking it at the counter (one made
    through a collective application has none: ``application_receipt_refusal``). The ID
    number is masked on paper; the name is the holder's own, or masked for anyone else's."""
    actor = request_actor(request)
    try:
        application = application_get(actor=actor, application_id=application_id)
    except ApplicationError as error:
        return error_page(request, error)
    refused = application_receipt_refusal(application=application)
    if refused is not None:
        return error_page(request, refused)
    person = application.person
    decided = pack_decided_under(application.pack_hash)
    english = english_page()
    context = {
        "application": application,
        "applicant_name": person.name if actor.sees_full_identifiers else person.masked_name,
        "applicant_id_number": person.masked_id_number,
        "channel_name": name_of(Kind.CHANNEL, application.channel),
        "action_name": name_of(Kind.ACTION, application.action),
        "bank_name": name_of(Kind.BANK, application.bank_code),
        "pickup_name": name_of(Kind.PICKUP, application.pickup),
        "fee_yuan": f"{application.fee_fen / 100:.2f}",
        "contacts": _contacts(decided[1] if decided else None, english=english),
        "back": (
            reverse("cards:my_applications") + f"#a{application.pk}"
            if actor.role is Role.CARDHOLDER
            else reverse("applications:counter")
        ),
    }
    return render_print(
        request,
        "applications/print/receipt.html",
        context,
        packs=[decided[0]] if decided is not None else None,
    )

"""The API of card revocation and mass actions (issue 15 point 5): the published CRL, and the
mass actions an officer prepares for a second officer's approval (approved at
``/approvals/{id}/decide``, the framework's own API).

The CRL needs no authentication: it is signed public data for every relying party and terminal
(it lists certificate serials, which are derived from card identification codes a card hands
to any terminal, and nothing about the holders), and a relying party must be able to fetch it
without an account, as RFC 5280 distribution points are fetched.
"""

# No ``from __future__ import annotations``: Ninja reads these signatures at import time.

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from sscard.cards.errors import CardsErrorCode
from sscard.cards.selectors_mass import mass_action_get, mass_actions_visible, mass_progress
from sscard.cards.services.mass import MassPreview, mass_action_prepare, mass_action_propose
from sscard.cards.services.revocation import revocation_list_current
from sscard.core.request_errors import RequestErrorCode
from sscard.core.schemas import ERRORS, ErrorOut
from sscard.core.views import request_actor
from sscard.kernel.pki import to_pem

router = Router(tags=["cards"])
WRITE_ERRORS = {409: ErrorOut, **ERRORS}
# chosen: an uploaded list of card numbers is at most 2 MB (about 200,000 numbers).
LIST_MAX_BYTES = 2 * 1024 * 1024


@router.get(
    "/cards/crl",
    auth=None,
    response={200: None, 404: ErrorOut},
    summary="The card certificates' revocation list (CRL), DER or PEM",
)
def cards_crl(
    request: HttpRequest,
    format: Literal["der", "pem"] = "der",
    authority: int | None = None,
    sm2_id: Literal["gmt0009", "empty"] = "gmt0009",
) -> HttpResponse:
    """The issuing CA's current CRL (X.509 v2, signed SM2-with-SM3): the active issuing CA's,
    or ``authority``'s. ``format=pem`` for PEM. Public, like every CRL.

    The list is signed with the GM/T 0009 SM2 user ID ``1234567812345678``, as the card
    certificates are. ``sm2_id=empty`` answers the same list signed with the empty user ID:
    OpenSSL 3's CRL check uses that ID and cannot be told another (``openssl crl -verify``
    has no ``-vfyopt``), so a relying party whose tools are OpenSSL's takes this copy.
    Refusal: ``crl_no_authority`` (404)."""
    found = revocation_list_current(authority_id=authority)
    der = bytes(found.der_empty_id if sm2_id == "empty" else found.der)
    if format == "pem":
        response = HttpResponse(to_pem(der, "X509 CRL"), content_type="application/x-pem-file")
        name = f"sscard-{found.authority_id}.crl.pem"
    else:
        response = HttpResponse(der, content_type="application/pkix-crl")
        name = f"sscard-{found.authority_id}.crl"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "public, max-age=3600"
    response["X-CRL-Number"] = str(found.number)
    return response


class MassIn(Schema):
    action: Literal["block", "cancel", "revoke", "enable"]
    selection: Literal["batch", "range", "lot", "list", "employer"]
    value: str
    revocation_reason: str = ""


class MassProposeIn(MassIn):
    reason: str
    evidence: str = ""


class PreviewRowOut(Schema):
    card_number: str
    holder: str
    id_number: str
    status: str


class MassPreviewOut(Schema):
    action: str
    selection: str
    count: int
    already: int
    district_code: str
    rows: list[PreviewRowOut]


class MassActionOut(Schema):
    id: int
    action: str
    action_label: str
    selection: str
    selection_label: str
    state: str
    state_label: str
    reason: str
    card_count: int
    revocation_reason: str
    district_code: str
    approval_id: int | None
    approval_state: str | None
    job_id: int | None
    created_by: str
    created_at: datetime
    finished_at: datetime | None
    done: int
    skipped: int
    refused: int
    pending: int


def _preview_out(preview: MassPreview) -> dict[str, Any]:
    return {
        "action": preview.kind,
        "selection": preview.selection,
        "count": preview.count,
        "already": preview.already,
        "district_code": preview.district_code,
        "rows": [_row(row) for row in preview.rows],
    }


def _row(row: Any) -> dict[str, str]:
    return {
        "card_number": row.card_number,
        "holder": row.holder,
        "id_number": row.id_number,
        "status": row.status,
    }


def mass_out(action: Any) -> dict[str, Any]:
    progress = mass_progress(action)
    return {
        "id": action.pk,
        "action": action.kind,
        "action_label": str(action.get_kind_display()),
        "selection": action.selection,
        "selection_label": str(action.get_selection_display()),
        "state": progress.state,
        "state_label": str(progress.state_label),
        "reason": action.reason,
        "card_count": action.card_count,
        "revocation_reason": action.revocation_reason,
        "district_code": action.district_code,
        "approval_id": action.approval_id,
        "approval_state": progress.approval_state,
        "job_id": action.job_id,
        "created_by": action.created_by,
        "created_at": action.created_at,
        "finished_at": action.finished_at,
        **progress.counts,
    }


@router.post("/cards/mass-actions/preview", response={200: MassPreviewOut, **ERRORS})
def mass_actions_preview(request: HttpRequest, body: MassIn) -> dict[str, Any]:
    """What a mass action would take, nothing written: the count, those already in the target
    state, the first rows (names and ID numbers masked). ``value``: the batch or card-factory
    file number, ``first-last`` card numbers, the card numbers one a line, or the employer's
    unified social credit code. Refusals: ``mass_action_unknown``,
    ``mass_selection_invalid``, ``mass_selection_empty``, ``mass_selection_too_large``,
    ``mass_action_out_of_scope`` (a card outside your area), ``mass_revocation_reason_invalid``."""
    preview = mass_action_prepare(
        actor=request_actor(request),
        kind=body.action,
        selection=body.selection,
        value=body.value,
        revocation_reason=body.revocation_reason,
    )
    return _preview_out(preview)


@router.post("/cards/mass-actions", response={201: MassActionOut, **WRITE_ERRORS})
def mass_actions_propose(request: HttpRequest, body: MassProposeIn) -> Status[dict[str, Any]]:
    """Prepare a mass action and propose it for approval by a second officer (who approves it
    at ``/approvals/{approval_id}/decide``; it is then applied in chunks off the request).
    Refusals: those of the preview, and ``approval_reason_required``."""
    action = mass_action_propose(
        actor=request_actor(request),
        kind=body.action,
        selection=body.selection,
        value=body.value,
        reason=body.reason,
        evidence=body.evidence,
        revocation_reason=body.revocation_reason,
    )
    return Status(201, mass_out(action))


@router.post(
    "/cards/mass-actions/upload", response={201: MassActionOut, 413: ErrorOut, **WRITE_ERRORS}
)
def mass_actions_upload(
    request: HttpRequest,
    action: Form[str],
    reason: Form[str],
    file: File[UploadedFile],
    revocation_reason: Form[str] = "",
    evidence: Form[str] = "",
) -> Status[dict[str, Any]]:
    """Propose a mass action on an uploaded list of card numbers (a text or CSV file, one a
    line or separated by commas), as ``/cards/mass-actions`` with ``selection=list``."""
    value = _list_text(file)
    made = mass_action_propose(
        actor=request_actor(request),
        kind=action,
        selection="list",
        value=value,
        reason=reason,
        evidence=evidence,
        revocation_reason=revocation_reason,
    )
    return Status(201, mass_out(made))


def _list_text(file: UploadedFile) -> str:
    if (file.size or 0) > LIST_MAX_BYTES:
        raise RequestErrorCode.PAYLOAD_TOO_LARGE.error()
    raw = file.read(LIST_MAX_BYTES + 1)
    try:
        return bytes(raw).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CardsErrorCode.MASS_SELECTION_INVALID.error(reason="encoding") from None


@router.get("/cards/mass-actions", response={200: list[MassActionOut], **ERRORS})
def mass_actions_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The mass actions of your area, newest first (50), with how far each has got."""
    return [mass_out(a) for a in mass_actions_visible(actor=request_actor(request))[:50]]


@router.get("/cards/mass-actions/{int:action_id}", response={200: MassActionOut, **ERRORS})
def mass_actions_get(request: HttpRequest, action_id: int) -> dict[str, Any]:
    """One mass action of your area: its state, its approval's, and its cards done, skipped
    (already in the target state), refused and pending — the page polls the same."""
    return mass_out(mass_action_get(actor=request_actor(request), action_id=action_id))

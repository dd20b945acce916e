"""The engine's answers as the platform's one error type, the photo sources a pack offers, and
the predicate an application's cancellation is decided by (the service and the holder's page).

Every rule of a notice is answered by the engine (``decide``) or read from the pack; which pack
is in force is asked of ``campaigns.selectors`` (``pack_in_force_for_*``), nowhere else.
"""

from __future__ import annotations

from datetime import date

from sscard.applications.choices import OPEN_STATUSES, PACK_PHOTO_ORIGINS, PhotoOrigin
from sscard.applications.errors import ApplicationsErrorCode, photo_source_not_offered
from sscard.applications.models import Application
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError, NotFound
from sscard.policy import Decision, Pack, PersonFacts, evaluate
from sscard.policy.schema import PhotoSource


def refused(decision: Decision) -> ApplicationError:
    """The engine's refusal as the one error type: its reason code, its messages, its clause."""
    return ApplicationError(
        decision.reason_code,
        decision.message_zh,
        decision.message_en,
        {
            "clause": decision.clause,
            "rule_id": decision.rule_id,
            "phase_id": decision.phase_id,
            "pack_id": decision.pack_id,
            "redirect_to": decision.redirect_to,
            "banks": list(decision.banks),
            "pickup_methods": list(decision.pickup_methods),
        },
        status=422,
    )


def ensure_allowed(decision: Decision) -> Decision:
    if not decision.allowed:
        raise refused(decision)
    return decision


def photo_origin(pack: Pack, source: str, facts: PersonFacts | None, day: date) -> PhotoOrigin:
    """The stored origin of a pack's photo source; refuse one the pack does not offer (SH-11).

    A source limited to some groups (the student card, for pupils) is offered only to them.
    """
    offered: dict[str, PhotoSource] = {s.id: s for s in pack.photo_sources}
    spec = offered.get(source)
    if (
        spec is not None
        and spec.groups
        and facts is not None
        and not any(evaluate(pack.group(g).predicate, facts, day) for g in spec.groups)
    ):
        spec = None
    if spec is None or source not in PACK_PHOTO_ORIGINS:
        raise photo_source_not_offered(source, pack.photo_sources)
    return PACK_PHOTO_ORIGINS[source]


# Channels whose paper is the collective application form (单位集体申领表), never a receipt.
COLLECTIVE_CHANNELS = frozenset({"collective_online", "collective_offline"})


def application_receipt_refusal(*, application: Application) -> ApplicationError | None:
    """Why an application has no acceptance receipt (受理回执), which is the paper of an
    individual application taken at a counter or online: one made through an employer's
    collective application has the collective form instead (``receipt_not_offered``). The
    pages offer the receipt, and the receipt page serves it, only when this answers None."""
    if application.collective_id is not None or application.channel in COLLECTIVE_CHANNELS:
        return ApplicationsErrorCode.RECEIPT_NOT_OFFERED.error(application_id=application.pk)
    return None


def application_cancel_refusal(
    *, actor: Actor, application: Application
) -> ApplicationError | None:
    """Why ``application_cancel`` would refuse: someone other than the holder (or the parent
    who applied), the clerk of the outlet that took it, or the system (``not_found``, as for
    an application they cannot see); an application no longer open — its card is ordered, or
    it was cancelled (``application_not_open``). The holder's page offers "withdraw" only when
    this answers None."""
    if not _may_cancel(actor, application):
        return NotFound("application", what_zh="该申请")
    if application.status not in OPEN_STATUSES:
        return ApplicationsErrorCode.APPLICATION_NOT_OPEN.error(status=application.status)
    return None


def _may_cancel(actor: Actor, application: Application) -> bool:
    if actor.role is Role.CARDHOLDER:
        return actor.person_id in (application.person_id, application.applicant_id)
    if actor.role in (Role.BANK_CLERK, Role.COMMUNITY_CLERK):
        return actor.outlet_id is not None and actor.outlet_id == application.outlet_id
    return actor.role is Role.SYSTEM

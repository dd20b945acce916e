"""What the applications ask of the policy pack in force, in one place.

Every rule of a notice is answered by the engine (``decide``) or read from the pack (pickup
methods, photo sources, message templates); this module only turns its answers into the
platform's one error type and looks up the campaign in force for a person or an employer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sscard.applications.choices import PACK_PHOTO_ORIGINS, PhotoOrigin
from sscard.campaigns.models import Campaign
from sscard.campaigns.selectors import campaign_in_force, campaign_pack, city_of
from sscard.core.errors import ApplicationError
from sscard.notifications.services import message_render
from sscard.policy import Decision, Pack, PersonFacts, evaluate
from sscard.policy.schema import PhotoSource
from sscard.registry.models import Employer, Person


@dataclass(frozen=True, slots=True)
class InForce:
    """The campaign in force for a city and its pack."""

    campaign: Campaign
    pack: Pack


def _in_force(city: str) -> InForce:
    campaign = campaign_in_force(city_code=city) if city else None
    if campaign is None:
        raise ApplicationError(
            "no_campaign_in_force",
            "所在城市没有正在实施的换发政策。",
            "No policy pack is in force for this city.",
            {"city": city},
            status=409,
        )
    return InForce(campaign, campaign_pack(campaign))


def in_force_for_city(city: str) -> InForce:
    return _in_force(city)


def in_force_for_person(person: Person) -> InForce:
    return _in_force(city_of(person))


def in_force_for_employer(employer: Employer) -> InForce:
    district = employer.insured_district
    return _in_force(district[:2] + "0000" if district else "")


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
        raise ApplicationError(
            "photo_source_not_offered",
            f"不能使用该照片来源（可选：{'、'.join(s.title_zh for s in pack.photo_sources)}）。",
            "That photo source is not offered here "
            f"(offered: {', '.join(s.title_en for s in pack.photo_sources)}).",
            {"source": source, "offered": [s.id for s in pack.photo_sources]},
            status=422,
        )
    return PACK_PHOTO_ORIGINS[source]


def pickup_is_postal(pack: Pack, pickup: str) -> bool:
    method = pack.pickup_methods.get(pickup)
    return bool(method and method.postal)


def pickup_needs_backup_centre(pack: Pack, pickup: str) -> bool:
    method = pack.pickup_methods.get(pickup)
    return bool(method and method.backup_centre)


def template_text(pack: Pack, key: str, **values: object) -> str | None:
    """The pack's Chinese template ``key`` filled in and checked (BJ-13); None if it has none."""
    template = pack.templates.get(key)
    if template is None:
        return None
    return message_render(template.text_zh, **values)


def bank_name(pack: Pack, code: str) -> str:
    for bank in pack.banks:
        if bank.code == code:
            return bank.name_zh
    return code


# Which of a pack's fee items apply to an application: making the card (a first card, a
# migration or a replacement), and the post when the card is posted.
_CARD_FEES = frozenset({"production", "replacement"})


def fee_for(pack: Pack, *, pickup: str) -> int:
    """What the holder pays for the card, in fen, under the pack's fees (BJ-12, SH-15)."""
    items = _CARD_FEES | ({"postage"} if pickup_is_postal(pack, pickup) else set())
    return sum(item.amount_fen for item in pack.fees.items if item.id in items)


def postage_for(pack: Pack) -> int:
    """The pack's postage, in fen (BJ-12: free)."""
    return sum(item.amount_fen for item in pack.fees.items if item.id == "postage")

"""What the cards ask of the policy packs: the pack a card was decided under, its pickup
method's activation paths, loss-report terms, and the electronic card rule.

A rule of a notice is read here from the pack, never written as an ``if`` about a city.
"""

from __future__ import annotations

from collections.abc import Iterable

from sscard.campaigns.models import Campaign
from sscard.campaigns.selectors import campaign_pack
from sscard.cards.models import Card
from sscard.network.choices import OutletKind
from sscard.network.models import Outlet
from sscard.policy import Pack
from sscard.policy.schema import PickupMethod

# Every activation path, for a card that was not issued through an application of a pack
# (a card of the earlier generation taken over from the old system).
ALL_PATHS = ("on_site", "online", "issuing_bank_outlet", "community_centre")

PATH_TITLES: dict[str, tuple[str, str]] = {
    "on_site": ("在领卡网点现场", "on site, where the card was handed over"),
    "online": ("线上由持卡人本人", "online, by the holder"),
    "issuing_bank_outlet": ("发卡银行任一服务网点", "at any outlet of the issuing bank"),
    "community_centre": ("社区事务受理中心", "at a community acceptance centre"),
}


def pack_by_hash(pack_hash: str) -> Pack | None:
    """The pack with this content hash, as a campaign put it in force (parsed once)."""
    if not pack_hash:
        return None
    campaign = Campaign.objects.filter(pack_hash=pack_hash).order_by("-pk").first()
    return campaign_pack(campaign) if campaign is not None else None


def packs_by_hash(hashes: Iterable[str]) -> dict[str, Pack]:
    """Many packs by content hash, in one query."""
    wanted = {h for h in hashes if h}
    found: dict[str, Pack] = {}
    for campaign in Campaign.objects.filter(pack_hash__in=wanted).order_by("pk"):
        found[campaign.pack_hash] = campaign_pack(campaign)
    return found


def card_pickup(card: Card) -> PickupMethod | None:
    """The pickup method the card's application chose, as its pack defines it."""
    if card.application is None:
        return None
    pack = pack_by_hash(card.pack_hash)
    if pack is None:
        return None
    return pack.pickup_methods.get(card.application.pickup)


def enable_paths(card: Card) -> tuple[str, ...]:
    """Where the card's social-security function may be enabled (BJ-08, SH-16)."""
    pickup = card_pickup(card)
    return tuple(pickup.enable_ss) if pickup is not None else ALL_PATHS


def financial_paths(card: Card) -> tuple[str, ...]:
    """Where the card's financial function may be activated (BJ-08)."""
    pickup = card_pickup(card)
    return tuple(pickup.activate_financial) if pickup is not None else ALL_PATHS


def financial_enables_ss(card: Card) -> bool:
    """Whether activating the financial function also enables the SS function (the pack's)."""
    pickup = card_pickup(card)
    return bool(pickup is not None and pickup.financial_enables_ss)


def paths_at(outlet: Outlet | None, card: Card) -> set[str]:
    """The activation paths a clerk at ``outlet`` stands on for ``card``."""
    paths: set[str] = set()
    if outlet is None:
        return paths
    if card.handed_over_outlet_id is not None and card.handed_over_outlet_id == outlet.pk:
        paths.add("on_site")
    if outlet.kind == OutletKind.COMMUNITY_CENTRE:
        paths.add("community_centre")
    if outlet.bank is not None and outlet.bank.code == card.bank_code:
        paths.add("issuing_bank_outlet")
    return paths


def paths_text(paths: Iterable[str]) -> tuple[str, str]:
    """The paths in Chinese and in English, for a refusal that says where to go instead."""
    titles = [PATH_TITLES[p] for p in paths if p in PATH_TITLES]
    return "、".join(t[0] for t in titles) or "无", "; ".join(t[1] for t in titles) or "none"

"""Template context of every page: the actor, its role's label and the header's links."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from sscard.core.actors import ROLE_LABELS, Actor
from sscard.core.exports import packs_in_force
from sscard.core.names import english_active
from sscard.portal.navigation import actions_for, current_url
from sscard.portal.selectors import public_directory


def _hotlines(current: Actor | None) -> Callable[[], list[dict[str, str]]]:
    """The hotlines of the packs in force where the actor works (every city's for a visitor),
    for a page that tells whom to call (SH-17); read only by a page that names them."""

    def lines() -> list[dict[str, str]]:
        english = english_active()
        if current is None:
            return [
                {"name": c.name, "phone": c.phone}
                for pack in public_directory(english=english)
                for c in pack.contacts
                if c.kind == "hotline" and c.phone
            ]
        return [
            {"name": name_en if english else name_zh, "phone": phone}
            for stamp in packs_in_force(current)
            for name_zh, name_en, phone in stamp.hotlines
        ]

    return lines


def actor(request: HttpRequest) -> dict[str, object]:
    current: Actor | None = getattr(request, "actor", None)
    if current is None:
        return {
            "actor": None,
            "actor_role_label": None,
            "nav_actions": [],
            "nav_current": None,
            "contact_hotlines": _hotlines(None),
        }
    nav = [a for a in actions_for(current, is_staff=request.user.is_staff) if a.in_header]
    return {
        "actor": current,
        "actor_role_label": ROLE_LABELS.get(current.role),
        "nav_actions": nav,
        "nav_current": current_url(request.path, [a.url for a in nav]),
        "contact_hotlines": _hotlines(current),
    }

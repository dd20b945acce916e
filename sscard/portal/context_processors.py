"""Template context of every page: the actor, its role's label and the header's links."""

from __future__ import annotations

from django.http import HttpRequest

from sscard.core.actors import ROLE_LABELS, Actor
from sscard.portal.navigation import actions_for, current_url


def actor(request: HttpRequest) -> dict[str, object]:
    current: Actor | None = getattr(request, "actor", None)
    if current is None:
        return {"actor": None, "actor_role_label": None, "nav_actions": [], "nav_current": None}
    nav = [a for a in actions_for(current, is_staff=request.user.is_staff) if a.in_header]
    return {
        "actor": current,
        "actor_role_label": ROLE_LABELS.get(current.role),
        "nav_actions": nav,
        "nav_current": current_url(request.path, [a.url for a in nav]),
    }

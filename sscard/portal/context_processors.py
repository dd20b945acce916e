from __future__ import annotations

from django.http import HttpRequest

from sscard.core.actors import ROLE_LABELS


def actor(request: HttpRequest) -> dict[str, object]:
    current = getattr(request, "actor", None)
    return {
        "actor": current,
        "actor_role_label": ROLE_LABELS.get(current.role) if current else None,
    }

"""What the delivery flows share: the clerks' roles, the audit object, the clerk's outlet and
telling holders about their applications' cards. Not services."""

from __future__ import annotations

from collections.abc import Sequence

from sscard.applications.selectors import application_recipients
from sscard.core.actors import Actor, Role
from sscard.core.errors import NotFound, PermissionDenied
from sscard.network.models import Outlet
from sscard.notifications.services import holder_tell
from sscard.policy import Pack

CLERKS = frozenset({Role.BANK_CLERK, Role.COMMUNITY_CLERK})
OBJECT = "delivery.shipment"


def clerk_outlet_or_refuse(actor: Actor) -> Outlet:
    """The outlet (with its bank) of the clerk acting; a clerk's role and outlet are needed."""
    if actor.role not in CLERKS or actor.outlet_id is None:
        raise PermissionDenied("handle cards at an outlet", "在网点办理卡片")
    outlet = Outlet.objects.select_related("bank").filter(pk=actor.outlet_id).first()
    if outlet is None:
        raise NotFound("outlet", what_zh="该网点")
    return outlet


def tell_holders(
    actor: Actor, pack: Pack, template: str, application_ids: Sequence[int], **values: object
) -> int:
    """Tell the holders of these applications' cards with the pack's template, in the caller's
    transaction. A pack without the template costs no look-up of recipients."""
    if template not in pack.templates:
        return 0
    return holder_tell(
        actor=actor,
        pack=pack,
        template_key=template,
        recipients=application_recipients(application_ids),
        **values,
    )

"""The audit trail's actions and object types in words (审计操作名称), for pages and exports.

An event stores its action as a code (``card_enable``); people read the words. Every action a
service writes has its label here — a test reads the services' source for the codes they pass
to ``AuditFact`` and fails on one without a label — so a page never shows a code bare. An event
whose action is unknown here (written by an older or newer version) reads as "Other recorded
action", never as its code.
"""

from __future__ import annotations

from typing import Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTION_LABELS: Final[dict[str, Promise]] = {
    # Registry and keys
    "person.disclosed": _("Record looked up"),
    "import": _("Imported in bulk"),
    "load": _("Loaded from a file"),
    "field_key_rotate": _("Field encryption key rotated"),
    "secret_key_rewrap": _("Stored secret re-wrapped"),
    "field_key_retire": _("Field encryption key retired"),
    "departure_record": _("Death or departure recorded"),
    "departure_reverse": _("Death or departure reversed"),
    "person_correct": _("Record corrected"),
    "card_reissue_flag": _("Card flagged for reissue after a correction"),
    # Notifications
    "message_queue": _("Text message queued"),
    "message_queue_many": _("Text messages queued"),
    "message_stop": _("Queued text messages stopped"),
    "outbox_send": _("Text message send attempt recorded"),
    "reminders_set": _("Reminder preference changed"),
    # Network and bookings
    "slots_publish": _("Time slots published"),
    "slot_capacity_set": _("Time slot capacity changed"),
    "booking_make": _("Visit booked"),
    "booking_cancel": _("Booking cancelled"),
    "booking_move": _("Booking moved"),
    "booking_attend": _("Booked visit attended"),
    "booking_reminders_send": _("Booking reminders sent"),
    # Campaigns
    "put_in_force": _("Policy pack put in force"),
    "withdraw": _("Policy pack withdrawn"),
    "school_notify": _("School notice recorded"),
    "outreach_round_start": _("Reminder round started"),
    "outreach_round_resume": _("Reminder round resumed"),
    "outreach_round_send": _("Reminder round texts sent"),
    "outreach_employer_round": _("Employer roster reminders recorded"),
    "eligible_record": _("Eligible persons recorded"),
    # Applications
    "calendar_year_load": _("Official calendar year loaded"),
    "collective_open": _("Collective application opened"),
    "collective_arrange": _("Collective application arranged"),
    "roster_add": _("Staff added to the roster"),
    "collective_notify": _("Staff invited to confirm"),
    "roster_remind": _("Staff reminded to confirm"),
    "roster_confirm": _("Staff member confirmed the roster entry"),
    "collective_submit": _("Collective application submitted"),
    "photo_store": _("Photo stored"),
    "application_submit": _("Application submitted"),
    "application_cancel": _("Application withdrawn"),
    # Cards
    "authority_create": _("Certificate authority created"),
    "card_order": _("Card ordered"),
    "card_enable": _("Card enabled"),
    "card_invalidate": _("Card invalidated by a newer card"),
    "card_activate_financial": _("Financial function activated"),
    "card_close_financial": _("Financial function closed"),
    "card_replacement_apply": _("Replacement applied for"),
    "card_renewal_apply": _("Renewal applied for"),
    "card_renewal_notices_send": _("Holders told their cards run out"),
    "card_challenge_answer": _("Card authentication answered"),
    "card_report_loss": _("Loss reported"),
    "card_loss_withdraw": _("Loss report withdrawn"),
    "card_password_reset": _("Card password reset at the counter"),
    "card_cancel_departure": _("Card cancelled: the holder died or left"),
    "card_block": _("Card blocked by a mass action"),
    "card_cancel": _("Card cancelled by a mass action"),
    "card_certificate_revoke": _("Card certificate revoked"),
    # Production
    "batch_form": _("Production batch formed"),
    "batch_start": _("Production batch started"),
    "batch_resume": _("Production batch resumed"),
    "cards_personalise": _("Cards personalised"),
    "batch_personalised": _("Batch personalised"),
    "batch_export": _("Card-factory file written"),
    "factory_result_import": _("Card-factory result imported"),
    # Delivery
    "batch_dispatch": _("Batch dispatched"),
    "outlet_receive": _("Cards received at the outlet"),
    "post_event_record": _("Post event recorded"),
    "card_hand_over": _("Card handed over"),
    # Portal
    "account.create": _("Account created"),
    "relying_party.create": _("Relying party created"),
    "relying_party.onboard": _("Relying party onboarded"),
    "api_token.create": _("API token issued"),
    "api_token.revoke": _("API token revoked"),
    # Changes that need a second officer
    "approval_propose": _("Change proposed for approval"),
    "approval_apply": _("Change approved and applied"),
    "approval_reject": _("Change rejected by the checker"),
    "approval_withdraw": _("Proposed change withdrawn"),
    # The trail itself
    "audit.checkpoint": _("Audit checkpoint signed"),
    "audit.chain_keyed": _("Audit chain keyed"),
}

OTHER_ACTION: Final = _("Other recorded action")

OBJECT_LABELS: Final[dict[str, Promise]] = {
    "registry.person": _("Person's record"),
    "registry.employer": _("Employer"),
    "registry.departure": _("Death or departure"),
    "registry.school": _("School"),
    "registry.division": _("Divisions"),
    "registry.fieldkeyretirement": _("Field key"),
    "applications.application": _("Application"),
    "applications.collectiveapplication": _("Collective application"),
    "applications.rosterentry": _("Roster entry"),
    "applications.photo": _("Photo"),
    "calendar_year": _("Calendar year"),
    "card": _("Card"),
    "cards.certificateauthority": _("Certificate authority"),
    "cards.massaction": _("Mass action on cards"),
    "production.batch": _("Production batch"),
    "delivery.shipment": _("Shipment"),
    "network.booking": _("Booking"),
    "network.timeslot": _("Time slot"),
    "network.outlet": _("Outlet"),
    "network.bank": _("Bank"),
    "network.relying_party": _("Relying party"),
    "notifications.outboxmessage": _("Text message"),
    "notifications.reminderoptout": _("Reminder preference"),
    "campaigns.campaign": _("Campaign"),
    "campaigns.outreachround": _("Reminder round"),
    "portal.account": _("Account"),
    "portal.api_token": _("API token"),
    "core.auditcheckpoint": _("Audit checkpoint"),
    "core.auditevent": _("Audit trail"),
    "core.approval": _("Change awaiting approval"),
}

OTHER_OBJECT: Final = _("Other record")


def action_label(action: str) -> str:
    """The action in the language being served; an unknown code reads as "other", not bare."""
    return str(ACTION_LABELS.get(action, OTHER_ACTION))


def object_label(object_type: str) -> str:
    """What kind of record an event is about, in words."""
    return str(OBJECT_LABELS.get(object_type, OTHER_OBJECT))


#: Channels recorded in events beside the policy engine's application channels
#: (``sscard.core.names`` names those): a loss reported by phone, a booking at a counter.
CHANNEL_LABELS: Final[dict[str, Promise]] = {
    "phone": _("By phone"),
    "counter": _("At a counter"),
}

#: Reasons recorded as codes (a replacement's); a reason typed by an officer is shown as typed.
REASON_LABELS: Final[dict[str, Promise]] = {
    "lost": _("The card was lost"),
    "damaged": _("The card was damaged"),
}

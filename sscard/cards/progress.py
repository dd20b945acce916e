"""How far a holder's application and its card have come: one derivation over the card's real
facets, for the holder's pages, the API and the SMS that tell the holder (issue 12, point 3).

Nothing here is stored. An application's record says only whether it is open, cancelled or has
its card ordered; what the holder is told follows the card: "made" once the factory reported
it made (``produced_at``), "in the post" or "on its way to the outlet" only while it is
(``dispatched``), "ready for collection" once the outlet took it in, "handed over" when it was,
and "done" only at the end — in the holder's hands with its social-security function enabled.
The steps a card passes depend on how it reaches its holder (the pack's pickup method's
``handover``): by post, at an outlet, with the bank's visiting team, or made on the spot.

:func:`progress_of` answers the steps with their dates and the current one; the pages draw it,
the API returns it (``ProgressOut``), and :func:`progress_sms` names the pack's SMS template
that tells the holder of the step a card has just reached, so that the text the holder gets and
the page they open say the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from sscard.applications.choices import ApplicationStatus
from sscard.applications.models import Application
from sscard.cards.choices import CardStage
from sscard.cards.models import Card
from sscard.policy import Pack

# The steps, in the order a card may pass them (no card passes all of them).
SUBMITTED = "submitted"
DECIDED = "decided"
ORDERED = "ordered"
MADE = "made"
POSTED = "posted"
TO_OUTLET = "to_outlet"
WITH_TEAM = "with_team"
AT_OUTLET = "at_outlet"
HANDED_OVER = "handed_over"
ENABLED = "enabled"
CANCELLED = "cancelled"

# Where the card is, as far as the holder's steps go (a defective card never reaches anyone).
_REACHED: dict[str, int] = {
    CardStage.ORDERED: 0,
    CardStage.PERSONALISED: 0,
    CardStage.PRODUCED: 1,
    CardStage.DISPATCHED: 2,
    CardStage.AT_OUTLET: 3,
    CardStage.HANDED_OVER: 4,
}

# What the holder reads as the application's status, by its current step.
_STATUS: dict[str, Promise] = {
    SUBMITTED: _("Waiting to be made"),
    DECIDED: _("Waiting to be made"),
    ORDERED: _("Being made"),
    MADE: _("Made, waiting to be sent out"),
    POSTED: _("In the post"),
    TO_OUTLET: _("On its way to the outlet"),
    WITH_TEAM: _("With the bank's visiting team"),
    AT_OUTLET: _("Ready for collection"),
    HANDED_OVER: _("Handed over; not enabled yet"),
    ENABLED: _("Done"),
    CANCELLED: _("Cancelled"),
}


@dataclass(frozen=True, slots=True)
class ProgressStep:
    """One step: its key, what the holder reads, its date (done, or due) and whether it is
    done. ``label`` is lazy: it reads in the language of wherever it is rendered."""

    key: str
    label: Promise
    at: datetime | date | None
    done: bool


@dataclass(frozen=True, slots=True)
class HolderProgress:
    """The steps of one application (or card), the current one and whether all is done."""

    status: str
    status_label: Promise
    done: bool
    steps: tuple[ProgressStep, ...]


def handover_of(pack: Pack | None, pickup: str) -> str:
    """How a card of this pickup method reaches its holder (the pack's ``handover``): ``""``
    where the pack or the method is not known (a card taken over from the old system)."""
    if pack is None:
        return ""
    method = pack.pickup_methods.get(pickup)
    return method.handover if method is not None else ""


def _rerouted(card: Card, handover: str) -> bool:
    """A posted card the post could not deliver: it waits at (or was collected from) the
    backup centre instead (SH-13)."""
    if handover != "post":
        return False
    return card.stage == CardStage.AT_OUTLET or (
        card.stage == CardStage.HANDED_OVER and card.handed_over_outlet_id is not None
    )


def _where(card: Card) -> str:
    outlet = card.pickup_outlet if card.pickup_outlet_id is not None else None
    return outlet.name if outlet is not None else ""


def _application_steps(application: Application) -> list[ProgressStep]:
    return [
        ProgressStep(SUBMITTED, _("Application submitted"), application.submitted_at, True),
        ProgressStep(DECIDED, _("Allowed by the policy"), application.applied_on, True),
    ]


def _made_step(application: Application | None, card: Card | None, reached: int) -> ProgressStep:
    if card is not None and reached >= 1:
        return ProgressStep(MADE, _("Card made"), card.produced_at, True)
    due = application.due_date if application is not None else None
    if application is not None and application.due_date_pending:
        label: Promise = _("Card to be made (due date pending the official calendar)")
    elif due is not None:
        label = format_lazy(_("Card to be made by {due}"), due=due.isoformat())
    else:
        label = _("Card to be made")
    return ProgressStep(MADE, label, None, False)


def _way_steps(card: Card | None, handover: str, reached: int) -> list[ProgressStep]:
    """The steps between "made" and "handed over", as the card travels."""
    sent = card.dispatched_at if card is not None else None
    if handover == "post":
        steps = [ProgressStep(POSTED, _("Posted"), sent, reached >= 2)]
        if card is not None and _rerouted(card, handover):
            where = _where(card)
            label = (
                format_lazy(_("Not delivered; waiting at {outlet}"), outlet=where)
                if where
                else _("Not delivered; waiting at the backup centre")
            )
            steps.append(ProgressStep(AT_OUTLET, label, card.arrived_at, True))
        return steps
    if handover == "visit":
        return [ProgressStep(WITH_TEAM, _("With the bank's visiting team"), sent, reached >= 2)]
    if handover == "outlet":
        where = _where(card) if card is not None else ""
        ready = (
            format_lazy(_("Ready for collection at {outlet}"), outlet=where)
            if where
            else _("Ready for collection at the outlet")
        )
        arrived = card.arrived_at if card is not None else None
        return [
            ProgressStep(TO_OUTLET, _("Sent to the outlet"), sent, reached >= 2),
            ProgressStep(AT_OUTLET, ready, arrived, reached >= 3),
        ]
    return []  # made on the spot, or a card of the old system: no way to go


def _in_hands_steps(card: Card | None, handover: str, reached: int) -> list[ProgressStep]:
    delivered = (
        handover == "post" and card is not None and not _rerouted(card, handover) and reached >= 4
    )
    handed = _("Delivered") if delivered else _("Card handed over")
    return [
        ProgressStep(
            HANDED_OVER, handed, card.handed_over_at if card is not None else None, reached >= 4
        ),
        ProgressStep(
            ENABLED,
            _("Social-security function enabled"),
            card.enabled_at if card is not None else None,
            card is not None and card.enabled_at is not None,
        ),
    ]


def progress_of(
    *, application: Application | None, card: Card | None, pack: Pack | None
) -> HolderProgress:
    """The steps of ``application`` and its card (or of a card alone), from their facets.

    ``card`` is the application's good card (a remake where the first was defective), None
    before it is ordered; ``pack`` the one the application (or card) was decided under.
    """
    pickup = application.pickup if application is not None else ""
    handover = handover_of(pack, pickup)
    reached = _REACHED.get(card.stage, -1) if card is not None else -1
    steps: list[ProgressStep] = []
    if application is not None:
        steps += _application_steps(application)
        if application.status == ApplicationStatus.CANCELLED and card is None:
            steps.append(ProgressStep(CANCELLED, _("Cancelled"), None, True))
            return _answer(steps, cancelled=True)
    ordered_on = card.issued_on if card is not None else None
    steps.append(ProgressStep(ORDERED, _("Card ordered"), ordered_on, card is not None))
    steps.append(_made_step(application, card, reached))
    steps += _way_steps(card, handover, reached)
    steps += _in_hands_steps(card, handover, reached)
    return _answer(steps)


def _answer(steps: list[ProgressStep], *, cancelled: bool = False) -> HolderProgress:
    done = [s for s in steps if s.done]
    current = done[-1].key if done else SUBMITTED
    return HolderProgress(
        status=current,
        status_label=_STATUS[current],
        done=not cancelled and current == ENABLED and all(s.done for s in steps),
        steps=tuple(steps),
    )


# --------------------------------------------------------------------------------------------
# The SMS of a step: which of the pack's templates tells the holder a card has reached it
# --------------------------------------------------------------------------------------------


def progress_sms(
    *, pack: Pack, pickup: str, action: str, step: str, rerouted: bool = False
) -> str | None:
    """The pack's template that tells the holder their card has reached ``step`` (None when
    the step tells nobody, or the pack has no such text):

    * ``submitted`` (and ``decided``, the same moment): the application was received
      (``application_received``);
    * ``posted``: the card is in the post, by its pickup method's text (``card_posted``);
    * ``at_outlet``: ready for collection, by its pickup method's text (``card_ready``), a
      replacement's own where the pack has one (``replacement_ready``, BJ-11); a posted card
      the post could not deliver waits at the backup centre (``undeliverable``, SH-13).
    """
    method = pack.pickup_methods.get(pickup)
    handover = method.handover if method is not None else ""
    key: str | None = None
    if step in (SUBMITTED, DECIDED):
        key = "application_received"
    elif step == POSTED and handover == "post":
        key = method.notify if method is not None else None
    elif step == AT_OUTLET and rerouted:
        key = "undeliverable"
    elif step == AT_OUTLET and handover == "outlet":
        replacing = action.startswith("replace") and "replacement_ready" in pack.templates
        key = "replacement_ready" if replacing else (method.notify if method else None)
    return key if key is not None and key in pack.templates else None

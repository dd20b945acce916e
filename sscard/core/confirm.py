"""The confirmation step of a page action that cannot be taken back (a loss report, its
withdrawal, a cancellation, a bulk remake).

The button posts as it always did; without ``confirm=1`` the view does nothing yet and draws the
question in its place (``core/includes/confirm.html``), with a second form that posts the same
fields again with ``confirm=1``, and a way back. Two plain POSTs: it works without JavaScript,
and with htmx the question replaces the row or card the button sat in. The API twin of an
action acts at once: its caller has already decided.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

CONFIRM_FIELD = "confirm"


def confirmed(request: HttpRequest) -> bool:
    """Whether the POST is the answer to the question (``confirm=1``)."""
    return request.POST.get(CONFIRM_FIELD) == "1"


@dataclass(frozen=True, slots=True)
class ConfirmStep:
    """The question asked before ``action``, and the two ways on.

    ``url`` and ``target`` are the action's own (the form and the htmx swap of its button);
    ``fields`` are posted again with ``confirm=1``. ``back_url`` is where "Cancel" goes: a
    link (``back_fields`` empty) or, with ``back_fields``, a POST that redraws what was there
    (the counter serves the same holder again) into ``back_target``.
    """

    action: str
    question: str
    button: str
    url: str
    target: str
    back_url: str
    fields: tuple[tuple[str, str], ...] = ()
    back_fields: tuple[tuple[str, str], ...] = ()
    back_target: str = ""

"""Background work of the cards: applying an approved mass action in chunks.

A Celery worker runs it in production; the embedded server runs it in its own pool of threads
(``sscard.core.background``). Either way it is the same service function.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(  # type: ignore[untyped-decorator]  # celery ships no type hints
    name="sscard.cards.mass_action", ignore_result=True, acks_late=True
)
def mass_action_task(job_id: int) -> str:
    """Apply the chunks of an approved mass action (its job records how far and how)."""
    from sscard.cards.services.mass import mass_action_job_run

    return str(mass_action_job_run(job_id=job_id).status)


@shared_task(  # type: ignore[untyped-decorator]  # celery ships no type hints
    name="sscard.cards.renewal_notices", ignore_result=True
)
def renewal_notices() -> int:
    """The daily sweep (``card-renewal-notices`` in the beat schedule): tell each holder whose
    card runs out within the pack's notice period, once; answer how many texts were queued."""
    from sscard.cards.services.expiry import SWEEP_ACTOR, card_renewal_notices_send
    from sscard.core.clock import today

    return card_renewal_notices_send(actor=SWEEP_ACTOR, today=today()).queued

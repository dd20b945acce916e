"""Writes of the applications, one module per flow: card photos (``photos``), individual
applications (``application``), collective applications and their rosters (``collective``),
and the official calendar's years (``calendar``). Reads are in ``applications.selectors``.

Only the services and their result types are exported here; the steps the flows share
(``common``) run inside their caller's transaction and are not services.
"""

from sscard.applications.services.application import (
    SubmitRequest,
    application_cancel,
    application_submit,
    application_submit_many,
)
from sscard.applications.services.calendar import CalendarLoadResult, calendar_year_load
from sscard.applications.services.collective import (
    ConfirmRequest,
    RosterResult,
    SubmitResult,
    collective_arrange,
    collective_notify,
    collective_open,
    collective_submit,
    roster_add_staff,
    roster_confirm,
    roster_confirm_many,
    roster_remind,
    roster_upload,
    roster_upload_file,
)
from sscard.applications.services.photos import photo_from_source, photo_store

__all__ = [
    "CalendarLoadResult",
    "ConfirmRequest",
    "RosterResult",
    "SubmitRequest",
    "SubmitResult",
    "application_cancel",
    "application_submit",
    "application_submit_many",
    "calendar_year_load",
    "collective_arrange",
    "collective_notify",
    "collective_open",
    "collective_submit",
    "photo_from_source",
    "photo_store",
    "roster_add_staff",
    "roster_confirm",
    "roster_confirm_many",
    "roster_remind",
    "roster_upload",
    "roster_upload_file",
]

"""Writes of the applications, one module per flow: card photos (``photos``), individual
applications (``application``), collective applications and their rosters (``collective``),
and the official calendar's years (``calendar``). Reads are in ``applications.selectors``.

Only the services and their result types are exported here; the steps the flows share
(``common``) run inside their caller's transaction and are not services.
"""

from sscard.applications.services.application import application_cancel, application_submit
from sscard.applications.services.calendar import CalendarLoadResult, calendar_year_load
from sscard.applications.services.collective import (
    RosterResult,
    SubmitResult,
    collective_arrange,
    collective_notify,
    collective_open,
    collective_submit,
    roster_add_staff,
    roster_confirm,
    roster_remind,
    roster_upload,
    roster_upload_file,
)
from sscard.applications.services.photos import photo_from_source, photo_store

__all__ = [
    "CalendarLoadResult",
    "RosterResult",
    "SubmitResult",
    "application_cancel",
    "application_submit",
    "calendar_year_load",
    "collective_arrange",
    "collective_notify",
    "collective_open",
    "collective_submit",
    "photo_from_source",
    "photo_store",
    "roster_add_staff",
    "roster_confirm",
    "roster_remind",
    "roster_upload",
    "roster_upload_file",
]

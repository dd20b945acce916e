"""Reads of the portal: who a bearer token is, the caller's tokens, import jobs, and who
looked at the holder's record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import overload

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models import QuerySet

from sscard.campaigns.selectors import packs_in_force
from sscard.core.actors import ROLE_LABELS, Actor, Role
from sscard.core.errors import NotFound, PermissionDenied
from sscard.core.models import AuditEvent, ImportJob
from sscard.network.models import Outlet
from sscard.portal.models import Account, ApiToken
from sscard.portal.services import TOKEN_PREFIX, token_digest
from sscard.registry.choices import DisclosedField, DisclosurePurpose
from sscard.registry.services import DISCLOSED, PERSON_OBJECT


def api_token_actor(plaintext: str, *, using: str = DEFAULT_DB_ALIAS) -> Actor | None:
    """The actor a bearer token speaks for, or ``None`` for an unknown or revoked token (read
    from the database ``using``: a replica while the primary is down)."""
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    token = (
        ApiToken.objects.using(using)
        .select_related("account__user")
        .filter(digest=token_digest(plaintext), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.account.user.is_active:
        return None
    return token.account.actor()


def account_get(*, actor: Actor) -> Account:
    """The caller's own account."""
    found = (
        Account.objects.select_related("user").filter(user_id=actor.user_id).first()
        if actor.user_id is not None
        else None
    )
    if found is None:
        raise NotFound("account", what_zh="该账号")
    return found


def api_token_list(*, actor: Actor) -> QuerySet[ApiToken]:
    """The tokens of the caller's own account, newest first."""
    if actor.user_id is None:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(account__user_id=actor.user_id).order_by("-created_at", "-pk")


def import_job_list(*, actor: Actor) -> QuerySet[ImportJob]:
    """Import jobs, newest first; only roles that may import see them."""
    if not actor.may_import:
        raise PermissionDenied("see import jobs", "查看导入任务")
    return ImportJob.objects.order_by("-started_at", "-pk")


def import_job_get(*, actor: Actor, job_id: int) -> ImportJob:
    found = import_job_list(actor=actor).filter(pk=job_id).first() if actor.may_import else None
    if found is None:
        raise NotFound("import job", what_zh="该导入任务")
    return found


def import_job_report(*, actor: Actor, job_id: int) -> tuple[ImportJob, Path]:
    """A job and the path of its error report, which must lie in the reports directory."""
    job = import_job_get(actor=actor, job_id=job_id)
    reports = Path(settings.SSCARD_REPORTS_DIR).resolve()
    path = Path(job.report_path).resolve() if job.report_path else None
    if path is None or not path.is_relative_to(reports) or not path.is_file():
        raise NotFound("error report", what_zh="该错误报告")
    return job, path


# --------------------------------------------------------------------------------------------
# Who looked at my record (谁查看了我的信息)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccessEvent:
    """One look at the holder's record by someone else, as the holder reads it: names, never
    codes, and not the clerk's own account name."""

    at: datetime
    role: str
    role_label: str
    outlet_name: str
    bank_name: str
    purpose: str
    purpose_label: str
    fields: list[str]
    field_labels: list[str]


def access_event_list(*, actor: Actor) -> QuerySet[AuditEvent]:
    """The access events of the signed-in holder's own record, newest first (through the
    audit trail's object index); nobody else's."""
    if actor.role is not Role.CARDHOLDER or actor.person_id is None:
        raise PermissionDenied("see who looked at a record", "查看他人对个人信息的查询记录")
    return AuditEvent.objects.filter(
        object_type=PERSON_OBJECT, object_id=str(actor.person_id), action=DISCLOSED
    ).order_by("-at", "-pk")


def _label(choices: type[DisclosedField] | type[DisclosurePurpose], value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def access_events_named(events: Iterable[AuditEvent], *, english: bool) -> list[AccessEvent]:
    """The events with the names of their outlets and banks (one query for all of them)."""
    rows = list(events)
    outlet_ids = {e.changes.get("outlet_id") for e in rows} - {None}
    outlets = Outlet.objects.select_related("bank").in_bulk(list(outlet_ids))
    described = []
    for event in rows:
        outlet = outlets.get(event.changes.get("outlet_id"))
        bank = outlet.bank if outlet is not None else None
        role = Role(event.actor_role)
        purpose = str(event.changes.get("purpose", ""))
        fields = [str(f) for f in event.changes.get("fields", [])]
        described.append(
            AccessEvent(
                at=event.at,
                role=role.value,
                role_label=str(ROLE_LABELS[role]),
                outlet_name=outlet.name if outlet is not None else "",
                bank_name=(bank.name_en if english else bank.name_zh) if bank is not None else "",
                purpose=purpose,
                purpose_label=_label(DisclosurePurpose, purpose),
                fields=fields,
                field_labels=[_label(DisclosedField, f) for f in fields],
            )
        )
    return described


class AccessEventPages(Sequence[AccessEvent]):
    """The holder's access events as a sequence a paginator slices: only the rows of the page
    asked for are read and named."""

    def __init__(self, events: QuerySet[AuditEvent], *, english: bool) -> None:
        self._events = events
        self._english = english

    def __len__(self) -> int:
        return self._events.count()

    @overload
    def __getitem__(self, index: int) -> AccessEvent: ...

    @overload
    def __getitem__(self, index: slice) -> list[AccessEvent]: ...

    def __getitem__(self, index: int | slice) -> AccessEvent | list[AccessEvent]:
        if isinstance(index, slice):
            return access_events_named(self._events[index], english=self._english)
        return access_events_named([self._events[index]], english=self._english)[0]


@dataclass(frozen=True, slots=True)
class ContactLine:
    """One entry of a pack's contact directory, in the page's language."""

    name: str
    what: str
    phone: str = ""
    url: str = ""
    # "Each bank's hotline": the pack's banks and their numbers, as the directory means them.
    banks: tuple[tuple[str, str], ...] = ()
    kind: str = ""

    @property
    def href(self) -> str:
        return self.url if "://" in self.url else f"https://{self.url}"


@dataclass(frozen=True, slots=True)
class InForce:
    """A city's campaign in force as the home pages tell it: its title and whom to ask."""

    title: str
    contacts: tuple[ContactLine, ...]


def public_directory(*, english: bool) -> list[InForce]:
    """What each city's pack in force is called and its contact directory, for the home pages
    (the platform's own words, never a number typed into a template)."""
    directory = []
    for pack in packs_in_force():
        banks = tuple(
            (bank.name_en if english else bank.name_zh, bank.hotline)
            for bank in pack.banks
            if bank.hotline
        )
        contacts = tuple(
            ContactLine(
                name=contact.name_en if english else contact.name_zh,
                what=contact.what_en if english else contact.what_zh,
                phone=contact.phone or "",
                url=contact.url or "",
                banks=banks if contact.kind == "bank_hotlines" else (),
                kind=contact.kind,
            )
            for contact in pack.contacts
        )
        directory.append(InForce(pack.title_en if english else pack.title, contacts))
    return directory

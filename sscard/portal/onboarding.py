"""Bulk onboarding of relying parties (SH-03): hospitals, pharmacies, transport operators and
bank terminals, each registered with its own API account and its own token.

A file (CSV or XLSX, columns ``PARTY_COLUMNS``) is read through the import machinery's table
reader, so it is refused as a whole for the same reasons as any import (encoding, broken CSV,
formulas, merged cells, header). Unlike the registry's imports, which commit chunk by chunk
off the request, onboarding is **all or nothing, in the caller**: every row is checked first;
one refused row refuses the file with every row's error listed, and nothing is written. The
rows then go in with one transaction, so a stopped run leaves nothing to resume and running it
again starts over. The reason is the tokens: each new party's token is handed back once, to
whoever ran the import, and never stored in the clear (only its SM3 digest is kept) — a token
issued by a job running off the request could reach no one. A city's parties are thousands of
rows, not millions (``MAX_ROWS``).

Keyed by the party's code: a row whose party is already registered with the same content is
*unchanged* (no new token; importing a file twice changes nothing), one registered with other
content is refused (``relying_party_code_exists``).
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from sscard.core.actors import Actor, Role
from sscard.core.audit import AuditFact, audit_append
from sscard.core.errors import PermissionDenied
from sscard.core.locks import serialise
from sscard.core.prepare import RowError
from sscard.core.scope import city_prefix
from sscard.core.tables import check_header, check_whole_file, open_table
from sscard.core.uploads import spooled_upload
from sscard.network.choices import RelyingPartyKind
from sscard.network.errors import NetworkErrorCode
from sscard.network.models import RelyingParty
from sscard.portal.errors import PortalErrorCode
from sscard.portal.models import Account, ApiToken
from sscard.portal.services import TOKEN_PREFIX, token_digest
from sscard.registry.choices import DivisionLevel
from sscard.registry.errors import RegistryErrorCode
from sscard.registry.models import Division

PARTY_COLUMNS = ("party_code", "name", "kind", "district", "contact")
PARTY_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
KINDS = tuple(RelyingPartyKind.values)
MAX_ROWS = 20_000
ROW_ERRORS_SHOWN = 500
"""At most this many row errors travel back with a refusal (the count says how many rows)."""
ONBOARDERS = frozenset({Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM})
ACCOUNT_PREFIX = "rp-"


def may_onboard_parties(actor: Actor) -> bool:
    """Whether the actor may onboard relying parties (the page shows its form only then): the
    city's officers for the city, a district officer for their own district."""
    return actor.role in ONBOARDERS


def party_username(code: str) -> str:
    """The sign-in name of a party's API account (it never signs in with a password)."""
    return ACCOUNT_PREFIX + code


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A party registered by the file and the token issued for it (shown once)."""

    code: str
    name: str
    kind: str
    district: str
    username: str
    token: str

    def __repr__(self) -> str:  # never a token in a log or a traceback
        return f"IssuedToken(code={self.code!r})"


@dataclass(frozen=True, slots=True)
class Onboarding:
    """What a file did: how many rows, the parties it registered (with their tokens, which exist
    nowhere else) and how many rows were already registered as they are."""

    rows: int
    issued: tuple[IssuedToken, ...]
    unchanged: int


@dataclass(frozen=True, slots=True)
class _Row:
    number: int
    code: str
    name: str
    kind: str
    district: str
    contact: str


def _read(path: Path) -> list[_Row]:
    """Every row of the file, its cells in ``PARTY_COLUMNS`` order; ``FileRefused`` for a file
    that cannot be read as a whole, ``relying_parties_too_many`` beyond ``MAX_ROWS``."""
    check_whole_file(path)
    stream = open_table(path)
    try:
        positions = check_header(stream.header, PARTY_COLUMNS)
        rows: list[_Row] = []
        for number, cells in stream.rows:
            if not any(c.strip() for c in cells):
                continue
            if len(rows) == MAX_ROWS:
                raise PortalErrorCode.RELYING_PARTIES_TOO_MANY.error_with(
                    {"limit": MAX_ROWS}, limit=MAX_ROWS
                )
            values = [
                cells[positions[c]].strip() if positions[c] < len(cells) else ""
                for c in PARTY_COLUMNS
            ]
            rows.append(_Row(number, *values))
    finally:
        with contextlib.suppress(Exception):
            stream.rows.close()  # type: ignore[attr-defined]
    return rows


def _districts(actor: Actor) -> frozenset[str]:
    """The districts the actor may register parties in."""
    districts = Division.objects.filter(level=DivisionLevel.DISTRICT, abolished=False)
    if actor.role is Role.DISTRICT_OFFICER:
        districts = districts.filter(code=actor.district_code or "")
    elif prefix := city_prefix(actor):
        districts = districts.filter(code__startswith=prefix)
    return frozenset(districts.values_list("code", flat=True))


def _row_errors(
    row: _Row, *, known: frozenset[str], mine: frozenset[str], seen: set[str]
) -> list[RowError]:
    """Every error of one row, one per faulty cell."""
    problems = []
    number = row.number
    if not PARTY_CODE.fullmatch(row.code):
        problems.append(NetworkErrorCode.RELYING_PARTY_CODE_INVALID.at(number, "party_code"))
    elif row.code in seen:
        problems.append(
            NetworkErrorCode.RELYING_PARTY_CODE_DUPLICATE_IN_FILE.at(number, "party_code")
        )
    if not row.name or len(row.name) > 200:
        problems.append(RegistryErrorCode.NAME_INVALID.at(number, "name"))
    if row.kind not in KINDS:
        problems.append(
            NetworkErrorCode.RELYING_PARTY_KIND_INVALID.at(number, "kind", kinds=list(KINDS))
        )
    if row.district not in known:
        problems.append(RegistryErrorCode.DISTRICT_UNKNOWN.at(number, "district"))
    elif row.district not in mine:
        problems.append(NetworkErrorCode.RELYING_PARTY_DISTRICT_NOT_YOURS.at(number, "district"))
    if len(row.contact) > 100:
        problems.append(NetworkErrorCode.CONTACT_INVALID.at(number, "contact"))
    return problems


def _same(party: RelyingParty, row: _Row) -> bool:
    return (party.name, party.kind, party.district, party.contact) == (
        row.name,
        row.kind,
        row.district,
        row.contact,
    )


def _refuse(errors: Sequence[RowError], rows: int) -> None:
    raise PortalErrorCode.RELYING_PARTIES_REFUSED.error_with(
        {"count": rows},
        rows_refused=rows,
        errors=[
            {
                "row": e.row,
                "column": e.column,
                "code": e.code,
                "message_zh": e.message_zh,
                "message_en": e.message_en,
            }
            for e in errors[:ROW_ERRORS_SHOWN]
        ],
    )


def relying_parties_onboard(*, actor: Actor, path: Path, file_name: str) -> Onboarding:
    """Register the relying parties of a file, each with its API account and its own token;
    all or nothing (see the module's docstring). The tokens are in the answer and nowhere
    else."""
    if not may_onboard_parties(actor):
        raise PermissionDenied("onboard relying parties", "批量登记用卡机构")
    rows = _read(path)
    try:
        return _onboard(actor=actor, rows=rows, file_name=file_name)
    except IntegrityError as exc:
        # A code or account name registered by a concurrent import after our checks.
        raise PortalErrorCode.RELYING_PARTIES_CONFLICT.error() from exc


def _onboard(*, actor: Actor, rows: list[_Row], file_name: str) -> Onboarding:
    user_model = get_user_model()
    mine = _districts(actor)
    with transaction.atomic():
        # Onboardings queue: a concurrent file sharing codes is read whole after it commits
        # (its rows unchanged), never half-seen (sscard.core.locks).
        serialise("network.relying_party.onboard")
        codes = [r.code for r in rows]
        known = frozenset(
            Division.objects.filter(level=DivisionLevel.DISTRICT, abolished=False)
            .filter(code__in={r.district for r in rows})
            .values_list("code", flat=True)
        )
        stored = {
            p.code: p
            for p in RelyingParty.objects.select_for_update().filter(code__in=codes).order_by("pk")
        }
        taken = set(
            user_model._default_manager.filter(
                username__in=[party_username(c) for c in codes]
            ).values_list("username", flat=True)
        )
        errors: list[RowError] = []
        refused = 0
        fresh: list[_Row] = []
        unchanged = 0
        seen: set[str] = set()
        for row in rows:
            problems = _row_errors(row, known=known, mine=mine, seen=seen)
            seen.add(row.code)
            party = stored.get(row.code)
            if not problems and party is not None and not _same(party, row):
                problems.append(
                    NetworkErrorCode.RELYING_PARTY_CODE_EXISTS.at(row.number, "party_code")
                )
            if not problems and party is None and party_username(row.code) in taken:
                problems.append(
                    NetworkErrorCode.RELYING_PARTY_ACCOUNT_TAKEN.at(row.number, "party_code")
                )
            if problems:
                errors.extend(problems)
                refused += 1
            elif party is not None:
                unchanged += 1
            else:
                fresh.append(row)
        if errors:
            _refuse(errors, refused)
        issued = _write(actor=actor, rows=fresh)
        if issued:
            audit_append(
                actor=actor,
                fact=AuditFact(
                    action="relying_party.onboard",
                    object_type="network.relying_party",
                    object_id=file_name[:100],
                    changes={
                        "created": [t.code for t in issued],
                        "unchanged": unchanged,
                        "tokens": len(issued),
                    },
                ),
            )
    return Onboarding(rows=len(rows), issued=tuple(issued), unchanged=unchanged)


def _write(*, actor: Actor, rows: list[_Row]) -> list[IssuedToken]:
    """The parties, their accounts (no password: a party signs in with its token only) and a
    token each; a handful of statements whatever the number of rows."""
    if not rows:
        return []
    now = timezone.now()
    user_model = get_user_model()
    parties = RelyingParty.objects.bulk_create(
        [
            RelyingParty(
                code=r.code,
                name=r.name,
                kind=r.kind,
                district=r.district,
                contact=r.contact,
                onboarded_at=now,
            )
            for r in rows
        ]
    )
    if any(p.pk is None for p in parties):  # a backend that does not return keys
        by_code = dict(
            RelyingParty.objects.filter(code__in=[r.code for r in rows]).values_list("code", "pk")
        )
        for party in parties:
            party.pk = by_code[party.code]
    users = []
    for row in rows:
        user = user_model(username=party_username(row.code))
        user.set_unusable_password()
        users.append(user)
    user_model._default_manager.bulk_create(users)
    user_ids = dict(
        user_model._default_manager.filter(
            username__in=[party_username(r.code) for r in rows]
        ).values_list("username", "pk")
    )
    accounts = Account.objects.bulk_create(
        [
            Account(
                user_id=user_ids[party_username(p.code)],
                role=Role.RELYING_PARTY.value,
                city_code=actor.city_code or "",
                relying_party_id=p.pk,
            )
            for p in parties
        ]
    )
    if any(a.pk is None for a in accounts):
        by_party = dict(
            Account.objects.filter(relying_party_id__in=[p.pk for p in parties]).values_list(
                "relying_party_id", "pk"
            )
        )
        for account in accounts:
            account.pk = by_party[account.relying_party_id or 0]
    plaintexts = [TOKEN_PREFIX + secrets.token_urlsafe(32) for _ in rows]
    ApiToken.objects.bulk_create(
        [
            ApiToken(
                account_id=account.pk,
                name="onboarding",
                digest=token_digest(plaintext),
                prefix=plaintext[:8],
            )
            for account, plaintext in zip(accounts, plaintexts, strict=True)
        ]
    )
    return [
        IssuedToken(
            code=r.code,
            name=r.name,
            kind=r.kind,
            district=r.district,
            username=party_username(r.code),
            token=plaintext,
        )
        for r, plaintext in zip(rows, plaintexts, strict=True)
    ]


def relying_parties_upload(*, actor: Actor, upload: UploadedFile[bytes]) -> Onboarding:
    """Onboard the parties of an uploaded file (the page and the API): the file waits in the
    uploads folder only while it is read, and is removed however the onboarding ends."""
    if not may_onboard_parties(actor):
        raise PermissionDenied("onboard relying parties", "批量登记用卡机构")
    with spooled_upload(upload, prefix="parties") as (path, name):
        return relying_parties_onboard(actor=actor, path=path, file_name=name)

"""Writes of the portal: accounts and their scope, API tokens, demo accounts, file uploads."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from sscard.cards.departure_import import DepartureDestinationSpec, departure_spec
from sscard.cards.legacy import LegacyCardSpec, legacy_card_spec
from sscard.core import background
from sscard.core.actors import ROLE_LABELS, Actor, Role
from sscard.core.audit import AuditFact, audit_append
from sscard.core.bulk import ImportSpec, import_jobs_recover, import_queue, import_run
from sscard.core.errors import ApplicationError, NotFound, PermissionDenied
from sscard.core.models import ImportJob
from sscard.core.uploads import spool_remove, spool_upload
from sscard.kernel.gm import sm3
from sscard.network.choices import OutletKind, RelyingPartyKind
from sscard.network.imports import OutletSpec
from sscard.network.models import Outlet, RelyingParty
from sscard.network.selectors import outlet_first, relying_party_first_hospital
from sscard.portal.errors import PortalErrorCode
from sscard.portal.models import Account, ApiToken
from sscard.registry.choices import DivisionLevel
from sscard.registry.errors import RegistryErrorCode
from sscard.registry.imports import EmployerSpec, PersonSpec, SchoolSpec, school_spec
from sscard.registry.models import Division, Employer, Person
from sscard.registry.selectors import employer_first_with_staff, person_list

TOKEN_PREFIX = "sst_"  # noqa: S105 - marks our tokens in logs and secret scanners
ACCOUNT_ADMIN_ROLES = frozenset({Role.CITY_OFFICER, Role.SYSTEM})

# What each role is bound to; ``city_code`` may accompany any role.
ROLE_SCOPE: dict[Role, frozenset[str]] = {
    Role.CITY_OFFICER: frozenset(),
    Role.DISTRICT_OFFICER: frozenset({"district_code"}),
    Role.EMPLOYER_HR: frozenset({"employer_id"}),
    Role.BANK_CLERK: frozenset({"outlet_id"}),
    Role.COMMUNITY_CLERK: frozenset({"outlet_id"}),
    Role.PRODUCTION_OPERATOR: frozenset(),
    Role.CARDHOLDER: frozenset({"person_id"}),
    Role.RELYING_PARTY: frozenset({"relying_party_id"}),
    Role.POST: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Scope:
    """What an account is bound to; which of these a role needs is ``ROLE_SCOPE``."""

    district_code: str = ""
    employer_id: int | None = None
    outlet_id: int | None = None
    person_id: int | None = None
    relying_party_id: int | None = None

    def given(self) -> set[str]:
        return {f.name for f in fields(self) if getattr(self, f.name) not in (None, "")}

    def audit(self) -> dict[str, str | int]:
        return {name: getattr(self, name) for name in sorted(self.given())}

    def columns(self) -> dict[str, str | int | None]:
        """Every field, given or not, as the account stores it."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _exists(model: type[Employer | Person | RelyingParty], pk: int | None) -> bool:
    return pk is not None and model._default_manager.filter(pk=pk).exists()


def _missing_target(role: Role, scope: Scope) -> str | None:
    """The scope field that names nothing real, if any (the outlet's kind is checked too)."""
    if role is Role.DISTRICT_OFFICER:
        district = Division.objects.filter(
            code=scope.district_code, level=DivisionLevel.DISTRICT, abolished=False
        )
        return None if district.exists() else "district_code"
    if role is Role.EMPLOYER_HR:
        return None if _exists(Employer, scope.employer_id) else "employer_id"
    if role is Role.CARDHOLDER:
        return None if _exists(Person, scope.person_id) else "person_id"
    if role is Role.RELYING_PARTY:
        return None if _exists(RelyingParty, scope.relying_party_id) else "relying_party_id"
    if role in (Role.BANK_CLERK, Role.COMMUNITY_CLERK):
        outlet = (
            Outlet.objects.filter(pk=scope.outlet_id).only("kind", "bank_id").first()
            if scope.outlet_id is not None
            else None
        )
        if outlet is None:
            return "outlet_id"
        if (role is Role.BANK_CLERK and outlet.bank_id is None) or (
            role is Role.COMMUNITY_CLERK and outlet.kind != OutletKind.COMMUNITY_CENTRE
        ):
            raise PortalErrorCode.OUTLET_KIND_MISMATCH.error(
                role=role.value, outlet_kind=outlet.kind
            )
    return None


def _check_scope(role: Role, scope: Scope) -> None:
    """Refuse a scope that does not fit the role, or that names nothing real."""
    given = scope.given()
    needed = ROLE_SCOPE[role]
    if missing := sorted(needed - given):
        raise PortalErrorCode.SCOPE_MISSING.error(role=role.value, missing=missing)
    if extra := sorted(given - needed):
        raise PortalErrorCode.SCOPE_NOT_ALLOWED.error(role=role.value, extra=extra)
    if unknown := _missing_target(role, scope):
        raise PortalErrorCode.SCOPE_NOT_FOUND.error(field=unknown)


def account_create(
    *,
    actor: Actor,
    username: str,
    password: str,
    role: str,
    city_code: str = "",
    district_code: str = "",
    employer_id: int | None = None,
    outlet_id: int | None = None,
    person_id: int | None = None,
    relying_party_id: int | None = None,
) -> Account:
    """Create a sign-in user and its account, bound to the scope its role needs."""
    if actor.role not in ACCOUNT_ADMIN_ROLES:
        raise PermissionDenied("create accounts", "创建账号")
    parsed_role = _role_or_refuse(role)
    scope = Scope(
        district_code=district_code,
        employer_id=employer_id,
        outlet_id=outlet_id,
        person_id=person_id,
        relying_party_id=relying_party_id,
    )
    with transaction.atomic():
        _check_scope(parsed_role, scope)
        user = _user_create_in_transaction(username=username, password=password)
        account = Account.objects.create(
            user=user, role=parsed_role.value, city_code=city_code, **scope.columns()
        )
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="account.create",
                object_type="portal.account",
                object_id=str(account.pk),
                changes={"username": username, "role": parsed_role.value, **scope.audit()},
            ),
        )
    return account


def _role_or_refuse(role: str) -> Role:
    """The role an account may have, or ``role_unknown``."""
    try:
        parsed = Role(role)
    except ValueError:
        parsed = Role.SYSTEM
    if parsed not in ROLE_SCOPE:
        raise PortalErrorCode.ROLE_UNKNOWN.error(role=role)
    return parsed


def _user_create_in_transaction(*, username: str, password: str) -> User:
    """The sign-in user; ``username_taken`` or ``password_invalid`` refuse it."""
    user_model = get_user_model()
    if user_model._default_manager.filter(username=username).exists():
        raise PortalErrorCode.USERNAME_TAKEN.error(username=username)
    user = user_model(username=username)
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise PortalErrorCode.PASSWORD_INVALID.error(
            reasons=[str(m) for m in exc.messages]
        ) from exc
    user.set_password(password)
    user.save()
    return user


def _demo_username(role: Role) -> str:
    return "demo-" + role.value.replace("_", "-")


def demo_password(role: Role) -> str:
    """A demo account's password: the same on every run, so a rerun prints what still signs
    in, and nothing like its username (a password similar to the user's names is refused)."""
    return "card-" + sm3(f"sscard demo {role.value}".encode()).hex()[:10]


DEMO_HOSPITAL_CODE = "DEMO-HOSPITAL"


def _demo_hospital(*, actor: Actor, district: str) -> RelyingParty:
    found = relying_party_first_hospital()
    if found is not None:
        return found
    hospital = RelyingParty.objects.create(
        code=DEMO_HOSPITAL_CODE,
        name="演示医院",
        kind=RelyingPartyKind.HOSPITAL,
        district=district,
    )
    audit_append(
        actor=actor,
        fact=AuditFact(
            action="relying_party.create",
            object_type="network.relying_party",
            object_id=str(hospital.pk),
            changes={"code": hospital.code, "kind": hospital.kind, "demo": True},
        ),
    )
    return hospital


def demo_accounts_create(*, actor: Actor, city_code: str) -> list[tuple[str, str, str]]:
    """One account per role, bound to real demo data; ``(username, password, role label)``.

    Running it again changes nothing and answers the same usernames: an existing demo account
    is left as it is (its password too).
    """
    if actor.role not in ACCOUNT_ADMIN_ROLES:
        raise PermissionDenied("create accounts", "创建账号")
    with transaction.atomic():
        existing = set(
            Account.objects.filter(
                user__username__in=[_demo_username(role) for role in ROLE_SCOPE]
            ).values_list("user__username", flat=True)
        )
        wanted = [role for role in ROLE_SCOPE if _demo_username(role) not in existing]
        scopes = _demo_scopes(actor=actor, roles=wanted)
        for role in wanted:
            scope = scopes[role]
            account_create(
                actor=actor,
                username=_demo_username(role),
                password=demo_password(role),
                role=role.value,
                city_code=city_code,
                district_code=scope.district_code,
                employer_id=scope.employer_id,
                outlet_id=scope.outlet_id,
                person_id=scope.person_id,
                relying_party_id=scope.relying_party_id,
            )
    return [(_demo_username(r), demo_password(r), str(ROLE_LABELS[r])) for r in ROLE_SCOPE]


def _demo_scopes(*, actor: Actor, roles: list[Role]) -> dict[Role, Scope]:
    """The demo object each role is bound to; refuse if the demo data is not loaded."""
    if not roles:
        return {}
    employer = employer_first_with_staff()
    bank_branch = outlet_first(kind=OutletKind.BANK_BRANCH)
    centre = outlet_first(kind=OutletKind.COMMUNITY_CENTRE)
    missing = [
        name
        for name, found in (
            ("employer with staff", employer),
            ("bank branch", bank_branch),
            ("community centre", centre),
        )
        if found is None
    ]
    if missing or employer is None or bank_branch is None or centre is None:
        raise PortalErrorCode.DEMO_DATA_MISSING.error(missing=missing)
    holder_id = (
        person_list(actor=actor, employer_id=employer.pk).values_list("pk", flat=True).first()
    )
    assert holder_id is not None  # the employer was chosen because it has staff
    scopes = {
        Role.CITY_OFFICER: Scope(),
        Role.DISTRICT_OFFICER: Scope(district_code=employer.insured_district),
        Role.EMPLOYER_HR: Scope(employer_id=employer.pk),
        Role.BANK_CLERK: Scope(outlet_id=bank_branch.pk),
        Role.COMMUNITY_CLERK: Scope(outlet_id=centre.pk),
        Role.PRODUCTION_OPERATOR: Scope(),
        Role.CARDHOLDER: Scope(person_id=holder_id),
        Role.POST: Scope(),
    }
    if Role.RELYING_PARTY in roles:
        hospital = _demo_hospital(actor=actor, district=employer.insured_district)
        scopes[Role.RELYING_PARTY] = Scope(relying_party_id=hospital.pk)
    return scopes


def _may_manage_tokens(actor: Actor, account: Account) -> bool:
    return actor.role in ACCOUNT_ADMIN_ROLES or (
        actor.user_id is not None and actor.user_id == account.user_id
    )


def token_digest(plaintext: str) -> bytes:
    """What is stored of a token: its SM3 digest."""
    return sm3(plaintext.encode())


def api_token_create(*, actor: Actor, account: Account, name: str) -> tuple[ApiToken, str]:
    """Issue a bearer token for an account; the plaintext is returned once and never stored."""
    if not _may_manage_tokens(actor, account):
        raise PermissionDenied("issue API tokens for this account", "为该账号签发接口令牌")
    name = name.strip()
    if not name or len(name) > 100:
        raise RegistryErrorCode.NAME_INVALID.error()
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            account=account, name=name, digest=token_digest(plaintext), prefix=plaintext[:8]
        )
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="api_token.create",
                object_type="portal.api_token",
                object_id=str(token.pk),
                changes={"account": account.pk, "name": name, "prefix": token.prefix},
            ),
        )
    return token, plaintext


def api_token_revoke(*, actor: Actor, token_id: int) -> ApiToken:
    """Revoke a token at once; revoking twice changes nothing."""
    with transaction.atomic():
        token = (
            ApiToken.objects.select_for_update(of=("self",))
            .select_related("account")
            .filter(pk=token_id)
            .first()
        )
        if token is None or not _may_manage_tokens(actor, token.account):
            raise NotFound("API token", what_zh="该接口令牌")
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_append(
                actor=actor,
                fact=AuditFact(
                    action="api_token.revoke",
                    object_type="portal.api_token",
                    object_id=str(token.pk),
                    changes={"revoked_at": token.revoked_at.isoformat()},
                ),
            )
    return token


# The spec of each kind of file; the schools' depends on the file's header (notice dates).
IMPORT_SPECS: dict[str, Callable[[Path], ImportSpec]] = {
    ImportJob.Kind.PERSONS: lambda _path: PersonSpec(),
    ImportJob.Kind.EMPLOYERS: lambda _path: EmployerSpec(),
    ImportJob.Kind.SCHOOLS: school_spec,
    ImportJob.Kind.OUTLETS: lambda _path: OutletSpec(),
    ImportJob.Kind.DEPARTURES: departure_spec,
    ImportJob.Kind.LEGACY_CARDS: legacy_card_spec,
}
# The header row each kind of file must have.
IMPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    ImportJob.Kind.PERSONS: PersonSpec.columns,
    ImportJob.Kind.EMPLOYERS: EmployerSpec.columns,
    ImportJob.Kind.SCHOOLS: SchoolSpec.columns,
    ImportJob.Kind.OUTLETS: OutletSpec.columns,
    ImportJob.Kind.DEPARTURES: DepartureDestinationSpec.columns,
    ImportJob.Kind.LEGACY_CARDS: LegacyCardSpec.columns,
}


def import_upload(*, actor: Actor, kind: str, upload: UploadedFile[bytes]) -> ImportJob:
    """Queue the bulk import of an uploaded file and return its job at once.

    The file waits in the data directory's uploads folder (not the request's temporary file)
    for the import, which runs off the request (``sscard.core.background``: a task, or the
    server's own pool) and removes the file once read: it holds personal data in the clear,
    and the job keeps its SM3 digest. Only the header is checked here, so the answer comes at
    once however large the file; a file whose header is wrong is refused here (its job says
    so), one refused further in says so on its job. Where work runs in the caller (tests, a
    command line) the job is answered finished.
    """
    if not actor.may_import:
        raise PermissionDenied("import registry data", "批量导入登记数据")
    spec_for = IMPORT_SPECS.get(kind)
    if spec_for is None:
        raise PortalErrorCode.IMPORT_KIND_UNKNOWN.error(kind=kind)
    spooled = spool_upload(upload, prefix="import")
    try:
        job = import_queue(
            spec=spec_for(spooled.path),
            actor=actor,
            path=spooled.path,
            file_name=spooled.name,
            digest=spooled.digest,
            spooled=True,
        )
    except BaseException:
        spool_remove(spooled.path)
        raise
    from sscard.portal.tasks import import_job_task

    background.submit(import_job_task, job.pk)
    job.refresh_from_db()
    return job


def import_job_run(*, job_id: int) -> ImportJob:
    """Run a queued import (the task's body): its file's refusal is recorded on the job."""
    job = ImportJob.objects.get(pk=job_id)
    try:
        return import_run(job_id=job.pk, spec=IMPORT_SPECS[job.kind](Path(job.spool_path)))
    except ApplicationError:
        return ImportJob.objects.get(pk=job_id)


def import_jobs_resume() -> list[int]:
    """Queue again the imports a stopped server left (a starting server's hook): queued ones,
    and those stopped half-way whose upload is still there, which resume."""
    from sscard.portal.tasks import import_job_task

    return import_jobs_recover(queue=lambda pk: background.submit(import_job_task, pk))

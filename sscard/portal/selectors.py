"""Reads of the portal: who a bearer token is, the caller's tokens, import jobs."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet

from sscard.core.actors import Actor
from sscard.core.errors import NotFound, PermissionDenied
from sscard.core.models import ImportJob
from sscard.portal.models import Account, ApiToken
from sscard.portal.services import TOKEN_PREFIX, token_digest


def api_token_actor(plaintext: str) -> Actor | None:
    """The actor a bearer token speaks for, or ``None`` for an unknown or revoked token."""
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    token = (
        ApiToken.objects.select_related("account__user")
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

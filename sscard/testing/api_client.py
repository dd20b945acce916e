"""A bearer-token API client for tests: an account's own token, JSON in and out."""

from __future__ import annotations

from typing import Any

from django.test import Client

from sscard.core.actors import Actor
from sscard.portal.models import Account
from sscard.portal.services import api_token_create


class ApiClient:
    """Calls ``/api/v1/...`` as ``account`` with a token issued for it."""

    def __init__(self, account: Account) -> None:
        _token, self.token = api_token_create(
            actor=Actor.system("test"), account=account, name="test client"
        )
        self.client = Client()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self._headers())

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            f"/api/v1{path}", body or {}, content_type="application/json", headers=self._headers()
        )

    def upload(self, path: str, name: str, data: bytes) -> Any:
        from django.core.files.uploadedfile import SimpleUploadedFile

        return self.client.post(
            f"/api/v1{path}",
            {"file": SimpleUploadedFile(name, data, content_type="text/csv")},
            headers=self._headers(),
        )

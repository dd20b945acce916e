"""The ASGI entry point: the lean verification route on PostgreSQL, Django alone elsewhere."""

from __future__ import annotations

import pytest
from django.db import connection

from config import asgi
from config.fastverify import FastVerify


@pytest.mark.django_db
def test_the_lean_route_fronts_django_on_postgresql_only() -> None:
    if connection.vendor == "postgresql":
        assert isinstance(asgi.application, FastVerify)
        assert asgi.application.django is asgi.django_application
    else:
        assert asgi.application is asgi.django_application

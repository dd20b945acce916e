"""The ASGI entry point: the lean verification route on PostgreSQL, Django alone elsewhere."""

from __future__ import annotations

import pytest
from django.db import connection

from config import asgi
from config.fastverify import FastVerify
from sscard.core.background import WithLifespan


@pytest.mark.django_db
def test_the_lean_route_fronts_django_on_postgresql_only() -> None:
    # (behind the background pool's lifespan: sscard/core/background.py)
    assert isinstance(asgi.application, WithLifespan)
    fronted = asgi.application.app
    if connection.vendor == "postgresql":
        assert isinstance(fronted, FastVerify)
        assert fronted.django is asgi.django_application
        assert asgi.application.inner_lifespan
    else:
        assert fronted is asgi.django_application
        assert not asgi.application.inner_lifespan

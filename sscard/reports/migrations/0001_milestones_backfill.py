"""Milestones for the history kept before them (issue 13): applications, withdrawals, cards
ordered, made, issued and enabled, old cards made void, staff and pupils invited — each on the
day its own record gives — and the group of each application. See ``reports.backfill``."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def backfill(apps: Any, schema_editor: Any) -> None:
    from sscard.reports.backfill import milestones_backfill

    milestones_backfill(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_milestones"),
        ("applications", "0004_application_group"),
        ("cards", "0005_card_way"),
        ("campaigns", "0001_initial"),
        ("registry", "0005_fill_phone_tail_index"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False)]

"""The funnel's flags of the milestones written by ``0001_milestones_backfill`` before they
existed (``core.0008_milestone_tallies``): each person's first milestone of a kind, and the days
since their first of the funnel's step before. See ``core.milestones.milestone_flags_fill``."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def fill(apps: Any, schema_editor: Any) -> None:
    from sscard.core.milestones import milestone_flags_fill

    milestone_flags_fill(
        model=apps.get_model("core", "Milestone"), using=schema_editor.connection.alias
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_milestones_backfill"),
        ("core", "0008_milestone_tallies"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=False)]

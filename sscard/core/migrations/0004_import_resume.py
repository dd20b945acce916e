"""An import job records where it runs (host, pid, heartbeat) and how far it committed, so a
killed import is told apart from a running one and a rerun of the same file resumes."""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0003_audit_keyed")]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="host",
            field=models.CharField(blank=True, max_length=255, verbose_name="host"),
        ),
        migrations.AddField(
            model_name="importjob",
            name="pid",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="process id"),
        ),
        migrations.AddField(
            model_name="importjob",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last heartbeat"),
        ),
        migrations.AddField(
            model_name="importjob",
            name="rows_committed",
            field=models.BigIntegerField(default=0, verbose_name="last committed row"),
        ),
        migrations.AddField(
            model_name="importjob",
            name="chunks_committed",
            field=models.IntegerField(default=0, verbose_name="chunks committed"),
        ),
        migrations.AddField(
            model_name="importjob",
            name="resumed_from",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="resumed_by",
                to="core.importjob",
                verbose_name="resumes",
            ),
        ),
    ]

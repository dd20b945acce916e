"""The audit chain becomes keyed (HMAC-SM3 under ``SSCARD_AUDIT_KEY``) and gains SM2 checkpoints.

Events written before this migration were linked with plain SM3, which anyone with write
access to the database can recompute. They are re-linked here under the key, after their plain
chain has been checked; one keyed event, ``audit.chain_keyed``, then records how many events
were re-linked, whether their plain chain was intact (and if not, its first bad event) and the
plain tip, so the switch itself is part of the trail and cannot be hidden. An empty trail (a
new installation, every test database) gets no such event.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models


def rekey(apps: Any, schema_editor: Any) -> None:
    from sscard.core.audit import audit_rekey_for_migration

    audit_rekey_for_migration(
        event_model=apps.get_model("core", "AuditEvent"),
        head_model=apps.get_model("core", "AuditChainHead"),
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_calendar_year"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(verbose_name="at")),
                ("last_event_id", models.BigIntegerField(verbose_name="last event id")),
                ("last_hash", models.BinaryField(max_length=32, verbose_name="last link")),
                ("events", models.BigIntegerField(verbose_name="events")),
                ("signature", models.BinaryField(max_length=80, verbose_name="SM2 signature")),
                ("public_key", models.BinaryField(max_length=128, verbose_name="SM2 public key")),
            ],
            options={
                "verbose_name": "audit checkpoint",
                "verbose_name_plural": "audit checkpoints",
            },
        ),
        migrations.AddField(
            model_name="auditchainhead",
            name="events",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="auditchainhead",
            name="mac",
            field=models.BinaryField(default=b"", max_length=32),
        ),
        migrations.RunPython(rekey, migrations.RunPython.noop, elidable=False),
    ]

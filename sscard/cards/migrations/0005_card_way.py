"""The card's way to its holder on the card itself (issue 12, point 3): when it was sent on its
way, the outlet it is collected at, and when it arrived there, so that the holder's timeline
dates each step. Cards already on their way are filled in from their shipments by
``delivery.0002_card_way_from_shipments``."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cards", "0004_one_card_per_generation"),
        ("network", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="card",
            name="arrived_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="arrived at the outlet at"
            ),
        ),
        migrations.AddField(
            model_name="card",
            name="dispatched_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="sent on its way at"),
        ),
        migrations.AddField(
            model_name="card",
            name="pickup_outlet",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="network.outlet",
                verbose_name="outlet to collect it at",
            ),
        ),
    ]

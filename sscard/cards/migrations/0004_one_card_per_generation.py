"""One card in force or on its way per person and generation (issue 9, point 6).

A card ordered to replace another now names it (``replaced_by`` on the card replaced), and a
partial unique index holds the rule. Cards written before the rule may already break it (the
defect this closes: a second card through the employer); among such a person's cards of one
generation, each is linked as replaced by the next one ordered, which is what enabling the newer
card would have made of it anyway (BJ-10, SH-16), so the index can be built.
"""

from itertools import pairwise
from typing import Any

import django.db.models.deletion
from django.db import migrations, models

CURRENT = (
    models.Q(replaced_by__isnull=True)
    & ~models.Q(stage="defective")
    & ~models.Q(ss_function__in=["invalid", "cancelled"])
)


def link_earlier_cards(apps: Any, schema_editor: Any) -> None:
    card = apps.get_model("cards", "Card")
    doubled = (
        card.objects.filter(CURRENT)
        .values("person_id", "generation")
        .annotate(n=models.Count("pk"))
        .filter(n__gt=1)
        .values_list("person_id", "generation")
    )
    for person_id, generation in doubled.iterator():
        ids = list(
            card.objects.filter(CURRENT, person_id=person_id, generation=generation)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for older, newer in pairwise(ids):
            card.objects.filter(pk=older).update(replaced_by_id=newer)


class Migration(migrations.Migration):
    dependencies = [
        ("cards", "0003_verification_log"),
    ]

    operations = [
        migrations.AddField(
            model_name="card",
            name="replaced_by",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="replaces",
                to="cards.card",
                verbose_name="replaced by",
            ),
        ),
        migrations.RunPython(link_earlier_cards, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="card",
            constraint=models.UniqueConstraint(
                condition=CURRENT,
                fields=("person", "generation"),
                name="one_current_card_per_person_and_generation",
            ),
        ),
    ]

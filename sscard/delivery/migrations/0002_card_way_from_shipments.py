"""Fill the card's way (``cards.0005_card_way``) from the shipments of the cards already on their
way or delivered: sent on its way when its first shipment left, collected at the outlet of its
latest shipment (none by post), arrived when that one was received. Set-based."""

from typing import Any

from django.db import migrations
from django.db.models import OuterRef, Subquery


def fill(apps: Any, schema_editor: Any) -> None:
    card = apps.get_model("cards", "Card")
    shipment = apps.get_model("delivery", "Shipment")
    of_card = shipment.objects.filter(card_id=OuterRef("pk"))
    first = of_card.order_by("dispatched_at", "pk").values("dispatched_at")[:1]
    latest = of_card.order_by("-pk")
    card.objects.filter(
        dispatched_at__isnull=True, pk__in=shipment.objects.values("card_id")
    ).update(
        dispatched_at=Subquery(first),
        pickup_outlet_id=Subquery(latest.values("outlet_id")[:1]),
        arrived_at=Subquery(latest.values("received_at")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cards", "0005_card_way"),
        ("delivery", "0001_initial"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]

# The covering index of card verification's join to the holder (issue 16 point 5): the person
# by id, with the two columns ``cards.verify.card_facts`` reads of them, so the join is an
# Index Only Scan on PostgreSQL. Built with CREATE INDEX CONCURRENTLY there (the persons stay
# writable while it builds), hence a non-atomic migration.

from django.db import migrations, models

from sscard.core.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('registry', '0007_departures'),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='person',
            index=models.Index(fields=['id'], include=('id_number_index', 'name'), name='person_verification'),
        ),
    ]

# The covering index of card verification (issue 16 point 5): the card by its number, with the
# columns ``cards.verify.card_facts`` reads of it, so the lookup is an Index Only Scan on
# PostgreSQL. Built with CREATE INDEX CONCURRENTLY there (the cards stay writable while it
# builds), hence a non-atomic migration.

from django.db import migrations, models

from sscard.core.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('cards', '0009_revocation_mass_actions'),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='card',
            index=models.Index(fields=['card_number'], include=('generation', 'functions', 'interfaces', 'card_id_code', 'ss_function', 'block', 'blocked_until', 'valid_until', 'person', 'id'), name='card_verification'),
        ),
    ]

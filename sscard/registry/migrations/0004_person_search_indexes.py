"""Find people fast (issue 12, point 4): a person's name by its prefix, a phone by its last four
digits.

The name is stored plain: a B-tree index on it serves an exact or a prefix match (with
``varchar_pattern_ops`` on PostgreSQL, so that ``LIKE '张%'`` uses it under any collation). The
phone is stored encrypted: its last four digits get a keyed SM3 index of their own
(``phone_tail_index``), which 0005 fills for the rows already stored.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_import_resume"),
        ("registry", "0003_key_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="phone_tail_index",
            field=models.BinaryField(max_length=16, null=True),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                fields=["name"], name="person_name_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["phone_tail_index"], name="person_phone_tail"),
        ),
    ]

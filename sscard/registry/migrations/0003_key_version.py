"""Field keys carry a version (issue 10, point 7): the record of retired versions.

The version a value was written under is its first byte, so no column of stored rows changes.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_school_notified_on")]

    operations = [
        migrations.CreateModel(
            name="FieldKeyRetirement",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "version",
                    models.PositiveSmallIntegerField(unique=True, verbose_name="key version"),
                ),
                ("retired_at", models.DateTimeField(verbose_name="retired at")),
                ("retired_by", models.CharField(max_length=150, verbose_name="retired by")),
            ],
            options={
                "verbose_name": "retired field key",
                "verbose_name_plural": "retired field keys",
            },
        ),
    ]

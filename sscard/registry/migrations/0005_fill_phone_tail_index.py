"""Fill ``Person.phone_tail_index`` for the rows stored before it existed, in chunks.

The migration is not atomic: each chunk of ``CHUNK_ROWS`` rows commits on its own, so a large
registry is never held in one long transaction, and a run killed half-way resumes with the
rows still empty. Each tail is indexed under the key version its phone was written under (the
value's first byte), as key rotation keeps it; searches ask for every live version's index.
"""

from typing import Any

from django.db import migrations, transaction

CHUNK_ROWS = 2000


def fill_phone_tail_index(apps: Any, schema_editor: Any) -> None:
    from sscard.core.crypto import PHONE, PHONE_TAIL, field_cipher, key_version_of
    from sscard.kernel.masks import phone_tail

    person = apps.get_model("registry", "Person")
    database = schema_editor.connection.alias
    rows = person.objects.using(database).filter(
        phone_enc__isnull=False, phone_tail_index__isnull=True
    )
    after = 0
    while True:
        with transaction.atomic(using=database):
            chunk = list(
                rows.filter(pk__gt=after).order_by("pk").values_list("pk", "phone_enc")[:CHUNK_ROWS]
            )
            if not chunk:
                return
            after = chunk[-1][0]
            by_version: dict[int, list[tuple[int, bytes]]] = {}
            for pk, blob in chunk:
                by_version.setdefault(key_version_of(bytes(blob)), []).append((pk, bytes(blob)))
            filled = []
            for version, stored in by_version.items():
                cipher = field_cipher(version)
                phones = cipher.decrypt_many([blob for _, blob in stored], field=PHONE)
                tails = [phone_tail(phone) for phone in phones]
                wanted = [(pk, tail) for (pk, _), tail in zip(stored, tails) if tail]
                indexes = cipher.index_many([tail for _, tail in wanted], field=PHONE_TAIL)
                filled += [
                    person(pk=pk, phone_tail_index=index)
                    for (pk, _), index in zip(wanted, indexes)
                ]
            person.objects.using(database).bulk_update(filled, ["phone_tail_index"])


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("registry", "0004_person_search_indexes")]

    operations = [
        migrations.RunPython(fill_phone_tail_index, migrations.RunPython.noop, elidable=True),
    ]

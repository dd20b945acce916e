"""Submit a collective application of N confirmed staff against a raw insert of the same rows.

    uv run python -m benchmarks.collective_submit --staff 50000 --backend postgresql
    uv run python -m benchmarks.collective_submit --staff 50000 --backend sqlite

Set-up (not timed): an employer of a pilot district with N in-service staff and a photo each,
the Beijing pack in force, and a collective application taken through steps 1–3 by the
services (the roster built from the registry, the staff invited by one bulk SMS write); the
staff are then marked confirmed in one UPDATE. Timed: ``collective_submit`` — lock, policy
decision, one read of the confirmed roster, ids reserved once, one COPY (PostgreSQL) or one
executemany (SQLite), the step saved, one audit event. Baseline, in the same run and on the
same database: the application rows it wrote are read back, deleted, and written again raw in
one transaction. Target ratio >= 0.3.
"""

from __future__ import annotations

import argparse
import os
from datetime import date

from benchmarks._common import Timer, fresh_database, raw_rewrite, report

DAY = date(2024, 3, 4)  # the Beijing pilot (BJ-02)


def _staff(employer_id: int, count: int) -> None:
    """Write ``count`` staff of the employer and a photo each, set-based (not timed)."""
    from django.db import transaction
    from django.utils import timezone

    from sscard.applications.models import Photo
    from sscard.core.bulk import BulkWriter
    from sscard.core.crypto import PHONE, field_cipher, mask_phone, phone_index
    from sscard.registry.models import Person

    writer = BulkWriter()
    now = writer.timestamp(timezone.now())
    cipher = field_cipher()
    phone = "13800138000"
    sealed = (phone_index(phone), cipher.encrypt(phone, field=PHONE), mask_phone(phone))
    values = {
        "id_kind": "resident",
        "upgraded_from_15": writer.false,
        "name": "张测试",
        "sex": "M",
        "birth_date": writer.date(date(1985, 6, 1)),
        "phone_index": sealed[0],
        "phone_enc": sealed[1],
        "phone_masked": sealed[2],
        "hukou_region": "110102",
        "insured_region": "110102",
        "category": "in_service_staff",
        "employer_id": employer_id,
        "school_id": None,
        "guardian_id": None,
        "pension_bank": "",
        "address": "北京市西城区测试街1号",
        "import_job_id": None,
        "created_at": now,
    }
    columns = [str(f.column) for f in Person._meta.concrete_fields]
    with transaction.atomic():
        ids = writer.allocate_ids(Person._meta.db_table, count)
        rows = []
        for pk in ids:
            row = dict(values)
            row.update(
                id=pk,
                id_number_index=pk.to_bytes(16, "big"),
                id_number_enc=b"x" * 40,
                id_number_masked="110102********0000",
                source_digest=pk.to_bytes(16, "big"),
            )
            rows.append([row[c] for c in columns])
        writer.insert(Person._meta.db_table, columns, rows)
        photo_ids = writer.allocate_ids(Photo._meta.db_table, count)
        writer.insert(
            Photo._meta.db_table,
            ("id", "digest", "source", "content_type", "width", "height", "bytes", "person_id",
             "created_at"),
            [
                (ph, f"{pk:064x}", "id_card_shared", "image/jpeg", 358, 441, 20000, pk, now)
                for ph, pk in zip(photo_ids, ids, strict=True)
            ],
        )  # fmt: skip


def run(staff: int, backend: str) -> float:
    os.environ["SSCARD_SMS_PROVIDER"] = "file"
    with fresh_database(backend, prefix="sscard_apps_bench"):
        from django.db import transaction

        from sscard.applications.models import Application, Photo, RosterEntry
        from sscard.applications.services import (
            collective_arrange,
            collective_notify,
            collective_open,
            collective_submit,
            roster_add_staff,
        )
        from sscard.campaigns.services import campaign_put_in_force
        from sscard.core.actors import Actor, Role
        from sscard.notifications import services as outbox
        from sscard.policy import builtin_pack
        from sscard.registry.models import Employer

        system = Actor.system("benchmark")
        campaign_put_in_force(actor=system, pack=builtin_pack("beijing-2024"))
        employer = Employer.objects.create(
            credit_code="911101020000000001",
            name="西城基准测试有限公司",
            insured_district="110102",
            payroll_banks=["ICBC"],
            source_digest=b"\x00" * 16,
        )
        _staff(employer.pk, staff)
        hr = Actor(role=Role.EMPLOYER_HR, label="hr", employer_id=employer.pk)
        collective = collective_open(actor=hr, day=DAY)
        collective_arrange(
            actor=hr, collective_id=collective.pk, day=DAY, pickup="post", bank="CCB"
        )
        # The SMS go to the outbox; sending them is a worker's job in production, while the
        # embedded set-up would send all N in-process on commit, which is not what is measured.
        outbox._kick_sender = lambda: None
        with Timer() as listing:
            roster_add_staff(actor=hr, collective_id=collective.pk, day=DAY)
        with Timer() as inviting:
            collective_notify(actor=hr, collective_id=collective.pk)
        print(f"roster from the registry: {staff:,} staff in {listing.seconds:.2f} s", flush=True)
        print(f"notify (SMS queued):      {staff:,} staff in {inviting.seconds:.2f} s", flush=True)
        # Everyone confirms (set-up, not timed): one UPDATE, each with their own photo.
        with transaction.atomic():
            photos = dict(Photo.objects.values_list("person_id", "pk"))
            entries = list(RosterEntry.objects.filter(collective=collective))
            for entry in entries:
                entry.status = "confirmed"
                entry.photo_id = photos[entry.person_id]
                entry.photo_source = "id_card"
            RosterEntry.objects.bulk_update(
                entries, ["status", "photo", "photo_source"], batch_size=5000
            )

        with Timer() as ours:
            result = collective_submit(actor=hr, collective_id=collective.pk, day=DAY)
        rows = result.submitted
        assert rows == staff, f"only {rows:,} of {staff:,} submitted"

        base_seconds, base_name = raw_rewrite(Application, what="application rows")
        report(
            f"submit a collective application of {rows:,} confirmed staff on {backend}",
            rows,
            ours.seconds,
            base_seconds,
            base_name,
            0.3,
        )
        return base_seconds / ours.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--staff", type=int, default=50_000)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    run(args.staff, args.backend)


if __name__ == "__main__":
    main()

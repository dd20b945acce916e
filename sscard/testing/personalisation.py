"""Personalisation at scale, for the tests and the benchmark: many ordered cards in one batch
fast, what a batch's cards, certificates and keys look like afterwards, and the commands a
child process runs (the killed-worker tests personalise in processes they can SIGKILL; the
entry point is :mod:`sscard.testing.personalise_child`).

The set-up writes persons, photos and applications set-based (one COPY per table on
PostgreSQL), then lets the platform itself form the batch and order the cards
(:func:`batches_form`), so the cards are exactly what production orders.

    python -m sscard.testing.personalise_child setup --cards 300       → {"batch": 1}
    python -m sscard.testing.personalise_child work --batch 1 --chunk 20 \\
        [--hold-at write|audit --hold-chunk 4] [--delay 0.1]             → {"done": 300}
    python -m sscard.testing.personalise_child resume --batch 1        → {"status": ...}
    python -m sscard.testing.personalise_child state --batch 1 [--verify [--keys-every 10]]

``work --hold-at`` stops in the middle of the given chunk's transaction, prints
``{"holding": [first card id, last card id], "written": {...}}`` and waits to be killed —
``write``: the chunk's certificates and keys are written, its cards still ordered; ``audit``:
everything but the commit is done (and the audit chain head is locked).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from unittest import mock

from django.db import connection, transaction
from django.db.models import Count, Max, Model
from django.test import override_settings
from django.utils import timezone

from sscard.applications.models import Application, Photo
from sscard.campaigns.models import Campaign
from sscard.campaigns.services import campaign_put_in_force
from sscard.cards.choices import CardStage
from sscard.cards.models import Card, CardCertificate
from sscard.cards.services.authority import chain_of
from sscard.core import clock
from sscard.core.actors import Actor
from sscard.core.audit import AuditFact, audit_append, audit_verify_chain
from sscard.core.bulk import BulkWriter
from sscard.core.crypto import ID_NUMBER, field_cipher, secret_unwrap
from sscard.core.models import AuditEvent
from sscard.kernel import idnumber
from sscard.kernel.errors import KernelError
from sscard.kernel.gm import Sm2PrivateKey
from sscard.kernel.pki import verify_chain
from sscard.policy import builtin_pack
from sscard.production.models import Batch, CardKey
from sscard.production.services import batch_start, batches_form
from sscard.production.services.personalise import key_label
from sscard.registry.choices import PersonCategory
from sscard.registry.models import Person
from sscard.testing.factories import XICHENG, make_id_number

SYSTEM = Actor.system("test")
PACK = "beijing-2024"
# Far from the numbers the factories and the tests spell out (see factories.FACTORY_ID_OFFSET).
ID_OFFSET = 7_000_000


# --------------------------------------------------------------------------------------------
# Set-up
# --------------------------------------------------------------------------------------------


def _bulk_insert(
    writer: BulkWriter,
    model: type[Model],
    rows: Sequence[dict[str, object]],
    constant: dict[str, object],
) -> None:
    """Write ``rows`` (the values that differ per row) with ``constant`` and each other
    field's default, prepared by the fields themselves for this database."""
    fields = list(model._meta.concrete_fields)
    varying = set(rows[0])
    fixed = {
        f.attname: f.get_db_prep_save(constant.get(f.attname, f.get_default()), connection)
        for f in fields
        if f.attname not in varying
    }
    table = [
        [
            f.get_db_prep_save(row[f.attname], connection)
            if f.attname in varying
            else fixed[f.attname]
            for f in fields
        ]
        for row in rows
    ]
    writer.insert(model._meta.db_table, [str(f.column) for f in fields], table)


def applications_bulk(count: int, *, campaign: Campaign, today: date) -> list[int]:
    """Write ``count`` persons, each with a photo and a submitted application (community
    centre, Xicheng, third-generation card); answer the application ids."""
    now = timezone.now()
    with transaction.atomic():
        writer = BulkWriter()
        start = ID_OFFSET + (Person.objects.aggregate(top=Max("pk"))["top"] or 0)
        numbers = [make_id_number(start + n) for n in range(count)]
        parsed = [idnumber.parse(number, today=today) for number in numbers]
        cipher = field_cipher()
        encrypted = cipher.encrypt_many(numbers, field=ID_NUMBER)
        indexes = cipher.index_many(numbers, field=ID_NUMBER)
        person_ids = writer.allocate_ids(Person._meta.db_table, count)
        _bulk_insert(
            writer,
            Person,
            [
                {
                    "id": pk,
                    "id_number_index": index,
                    "id_number_enc": blob,
                    "id_number_masked": number.masked,
                    "id_kind": str(number.kind),
                    "sex": number.sex,
                    "birth_date": number.birth_date,
                    "name": f"张{'伟芳敏静丽强磊军洋勇'[pk % 10]}{'明华'[pk % 2]}",
                    "source_digest": pk.to_bytes(16, "big"),
                }
                for pk, number, blob, index in zip(
                    person_ids, parsed, encrypted, indexes, strict=True
                )
            ],
            {
                "hukou_region": XICHENG,
                "insured_region": XICHENG,
                "category": PersonCategory.IN_SERVICE_STAFF,
                "created_at": now,
            },
        )
        photo_ids = writer.allocate_ids(Photo._meta.db_table, count)
        _bulk_insert(
            writer,
            Photo,
            [
                {"id": pk, "person_id": person, "digest": f"{person:064x}"}
                for pk, person in zip(photo_ids, person_ids, strict=True)
            ],
            {
                "source": "captured",
                "content_type": "image/jpeg",
                "width": 358,
                "height": 441,
                "bytes": 1000,
                "created_at": now,
            },
        )
        application_ids = writer.allocate_ids(Application._meta.db_table, count)
        _bulk_insert(
            writer,
            Application,
            [
                {"id": pk, "person_id": person, "photo_id": photo}
                for pk, person, photo in zip(application_ids, person_ids, photo_ids, strict=True)
            ],
            {
                "channel": "community_centre",
                "action": "first",
                "status": "submitted",
                "applied_on": today,
                "bank_code": "ICBC",
                "pickup": "at_outlet",
                "photo_source": "captured_on_site",
                "taken_by": "clerk",
                "taken_by_role": "community_clerk",
                "submitted_at": now,
                "pack_id": campaign.pack_id,
                "pack_hash": campaign.pack_hash,
                "clause": "BJ-10",
                "reason_code": "allowed",
                "card_generation": 3,
            },
        )
    return application_ids


def ordered_batch(cards: int, *, today: date | None = None) -> Batch:
    """One production batch of ``cards`` ordered cards (status ``formed``)."""
    day = today or clock.today()
    campaign = campaign_put_in_force(actor=SYSTEM, pack=builtin_pack(PACK))
    applications_bulk(cards, campaign=campaign, today=day)
    (batch,) = batches_form(actor=SYSTEM, today=day, max_cards=cards)
    assert batch.card_count == cards, batch.card_count
    return batch


def refresh_statistics() -> None:
    """Let PostgreSQL's planner see the rows just loaded (as a bulk import does)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------


def _expand(ranges: Sequence[Sequence[int]]) -> list[int]:
    return [pk for first, last in ranges for pk in range(first, last + 1)]


def _certificate_problem(
    card_id: int,
    id_code: str,
    der: bytes,
    chain: tuple[bytes, bytes] | None,
    *,
    at: datetime,
    key: bool,
) -> str | None:
    """Why the card's certificate is not right, or None: it must verify up to the root, name
    the card, carry the card's serial, and (``key``) hold the public half of the card's stored
    key."""
    if chain is None:
        return "no chain"
    try:
        info = verify_chain(der, chain, at=at)
    except KernelError as exc:
        return exc.code
    if info.subject_common_name != id_code or info.serial != int(id_code[16:], 16):
        return "names another card"
    if not key:
        return None
    wrapped = CardKey.objects.filter(card_id=card_id).values_list("key_wrapped", flat=True).first()
    if wrapped is None:
        return "no key"
    scalar = secret_unwrap(bytes(wrapped), label=key_label(card_id))
    if Sm2PrivateKey.from_scalar(scalar).public_key() != info.public_key:
        return "key does not match"
    return None


def batch_state(batch_id: int, *, verify: bool = False, keys_every: int = 1) -> dict[str, Any]:
    """What a batch's personalisation left: stages, certificates, keys, what the audit trail
    says, and (``verify``) whether every certificate verifies up to the root and names its
    card, and whether it matches its card's stored key (every ``keys_every``-th card: opening
    a key costs a few milliseconds).

    Certificates are checked a day after issue: a card's certificate starts at midnight UTC
    of its issue date, which is still in the future for the first hours of a Beijing day.
    """
    batch = Batch.objects.get(pk=batch_id)
    cards = Card.objects.filter(batch_entry__batch_id=batch_id)
    certificates = CardCertificate.objects.filter(card__batch_entry__batch_id=batch_id)
    keys = CardKey.objects.filter(card__batch_entry__batch_id=batch_id)
    with_certificate = set(certificates.values_list("card_id", flat=True))
    with_key = set(keys.values_list("card_id", flat=True))
    stage_of = dict(cards.values_list("pk", "stage"))
    personalised = {pk for pk, stage in stage_of.items() if stage == CardStage.PERSONALISED}
    ordered = {pk for pk, stage in stage_of.items() if stage == CardStage.ORDERED}
    serials = certificates.values("authority_id", "serial").annotate(n=Count("pk"))
    events = AuditEvent.objects.filter(
        action="cards_personalise", object_type="production.batch", object_id=str(batch_id)
    ).order_by("pk")
    audited: Counter[int] = Counter()
    by_worker: Counter[str] = Counter()
    for changes in events.values_list("changes", flat=True):
        ids = _expand(changes["card_ids"])
        audited.update(ids)
        by_worker[str(changes.get("worker", "?"))] += len(ids)
    state: dict[str, Any] = {
        "status": batch.status,
        "cards": len(stage_of),
        "stages": dict(Counter(stage_of.values())),
        "certificates": len(with_certificate),
        "keys": len(with_key),
        "personalised_without_certificate": len(personalised - with_certificate),
        "personalised_without_key": len(personalised - with_key),
        "ordered_with_certificate": len(ordered & with_certificate),
        "ordered_with_key": len(ordered & with_key),
        "certificates_of_other_stages": len(with_certificate - personalised),
        "duplicate_serials": sum(row["n"] - 1 for row in serials),
        "duplicate_card_numbers": len(stage_of) - cards.values("card_number").distinct().count(),
        "audited_cards": len(audited),
        "audited_twice": sum(1 for n in audited.values() if n > 1),
        "audited_not_personalised": len(set(audited) - personalised),
        "personalised_not_audited": len(personalised - set(audited)),
        "workers": dict(by_worker),
        "audit_chain_ok": audit_verify_chain().ok,
    }
    if verify:
        at = timezone.now() + timedelta(days=1)
        chains: dict[int, tuple[bytes, bytes] | None] = {}
        problems: Counter[str] = Counter()
        rows = certificates.values_list("card_id", "card__card_id_code", "authority_id", "der")
        for n, (card_id, id_code, authority_id, der) in enumerate(rows.order_by("card_id")):
            if authority_id not in chains:
                chains[authority_id] = chain_of(authority_id)
            problem = _certificate_problem(
                card_id, id_code, bytes(der), chains[authority_id], at=at, key=n % keys_every == 0
            )
            if problem is not None:
                problems[problem] += 1
        state["certificates_verified"] = len(with_certificate) - sum(problems.values())
        state["certificate_problems"] = dict(problems)
    return state


# --------------------------------------------------------------------------------------------
# Command line for child processes
# --------------------------------------------------------------------------------------------


def _say(value: dict[str, Any]) -> None:
    print(json.dumps(value), flush=True)


def _hold(rows: Sequence[Sequence[Any]]) -> None:
    """Say what the open transaction has written for the chunk, then wait to be killed."""
    ids = [row[0] for row in rows]
    written = {
        "certificates": CardCertificate.objects.filter(card_id__in=ids).count(),
        "keys": CardKey.objects.filter(card_id__in=ids).count(),
        "personalised": Card.objects.filter(pk__in=ids, stage=CardStage.PERSONALISED).count(),
    }
    _say({"holding": [ids[0], ids[-1]], "written": written, "pid": os.getpid()})
    time.sleep(600)


def _work(batch_id: int, size: int, hold_at: str, hold_chunk: int, delay: float) -> int:
    """Personalise like a worker does (``batch_personalise``), with the requested stop."""
    from sscard.production.services import personalise

    chunks = 0
    current: list[Sequence[Any]] = []
    write = personalise.Personaliser.write

    def slow_write(self: personalise.Personaliser, rows: Sequence[Any]) -> None:
        nonlocal chunks, current
        chunks += 1
        current = list(rows)
        write(self, rows)
        if hold_at == "write" and chunks == hold_chunk:
            _hold(current)
        if delay:
            time.sleep(delay)

    def holding_append(*, actor: Actor, fact: AuditFact) -> object:
        event = audit_append(actor=actor, fact=fact)
        if hold_at == "audit" and fact.action == "cards_personalise" and chunks == hold_chunk:
            _hold(current)
        return event

    with (
        mock.patch.object(personalise.Personaliser, "write", slow_write),
        mock.patch.object(personalise, "audit_append", holding_append),
    ):
        return personalise.batch_personalise(batch_id=batch_id, size=size)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sscard.testing.personalise_child")
    commands = parser.add_subparsers(dest="command", required=True)
    setup = commands.add_parser("setup", help="a started batch of ordered cards")
    setup.add_argument("--cards", type=int, required=True)
    work = commands.add_parser("work", help="personalise as a worker does")
    work.add_argument("--batch", type=int, required=True)
    work.add_argument("--chunk", type=int, default=20)
    work.add_argument("--hold-at", choices=["", "write", "audit"], default="")
    work.add_argument("--hold-chunk", type=int, default=1)
    work.add_argument("--delay", type=float, default=0.0)
    resume = commands.add_parser("resume", help="batch_start: resume a stopped batch")
    resume.add_argument("--batch", type=int, required=True)
    state = commands.add_parser("state", help="print batch_state() as JSON")
    state.add_argument("--batch", type=int, required=True)
    state.add_argument("--verify", action="store_true")
    state.add_argument("--keys-every", type=int, default=1)
    args = parser.parse_args(argv)
    if args.command == "setup":
        batch = ordered_batch(args.cards)
        # Started, as an operator starts it, but no worker comes: the test runs them.
        with override_settings(SSCARD_PERSONALISE_TASKS=0):
            batch_start(actor=SYSTEM, batch_id=batch.pk)
        refresh_statistics()
        _say({"batch": batch.pk})
    elif args.command == "work":
        done = _work(args.batch, args.chunk, args.hold_at, args.hold_chunk, args.delay)
        _say({"done": done, "pid": os.getpid()})
    elif args.command == "resume":
        # Without a broker the queued tasks run here, in-process, when the start commits.
        batch_start(actor=SYSTEM, batch_id=args.batch)
        _say({"status": Batch.objects.get(pk=args.batch).status})
    else:
        _say(batch_state(args.batch, verify=args.verify, keys_every=args.keys_every))

"""The card factory's side of production: the batch file it gets (制卡数据文件) and the result
file it sends back (made / defective per card).

The batch file is JSON lines — a header with the CA chain, then one line per card with what the
factory prints and loads (codes, name, ID number, validity, certificate, private key) — sealed
with SM4-GCM under the factory transport key as it is written, so the plaintext never touches
the disk. Beside it goes a manifest: the SM3 digests of the plaintext and of the sealed file,
the count, and an SM2 signature of the issuing CA over the manifest, so the factory can check
that the file is whole and comes from the production centre.

The result import is all or nothing: a file with one row that does not fit the batch is refused
as a whole with the row's number and code (the first such row; the refusal lists every row that
does not fit, up to :data:`LISTED_ROW_ERRORS`, and counts them all), and the same file imported
twice changes nothing.
Defective cards are cancelled and remade (new codes, new key) in a remake batch.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sscard.cards.choices import CardStage, SocialSecurityFunction
from sscard.cards.milestones import card_milestones_record
from sscard.cards.models import Card, CardCertificate
from sscard.cards.services import cards_advance, cards_remake
from sscard.cards.services.authority import Issuer, authority_ensure
from sscard.core.actors import Actor
from sscard.core.audit import AuditFact, audit_append
from sscard.core.crypto import ID_NUMBER, field_cipher, secret_unwrap
from sscard.core.errors import ApplicationError, NotFound
from sscard.core.models import MilestoneKind
from sscard.kernel.gm import Sm3Stream, Sm4GcmSealer, sm3
from sscard.production.choices import BatchKind, BatchStatus, FactoryOutcome
from sscard.production.errors import ProductionErrorCode
from sscard.production.models import Batch, BatchCard, CardKey, FactoryExport, FactoryResult
from sscard.production.rules import batch_export_refusal, batch_result_refusal
from sscard.production.services.batches import (
    batch_create,
    batch_locked_in_transaction,
    check_operator,
)
from sscard.production.services.personalise import key_label

FORMAT: Final = "sscard-factory/1"
RESULT_HEADER: Final = ("card_number", "card_id_code", "outcome", "defect_reason")
OBJECT = "production.batch"
_ROWS = 2000  # cards read, decrypted and sealed per round
# chosen: a refusal lists this many wrong rows (the page shows them, the count says the rest),
# so that a file wrong on every one of its 100,000 rows is still told in a short answer.
LISTED_ROW_ERRORS: Final = 50


def factory_key() -> bytes:
    return bytes.fromhex(settings.SSCARD_FACTORY_KEY)


def _aad(batch_id: int) -> bytes:
    # The batch id is authenticated: a file renamed to another batch does not open.
    return f"{FORMAT}|batch:{batch_id}".encode()


@dataclass(frozen=True, slots=True)
class ExportFiles:
    """What one export wrote."""

    export: FactoryExport
    data: Path
    manifest: Path


def _card_lines(batch: Batch, issuer: Issuer) -> Any:
    """The header, then one JSON line per card of the batch (personalised, in card order)."""
    yield {
        "format": FORMAT,
        "batch": batch.pk,
        "kind": batch.kind,
        "channel": batch.channel,
        "collected_on": batch.collected_on.isoformat(),
        "cards": batch.card_count,
        "issuing_ca": base64.b64encode(issuer.certificate).decode(),
        "root_ca": base64.b64encode(issuer.root_certificate).decode(),
    }
    cipher = field_cipher()
    last = 0
    while True:
        rows = list(
            Card.objects.filter(batch_entry__batch=batch, pk__gt=last)
            .order_by("pk")
            .values_list(
                "pk", "card_number", "card_id_code", "generation", "interfaces", "functions",
                "bank_code", "issued_on", "valid_until", "stage", "person__name",
                "person__id_number_enc", "application__photo__digest",
            )[:_ROWS]
        )  # fmt: skip
        if not rows:
            return
        last = rows[-1][0]
        ids = [r[0] for r in rows]
        certs = dict(CardCertificate.objects.filter(card_id__in=ids).values_list("card_id", "der"))
        keys = dict(CardKey.objects.filter(card_id__in=ids).values_list("card_id", "key_wrapped"))
        id_numbers = cipher.decrypt_many([bytes(r[11]) for r in rows], field=ID_NUMBER)
        for row, id_number in zip(rows, id_numbers, strict=True):
            pk = row[0]
            if row[9] != CardStage.PERSONALISED or pk not in certs or pk not in keys:
                raise ProductionErrorCode.BATCH_NOT_PERSONALISED.error(card_id=pk, stage=row[9])
            yield {
                "card_number": row[1],
                "card_id_code": row[2],
                "generation": row[3],
                "interfaces": row[4],
                "functions": row[5],
                "bank": row[6],
                "issued_on": row[7].isoformat(),
                "valid_until": row[8].isoformat(),
                "name": row[10],
                "id_number": id_number,
                "photo_sm3": row[12] or "",
                "certificate": base64.b64encode(bytes(certs[pk])).decode(),
                "private_key": secret_unwrap(bytes(keys[pk]), label=key_label(pk)).hex(),
            }


def manifest_body(manifest: dict[str, Any]) -> bytes:
    """The bytes the manifest's signature covers: its JSON without the signature, canonical."""
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def batch_export(*, actor: Actor, batch_id: int, out_dir: Path) -> ExportFiles:
    """Write the batch's sealed factory file and its signed SM3 manifest into ``out_dir``.

    The batch must be personalised (``batch_not_personalised``). The files are written beside
    their final names and renamed into place at the end, so a failed export leaves nothing
    that looks like a finished file.
    """
    check_operator(actor)
    batch = _exportable_batch(batch_id)
    issuer = authority_ensure(actor=actor)
    out_dir.mkdir(parents=True, exist_ok=True)
    number = FactoryExport.objects.filter(batch=batch).count() + 1
    stem = f"batch-{batch.pk}-{number}"
    data_path = out_dir / f"{stem}.sm4"
    manifest_path = out_dir / f"{stem}.manifest.json"
    manifest = _write_sealed_file(batch, issuer, data_path, manifest_path)
    export = _export_record(actor, batch, data_path, manifest)
    return ExportFiles(export=export, data=data_path, manifest=manifest_path)


def _exportable_batch(batch_id: int) -> Batch:
    """The batch, if a factory file may be written for it now."""
    batch = Batch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise NotFound("batch", what_zh="该批次")
    # A file may be written again while the factory has not answered (a lost transfer); once
    # any of its result is in, the file would list cards made already: none is written. The
    # batches pages offer "write the file" by the same predicate.
    reported = int(BatchCard.objects.filter(batch=batch).exclude(outcome="").exists())
    refused = batch_export_refusal(batch, reported=reported)
    if refused is not None:
        raise refused
    return batch


def _write_sealed_file(
    batch: Batch, issuer: Issuer, data_path: Path, manifest_path: Path
) -> dict[str, Any]:
    """Seal the batch's lines into ``data_path`` and sign the manifest beside it; answer the
    manifest. Nothing is left at either name unless both are whole."""
    partial = data_path.with_suffix(".sm4.part")
    plain = Sm3Stream()
    sealed = Sm3Stream()
    sealer = Sm4GcmSealer(factory_key(), aad=_aad(batch.pk))
    size = 0
    cards = -1  # the header is not a card
    try:
        with partial.open("wb") as fh:

            def put(chunk: bytes) -> None:
                nonlocal size
                if chunk:
                    fh.write(chunk)
                    sealed.update(chunk)
                    size += len(chunk)

            put(sealer.header)
            for line in _card_lines(batch, issuer):
                raw = json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
                plain.update(raw)
                put(sealer.update(raw))
                cards += 1
            put(sealer.finalize())
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "batch": batch.pk,
            "file": data_path.name,
            "cards": cards,
            "bytes": size,
            "plain_sm3": plain.hexdigest(),
            "sealed_sm3": sealed.hexdigest(),
            "cipher": "SM4-GCM",
            "created_at": timezone.now().isoformat(),
            "signed_by": issuer.authority.common_name,
        }
        signature = issuer.key.sign(manifest_body(manifest))
        manifest["signature"] = base64.b64encode(signature).decode()
        partial.replace(data_path)
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def _export_record(
    actor: Actor, batch: Batch, data_path: Path, manifest: dict[str, Any]
) -> FactoryExport:
    """Record the file written, move the batch to ``exported`` (once) and audit it."""
    with transaction.atomic():
        locked = batch_locked_in_transaction(batch.pk)
        export = FactoryExport.objects.create(
            batch=locked,
            card_count=manifest["cards"],
            plain_sm3=manifest["plain_sm3"],
            cipher_sm3=manifest["sealed_sm3"],
            bytes=manifest["bytes"],
            file_name=data_path.name,
            manifest=manifest,
            created_at=timezone.now(),
            created_by=actor.label,
        )
        if locked.status == BatchStatus.PERSONALISED:
            locked.status = BatchStatus.EXPORTED
            locked.save(update_fields=["status"])
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="batch_export",
                object_type=OBJECT,
                object_id=str(locked.pk),
                changes={
                    "export_id": export.pk,
                    "cards": manifest["cards"],
                    "sealed_sm3": export.cipher_sm3,
                },
            ),
        )
    return export


# --------------------------------------------------------------------------------------------
# The factory's result file
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResultRow:
    card_number: str
    card_id_code: str
    outcome: str
    reason: str
    row: int  # its record number in the file (blank lines count), for a refusal to name


class RowErrors:
    """The rows of a result file that do not fit, in file order: the first
    :data:`LISTED_ROW_ERRORS` kept, all of them counted."""

    def __init__(self) -> None:
        self.listed: list[ApplicationError] = []
        self.count = 0

    def add(self, error: ApplicationError) -> None:
        self.count += 1
        if len(self.listed) < LISTED_ROW_ERRORS:
            self.listed.append(error)

    def __bool__(self) -> bool:
        return self.count > 0


def _row_of(error: ApplicationError) -> int:
    return int(error.details.get("row") or 0)


def _refuse_rows(*found: RowErrors) -> None:
    """Refuse the file if any row does not fit: the first wrong row's refusal, its details
    listing the wrong rows in file order (``errors``: row, code, both messages) and counting
    them all (``error_count``). Each of ``found`` is in file order and keeps its first rows,
    so the first rows of all of them together are among those kept."""
    count = sum(f.count for f in found)
    if not count:
        return
    listed = sorted((e for f in found for e in f.listed), key=_row_of)[:LISTED_ROW_ERRORS]
    first = listed[0]
    first.details["errors"] = [
        {"row": _row_of(e), "code": e.code, "message_zh": e.message_zh, "message_en": e.message_en}
        for e in listed
    ]
    first.details["error_count"] = count
    raise first


@dataclass(frozen=True, slots=True)
class _Parsed:
    """A result file read: the rows that read well, and those that did not."""

    rows: list[ResultRow]
    errors: RowErrors


def _parse_result(data: bytes) -> _Parsed:
    """Read the file's rows. A file that cannot be read as a whole (its encoding, its header,
    no row) is refused at once; a row that cannot be read is noted and the next one read."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProductionErrorCode.FACTORY_RESULT_ENCODING.at_row(1) from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
    except csv.Error:  # e.g. a cell beyond the reader's size limit
        header = None
    if header is None or tuple(h.strip() for h in header) != RESULT_HEADER:
        raise ProductionErrorCode.FACTORY_RESULT_HEADER.at_row(1)
    rows: list[ResultRow] = []
    errors = RowErrors()
    n = 1
    try:
        for n, cells in enumerate(reader, start=2):
            if not cells:
                continue
            if len(cells) != len(RESULT_HEADER):
                errors.add(ProductionErrorCode.FACTORY_RESULT_CELLS.at_row(n))
                continue
            number, code, outcome, reason = (c.strip() for c in cells)
            if outcome not in FactoryOutcome.values:
                errors.add(ProductionErrorCode.FACTORY_RESULT_OUTCOME.at_row(n, outcome=outcome))
                continue
            rows.append(ResultRow(number, code, outcome, reason[:200], n))
    except csv.Error:  # the row after the last one read cannot be read (a cell too large)
        # the reader cannot go on past it: the rest of the file is not read
        errors.add(ProductionErrorCode.FACTORY_RESULT_CELLS.at_row(n + 1))
    if not rows and not errors:
        raise ProductionErrorCode.FACTORY_RESULT_EMPTY.at_row(2)
    return _Parsed(rows, errors)


@dataclass(frozen=True, slots=True)
class _Outcomes:
    """What a result file says that is new: cards made, cards defective (with the reason),
    and how many rows repeat what was recorded before."""

    made: list[int]
    defective: dict[int, str]
    unchanged: int


@dataclass(frozen=True, slots=True)
class ResultCheck:
    """What importing a result file would do, found without writing anything: cards made,
    cards defective (cancelled and remade in a remake batch), rows recorded before; or that
    this very file was imported already (nothing would change)."""

    made: int
    defective: int
    unchanged: int
    imported_before: bool


def _checked(batch: Batch | None, digest: str, parsed: _Parsed) -> FactoryResult | _Outcomes:
    """What the file does to the batch: the result recorded when this very file was imported
    before, or its new outcomes. Refuses the file (its wrong rows first, as they were read),
    a batch that takes no result now, or one that is not there."""
    if batch is None:
        _refuse_rows(parsed.errors)
        raise NotFound("batch", what_zh="该批次")
    already = FactoryResult.objects.filter(file_sm3=digest).first()
    if already is not None:
        if already.batch_id != batch.pk:
            raise ProductionErrorCode.FACTORY_RESULT_OTHER_BATCH.at_row(1, batch=already.batch_id)
        return already
    refused = batch_result_refusal(batch)  # the batch page offers the upload by it too
    if refused is not None:
        _refuse_rows(parsed.errors)
        raise refused
    unfit = RowErrors()
    outcomes = _check_rows(batch, parsed.rows, unfit)
    _refuse_rows(parsed.errors, unfit)
    return outcomes


def factory_result_check(*, actor: Actor, batch_id: int, data: bytes) -> ResultCheck:
    """Check a result file as :func:`factory_result_import` would, and count what it would do,
    without writing: the page asks the operator to confirm before defective cards are
    cancelled and remade. Refuses with the import's own codes."""
    check_operator(actor)
    digest = sm3(data).hex()
    parsed = _parse_result(data)
    found = _checked(Batch.objects.filter(pk=batch_id).first(), digest, parsed)
    if isinstance(found, FactoryResult):
        return ResultCheck(0, 0, len(parsed.rows), imported_before=True)
    return ResultCheck(
        len(found.made), len(found.defective), found.unchanged, imported_before=False
    )


def factory_result_import(
    *, actor: Actor, batch_id: int, data: bytes, today: date
) -> FactoryResult:
    """Import the factory's result for a batch: made cards become ``produced``; defective ones
    are cancelled and remade in a remake batch. The same file again changes nothing."""
    check_operator(actor)
    digest = sm3(data).hex()
    parsed = _parse_result(data)
    with transaction.atomic():
        batch = Batch.objects.select_for_update().filter(pk=batch_id).first()
        found = _checked(batch, digest, parsed)
        if isinstance(found, FactoryResult):
            return found
        assert batch is not None  # _checked refuses a batch that is not there
        outcomes = found
        now = timezone.now()
        _record_made(outcomes.made, now, today)
        remake_batch = _record_defective(actor, batch, outcomes.defective, today)
        if not BatchCard.objects.filter(batch=batch, outcome="").exists():
            batch.status = BatchStatus.COMPLETED
            batch.save(update_fields=["status"])
        return _result_record(actor, batch, digest, outcomes, remake_batch, now)


def _check_rows(batch: Batch, rows: list[ResultRow], unfit: RowErrors) -> _Outcomes:
    """Match every row with a card of the batch; those that do not fit are noted in
    ``unfit`` (any of them refuses the whole file)."""
    stored = {
        number: (pk, code, stage, outcome)
        for pk, number, code, stage, outcome in Card.objects.filter(
            batch_entry__batch=batch
        ).values_list("pk", "card_number", "card_id_code", "stage", "batch_entry__outcome")
    }
    made: list[int] = []
    defective: dict[int, str] = {}
    unchanged = 0
    seen: set[str] = set()
    for row in rows:
        n, number = row.row, row.card_number
        found = stored.get(number)
        if found is None or found[1] != row.card_id_code:
            unfit.add(ProductionErrorCode.FACTORY_RESULT_CARD_UNKNOWN.at_row(n, card_number=number))
            continue
        if number in seen:
            unfit.add(ProductionErrorCode.FACTORY_RESULT_DUPLICATE.at_row(n, card_number=number))
            continue
        seen.add(number)
        pk, _code, stage, outcome = found
        if outcome:
            if outcome != row.outcome:
                unfit.add(
                    ProductionErrorCode.FACTORY_RESULT_CONFLICT.at_row(
                        n, card_number=number, recorded=outcome
                    )
                )
            else:
                unchanged += 1
        elif stage != CardStage.PERSONALISED:
            unfit.add(
                ProductionErrorCode.FACTORY_RESULT_CARD_STATE.at_row(
                    n, card_number=number, stage=stage
                )
            )
        elif row.outcome == FactoryOutcome.MADE:
            made.append(pk)
        else:
            defective[pk] = row.reason
    return _Outcomes(made=made, defective=defective, unchanged=unchanged)


def _record_made(made: list[int], now: datetime, today: date) -> None:
    cards_advance(
        card_ids=made,
        from_stages=[CardStage.PERSONALISED],
        to_stage=CardStage.PRODUCED,
        produced_at=now,
    )
    BatchCard.objects.filter(card_id__in=made).update(outcome=FactoryOutcome.MADE)
    card_milestones_record(MilestoneKind.MADE, made, day=today, at=now)


def _record_defective(
    actor: Actor, batch: Batch, defective: dict[int, str], today: date
) -> Batch | None:
    """Cancel the defective cards, note why, and remake them in a remake batch (answered)."""
    defective_ids = sorted(defective)
    # A defective card never reaches anyone: its number answers "cancelled" to a reader.
    cards_advance(
        card_ids=defective_ids,
        from_stages=[CardStage.PERSONALISED],
        to_stage=CardStage.DEFECTIVE,
        ss_function=SocialSecurityFunction.CANCELLED,
    )
    by_reason: dict[str, list[int]] = {}
    for pk, reason in defective.items():
        by_reason.setdefault(reason, []).append(pk)
    for reason, ids in by_reason.items():
        BatchCard.objects.filter(card_id__in=ids).update(
            outcome=FactoryOutcome.DEFECTIVE, defect_reason=reason
        )
    if not defective_ids:
        return None
    remakes = cards_remake(actor=actor, card_ids=defective_ids, today=today)
    return batch_create(
        actor=actor,
        kind=BatchKind.REMAKE,
        channel=batch.channel,
        collected_on=batch.collected_on,
        card_ids=remakes,
    )


def _result_record(
    actor: Actor,
    batch: Batch,
    digest: str,
    outcomes: _Outcomes,
    remake_batch: Batch | None,
    now: datetime,
) -> FactoryResult:
    result = FactoryResult.objects.create(
        batch=batch,
        file_sm3=digest,
        made=len(outcomes.made),
        defective=len(outcomes.defective),
        unchanged=outcomes.unchanged,
        remake_batch=remake_batch,
        created_at=now,
        created_by=actor.label,
    )
    audit_append(
        actor=actor,
        fact=AuditFact(
            action="factory_result_import",
            object_type=OBJECT,
            object_id=str(batch.pk),
            changes={
                "result_id": result.pk,
                "file_sm3": digest,
                "made": len(outcomes.made),
                "defective": len(outcomes.defective),
                "unchanged": outcomes.unchanged,
                "remake_batch": remake_batch.pk if remake_batch else None,
            },
        ),
    )
    return result

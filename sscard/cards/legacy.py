"""The legacy-cards import (存量卡导入): the cards the old system issued, from its export.

The first- and second-generation cards already in people's pockets (and any third-generation
ones issued before sscard) come in by the bulk-import machinery of ``sscard.core.bulk``:
streamed CSV or XLSX, refused rows reported with their codes and row numbers, chunks that
commit on their own and resume after a kill, and a keyed digest per row so that importing the
same file again writes nothing. Each chunk writes its cards with one statement and one audit
event (``import`` of ``card``, the new cards' ids in ``changes["ids"]``).

Columns (English header, or the Chinese one in brackets; every column present, a cell marked
optional may be empty):

``id_number`` (身份证件号码)
    the holder's identity number; the holder must be in the registry already.
``card_number`` (卡号)
    9 characters, as ``sscard.kernel.cardcodes`` checks them.
``card_id_code`` (卡识别码)
    32 characters, as ``sscard.kernel.cardcodes`` checks them.
``generation`` (卡代次)
    ``1``, ``2`` or ``3``.
``bank`` (发卡银行)
    the code of the issuing bank in the banks list (``network.Bank``, e.g. ``ICBC``);
    optional: a card without a financial function names none.
``issued_on`` (发卡日期), ``valid_until`` (卡有效期)
    ``YYYY-MM-DD`` or ``YYYYMMDD``; the card may not expire before it was issued.
``state`` (卡状态)
    the legacy system's state, mapped onto the card's facets (:data:`STATES`):
    ``not_enabled`` (未启用), ``enabled`` (正常/已启用), ``temporary_loss`` (临时挂失),
    ``formal_loss`` (正式挂失), ``cancelled`` (注销/已注销), ``replaced`` (已换卡/已补换:
    void, a newer card took its place). A card reported lost is blocked as the report says and
    enabled; one reported lost before it was enabled is ``not_enabled_temporary_loss``
    (未启用临时挂失) or ``not_enabled_formal_loss`` (未启用正式挂失).
``blocked_until`` (挂失截止日期)
    optional, for the temporary losses only: the day the temporary block ends (empty: it
    holds).
``financial_state`` (金融状态)
    optional: ``not_activated`` (未激活, the default), ``activated`` (已激活), ``closed``
    (已销户).

A card imported is in its holder's hands (stage ``handed_over``), with no application, no
pack and no milestone: the statistics count what the campaign did, and an old card is not an
issue of it. What a holder already holds is the card table itself (``Card.current()``): the
one-card-per-generation rule, the "already holds a card" answers and the person list's card
status see imported cards as they see any other, and enabling a new card voids the old one
(``old_voided``, BJ-10, SH-16) as for any card.

Refused rows (``CardsErrorCode.LEGACY_*``): a malformed identity number, card number,
identification code or date; an unknown holder, generation, bank, state or financial state; a
card that expires before its issue; a card number or identification code that repeats an
earlier row of the file (the refusal names that row; the earlier row is imported) or belongs
to another card already stored; a holder with two cards in force in the file (one per
generation, one enabled card) or with a card in force already stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from sscard.cards.choices import (
    CardBlock,
    CardStage,
    FinancialFunction,
    SocialSecurityFunction,
)
from sscard.cards.errors import CardsErrorCode
from sscard.cards.models import Card
from sscard.cards.services._shared import CARD_OBJECT
from sscard.core.actors import Actor
from sscard.core.audit import AuditFact
from sscard.core.bulk import ImportContext, ImportSpec, Progress, id_ranges
from sscard.core.bulk import run_import as _run_import
from sscard.core.crypto import ID_NUMBER, field_cipher, live_key_versions, row_digest
from sscard.core.models import ImportJob
from sscard.core.prepare import RowError
from sscard.core.tables import table_header_names
from sscard.kernel import cardcodes, idnumber
from sscard.network.models import Bank
from sscard.registry.models import Person

__all__ = [
    "COLUMNS",
    "COLUMNS_ZH",
    "STATES",
    "LegacyCardSpec",
    "import_legacy_cards",
    "legacy_card_spec",
]

KIND = ImportJob.Kind.LEGACY_CARDS
COLUMNS: tuple[str, ...] = (
    "id_number",
    "card_number",
    "card_id_code",
    "generation",
    "bank",
    "issued_on",
    "valid_until",
    "state",
    "blocked_until",
    "financial_state",
)
COLUMNS_ZH: tuple[str, ...] = (
    "身份证件号码",
    "卡号",
    "卡识别码",
    "卡代次",
    "发卡银行",
    "发卡日期",
    "卡有效期",
    "卡状态",
    "挂失截止日期",
    "金融状态",
)
GENERATIONS = frozenset({1, 2, 3})


@dataclass(frozen=True, slots=True)
class LegacyState:
    """How one state of the legacy system sits on the card's facets."""

    ss_function: SocialSecurityFunction
    block: CardBlock

    @property
    def in_force(self) -> bool:
        """The card holds its holder's place for its generation (``cards.models.CURRENT_CARD``)."""
        return self.ss_function not in (
            SocialSecurityFunction.INVALID,
            SocialSecurityFunction.CANCELLED,
        )


STATES: dict[str, LegacyState] = {
    "not_enabled": LegacyState(SocialSecurityFunction.NOT_ENABLED, CardBlock.NONE),
    "enabled": LegacyState(SocialSecurityFunction.ENABLED, CardBlock.NONE),
    "temporary_loss": LegacyState(SocialSecurityFunction.ENABLED, CardBlock.TEMPORARY),
    "formal_loss": LegacyState(SocialSecurityFunction.ENABLED, CardBlock.FORMAL),
    "not_enabled_temporary_loss": LegacyState(
        SocialSecurityFunction.NOT_ENABLED, CardBlock.TEMPORARY
    ),
    "not_enabled_formal_loss": LegacyState(SocialSecurityFunction.NOT_ENABLED, CardBlock.FORMAL),
    "cancelled": LegacyState(SocialSecurityFunction.CANCELLED, CardBlock.NONE),
    "replaced": LegacyState(SocialSecurityFunction.INVALID, CardBlock.NONE),
}
# What the legacy export may write instead of the codes above (its Chinese labels).
STATE_ALIASES: dict[str, str] = {
    "未启用": "not_enabled",
    "normal": "enabled",
    "正常": "enabled",
    "已启用": "enabled",
    "临时挂失": "temporary_loss",
    "正式挂失": "formal_loss",
    "未启用临时挂失": "not_enabled_temporary_loss",
    "未启用正式挂失": "not_enabled_formal_loss",
    "注销": "cancelled",
    "已注销": "cancelled",
    "已换卡": "replaced",
    "已补换": "replaced",
}
FINANCIAL_STATES: dict[str, str] = {
    "": FinancialFunction.NOT_ACTIVATED.value,
    "not_activated": FinancialFunction.NOT_ACTIVATED.value,
    "未激活": FinancialFunction.NOT_ACTIVATED.value,
    "activated": FinancialFunction.ACTIVATED.value,
    "已激活": FinancialFunction.ACTIVATED.value,
    "closed": FinancialFunction.CLOSED.value,
    "已销户": FinancialFunction.CLOSED.value,
}
_FINANCIAL_CODES = sorted(v for k, v in FINANCIAL_STATES.items() if k == v)
_SEPARATOR = "\x1f"
_INSERT_COLUMNS = (
    "id", "person_id", "application_id", "generation", "interfaces", "functions", "bank_code",
    "card_number", "card_id_code", "stage", "ss_function", "financial_function", "block",
    "blocked_until", "issued_on", "valid_until", "enabled_at", "financial_changed_at",
    "pack_hash", "remake_of_id", "replaced_by_id", "produced_at", "dispatched_at",
    "pickup_outlet_id", "arrived_at", "handed_over_at", "handed_over_outlet_id",
    "source_digest", "import_job_id", "import_row",
)  # fmt: skip


@dataclass(slots=True)
class _Row:
    """One row that passed its own checks, waiting for the checks against the others."""

    number: int
    id_number: str
    card_number: str
    card_id_code: str
    generation: int
    bank: str
    issued_on: date
    valid_until: date
    state: str
    blocked_until: date | None
    financial: str
    person_id: int = 0
    digest: bytes = b""

    @property
    def facets(self) -> LegacyState:
        return STATES[self.state]


def _date(text: str) -> date | None:
    """A date written ``YYYY-MM-DD`` (as XLSX date cells arrive) or ``YYYYMMDD``."""
    value = text.replace("-", "") if len(text) == 10 and text[4] == text[7] == "-" else text
    if len(value) != 8 or not value.isdigit():
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


class LegacyCardSpec(ImportSpec):
    """Cards of the legacy system (columns: :data:`COLUMNS`, see the module)."""

    kind = KIND
    columns: ClassVar[tuple[str, ...]] = COLUMNS
    table = Card._meta.db_table

    def begin(self, ctx: ImportContext) -> None:
        self.banks = frozenset(Bank.objects.values_list("code", flat=True))

    def process(self, ctx: ImportContext, rows: list[tuple[int, list[str]]]) -> AuditFact | None:
        parsed: list[_Row] = []
        for number, cells in rows:
            row = self._parse(ctx, number, [c.strip() for c in cells])
            if row is not None:
                parsed.append(row)
        holders = self._holders(ctx, parsed)
        fresh = self._against_stored(ctx, holders)
        if not fresh:
            return None
        ids = ctx.writer.allocate_ids(self.table, len(fresh))
        ctx.writer.insert(
            self.table,
            _INSERT_COLUMNS,
            [self._values(ctx, pk, row) for pk, row in zip(ids, fresh, strict=True)],
        )
        ctx.counts["inserted"] += len(fresh)
        return AuditFact(
            action="import",
            object_type=CARD_OBJECT,
            object_id=f"job:{ctx.job.pk}",
            changes={"created": len(fresh), "ids": id_ranges(ids), "source": "legacy"},
        )

    def _parse(self, ctx: ImportContext, number: int, cells: list[str]) -> _Row | None:
        """The row's own checks, one error per faulty cell; ``None`` if any failed."""
        id_text, card_text, code_text, generation_text, bank, issued, valid = cells[:7]
        state_text, blocked_text, financial_text = cells[7:]
        errors: list[RowError] = []
        id_value = card_value = code_value = ""
        try:
            id_value = idnumber.parse(id_text, today=ctx.today).value
        except idnumber.IdNumberError:
            errors.append(CardsErrorCode.LEGACY_ID_NUMBER_INVALID.at(number, "id_number"))
        try:
            card_value = cardcodes.parse_card_number(card_text)
        except cardcodes.CardCodeError:
            errors.append(CardsErrorCode.LEGACY_CARD_NUMBER_INVALID.at(number, "card_number"))
        try:
            code_value = cardcodes.parse_card_identification_code(code_text)
        except cardcodes.CardCodeError:
            errors.append(CardsErrorCode.LEGACY_CARD_ID_CODE_INVALID.at(number, "card_id_code"))
        generation = int(generation_text) if generation_text.isdigit() else 0
        if generation not in GENERATIONS:
            errors.append(CardsErrorCode.LEGACY_GENERATION_UNKNOWN.at(number, "generation"))
        bank = bank.upper()
        if bank and bank not in self.banks:
            errors.append(CardsErrorCode.LEGACY_BANK_UNKNOWN.at(number, "bank"))
        issued_on, valid_until = _date(issued), _date(valid)
        for column, value in (("issued_on", issued_on), ("valid_until", valid_until)):
            if value is None:
                errors.append(CardsErrorCode.LEGACY_DATE_INVALID.at(number, column))
        if issued_on is not None and valid_until is not None and valid_until < issued_on:
            errors.append(
                CardsErrorCode.LEGACY_VALID_UNTIL_BEFORE_ISSUED_ON.at(number, "valid_until")
            )
        state = STATE_ALIASES.get(state_text, state_text.lower())
        if state not in STATES:
            errors.append(CardsErrorCode.LEGACY_STATE_UNKNOWN.at(number, "state", states=[*STATES]))
        blocked_until = _date(blocked_text) if blocked_text else None
        if blocked_text and blocked_until is None:
            errors.append(CardsErrorCode.LEGACY_DATE_INVALID.at(number, "blocked_until"))
        elif blocked_text and state in STATES and STATES[state].block != CardBlock.TEMPORARY:
            errors.append(
                CardsErrorCode.LEGACY_BLOCKED_UNTIL_UNEXPECTED.at(number, "blocked_until")
            )
        financial = FINANCIAL_STATES.get(
            financial_text.lower(), FINANCIAL_STATES.get(financial_text)
        )
        if financial is None:
            errors.append(
                CardsErrorCode.LEGACY_FINANCIAL_STATE_UNKNOWN.at(
                    number, "financial_state", states=_FINANCIAL_CODES
                )
            )
        if errors or issued_on is None or valid_until is None or financial is None:
            ctx.refuse(*errors)
            return None
        return _Row(
            number, id_value, card_value, code_value, generation, bank, issued_on,
            valid_until, state, blocked_until, financial,
        )  # fmt: skip

    def _holders(self, ctx: ImportContext, rows: list[_Row]) -> list[_Row]:
        """The rows whose holder is in the registry, each with its person and digest."""
        if not rows:
            return []
        wanted: dict[bytes, int] = {}
        numbers = [r.id_number for r in rows]
        indexes_by_version = [
            field_cipher(v).index_many(numbers, field=ID_NUMBER) for v in live_key_versions()
        ]
        for indexes in indexes_by_version:
            wanted.update(dict.fromkeys(indexes, 0))
        stored = ctx.writer.probe(Person._meta.db_table, "id_number_index", wanted, ("id",))
        found: list[_Row] = []
        for k, row in enumerate(rows):
            hit = next(
                (stored[i[k]] for i in indexes_by_version if i[k] in stored),
                None,
            )
            if hit is None:
                ctx.refuse(CardsErrorCode.LEGACY_HOLDER_UNKNOWN.at(row.number, "id_number"))
                continue
            row.person_id = int(hit[0])
            # The digest names the holder by their record, never by the identity number: a
            # key rotation changes nothing, and the digest holds no personal identifier.
            cells = [
                str(row.person_id), row.card_number, row.card_id_code, str(row.generation),
                row.bank, row.issued_on.isoformat(), row.valid_until.isoformat(), row.state,
                row.blocked_until.isoformat() if row.blocked_until else "", row.financial,
            ]  # fmt: skip
            row.digest = row_digest(_SEPARATOR.join(cells), kind=KIND)
            found.append(row)
        return found

    def _against_stored(self, ctx: ImportContext, rows: list[_Row]) -> list[_Row]:
        """The rows to write: refuse repeats of earlier rows, clashes with stored cards and
        second cards in force; count rows already imported unchanged."""
        if not rows:
            return []
        writer = ctx.writer
        by_number = writer.probe(
            self.table,
            "card_number",
            [r.card_number for r in rows],
            ("source_digest", "import_job_id", "import_row"),
        )
        by_code = writer.probe(
            self.table,
            "card_id_code",
            [r.card_id_code for r in rows],
            ("card_number", "import_job_id", "import_row"),
        )
        # The holders are locked in primary-key order, as ordering a card locks them: an order
        # racing this chunk waits for it (and is refused), or this chunk sees its card.
        holders = sorted({r.person_id for r in rows})
        list(
            Person.objects.select_for_update()
            .filter(pk__in=holders)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        # The holders' cards in force: (person, generation) and enabled cards, each with the
        # job and row that brought it (a card sscard ordered has none).
        in_force: dict[tuple[int, int], tuple[int | None, int | None]] = {}
        enabled: dict[int, tuple[int | None, int | None]] = {}
        for person, generation, ss, job, row_number in (
            Card.current()
            .filter(person_id__in={r.person_id for r in rows})
            .values_list("person_id", "generation", "ss_function", "import_job_id", "import_row")
        ):
            in_force[(person, generation)] = (job, row_number)
            if ss == SocialSecurityFunction.ENABLED:
                enabled[person] = (job, row_number)
        ours = ctx.file_jobs | {ctx.job.pk}
        fresh: list[_Row] = []
        for row in rows:
            error = self._clash(ctx, row, by_number, by_code, in_force, enabled, ours)
            if error is not None:
                ctx.refuse(error)
                continue
            if row.card_number in by_number:
                ctx.counts["unchanged"] += 1
                continue
            here = (ctx.job.pk, row.number)
            by_number[row.card_number] = (row.digest, *here)
            by_code[row.card_id_code] = (row.card_number, *here)
            if row.facets.in_force:
                in_force[(row.person_id, row.generation)] = here
                if row.facets.ss_function == SocialSecurityFunction.ENABLED:
                    enabled[row.person_id] = here
            fresh.append(row)
        return fresh

    def _clash(
        self,
        ctx: ImportContext,
        row: _Row,
        by_number: dict[object, tuple[Any, ...]],
        by_code: dict[object, tuple[Any, ...]],
        in_force: dict[tuple[int, int], tuple[int | None, int | None]],
        enabled: dict[int, tuple[int | None, int | None]],
        ours: frozenset[int],
    ) -> RowError | None:
        """Why the row cannot go in beside what is stored and the rows before it, if it
        cannot; ``None`` also for a row imported before unchanged (counted by the caller)."""
        n = row.number
        stored = by_number.get(row.card_number)
        if stored is not None:
            digest, job, first = stored
            if job in ours:
                return CardsErrorCode.LEGACY_CARD_NUMBER_DUPLICATE_IN_FILE.at(
                    n, "card_number", first_row=first
                )
            if digest is not None and bytes(digest) == row.digest:
                return None
            return CardsErrorCode.LEGACY_CARD_NUMBER_EXISTS.at(n, "card_number")
        owner = by_code.get(row.card_id_code)
        if owner is not None:
            _number, job, first = owner
            if job in ours:
                return CardsErrorCode.LEGACY_CARD_ID_CODE_DUPLICATE_IN_FILE.at(
                    n, "card_id_code", first_row=first
                )
            return CardsErrorCode.LEGACY_CARD_ID_CODE_EXISTS.at(n, "card_id_code")
        if not row.facets.in_force:
            return None
        taken = in_force.get((row.person_id, row.generation))
        if row.facets.ss_function == SocialSecurityFunction.ENABLED and taken is None:
            taken = enabled.get(row.person_id)
        if taken is None:
            return None
        job, first = taken
        if job in ours:
            return CardsErrorCode.LEGACY_HOLDER_TWO_CARDS_IN_FORCE.at(
                n, "card_number", first_row=first
            )
        return CardsErrorCode.LEGACY_HOLDER_CARD_IN_FORCE.at(n, "id_number")

    def _values(self, ctx: ImportContext, pk: int, row: _Row) -> tuple[object, ...]:
        """The card's row in :data:`_INSERT_COLUMNS` order."""
        w = ctx.writer
        facets = row.facets
        interfaces = ["contact", "contactless"] if row.generation >= 3 else ["contact"]
        functions = ["medical_settlement", "self_query", *(["financial"] if row.bank else [])]
        blocked = w.date(row.blocked_until) if row.blocked_until else None
        return (
            pk, row.person_id, None, row.generation, json.dumps(interfaces),
            json.dumps(functions), row.bank, row.card_number, row.card_id_code,
            CardStage.HANDED_OVER.value, facets.ss_function.value, row.financial,
            facets.block.value, blocked, w.date(row.issued_on), w.date(row.valid_until),
            None, None, "", None, None, None, None, None, None, None, None,
            row.digest, ctx.job.pk, row.number,
        )  # fmt: skip


class LegacyCardSpecZh(LegacyCardSpec):
    """The same file with the Chinese header (:data:`COLUMNS_ZH`, in the same order)."""

    columns: ClassVar[tuple[str, ...]] = COLUMNS_ZH


def legacy_card_spec(path: Path) -> LegacyCardSpec:
    """The spec that matches the file's header: English or Chinese column names."""
    header = table_header_names(path)
    return LegacyCardSpecZh() if COLUMNS_ZH[0] in header else LegacyCardSpec()


def import_legacy_cards(
    *,
    actor: Actor,
    path: Path,
    file_name: str,
    progress: Progress | None = None,
    chunk_rows: int | None = None,
    today: date | None = None,
) -> ImportJob:
    """Import the legacy system's cards from CSV/XLSX (columns: :data:`COLUMNS`, or the
    Chinese :data:`COLUMNS_ZH`; see the module for what each holds)."""
    return _run_import(
        spec=legacy_card_spec(path),
        actor=actor,
        path=path,
        file_name=file_name,
        progress=progress,
        chunk_rows=chunk_rows,
        today=today,
    )

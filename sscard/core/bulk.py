"""Set-based bulk import: one service behind the CLI, the API and the upload page.

Policy (documented in the README): **valid rows go in, refused rows are reported.** A file
that cannot be read as a whole (encoding, header, CSV syntax, formulas, merged cells) is
refused before any row is written. Rows then commit chunk by chunk, each chunk with the
job's position in the file (``rows_committed``), its counts, its audit event and a heartbeat;
a killed import's job is marked failed by the next import (its process is gone or its
heartbeat is stale), and a run of the same file (same SM3 digest) resumes after the last
committed row, so nothing is lost or written twice. Rows are keyed (ID number, credit code,
school or outlet code); a row whose
key is already stored with the same content is *unchanged* (so importing a file twice changes
nothing), a row whose key is stored with other content is refused (``*_exists``), and a second
row with the same key in one file is refused (``*_duplicate_in_file``). Refused rows go to a
CSV report (row, column, code, message_zh, message_en) that never holds personal data.

Rows move in chunks (``SSCARD_IMPORT_CHUNK_ROWS``): each chunk is validated in Python, probed
against the table with one query, and written with one ``COPY`` on PostgreSQL or one
``executemany`` on SQLite. Memory stays flat however large the file.
"""

from __future__ import annotations

import contextlib
import csv
import os
import socket
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from sscard.core import background, clock
from sscard.core.actors import Actor, Role
from sscard.core.audit import AuditFact, audit_append_many
from sscard.core.errors import ApplicationError, ErrorCode, PermissionDenied
from sscard.core.exports import safe_cell
from sscard.core.import_errors import FileRefused, ImportErrorCode
from sscard.core.models import ImportJob
from sscard.core.prepare import RowError, RowRefused, prepared_chunks
from sscard.core.tables import (
    TableStream,
    check_header,
    check_whole_file,
    open_table,
    table_header,
)
from sscard.core.uploads import file_digest_new, spool_remove

Progress = Callable[[int, int], None]
"""Called with (rows read, bytes read) after each chunk."""


class ErrorReport:
    """Streams refused rows to a CSV file opened on the first error."""

    HEADER = ("row", "column", "code", "message_zh", "message_en")

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._file: Any = None
        self._writer: Any = None

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Owner-only: a report names rows of a file of personal data (issue 10, point 8).
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._file = open(fd, "w", newline="", encoding="utf-8-sig")  # noqa: SIM115
        self._writer = csv.writer(self._file)
        self._writer.writerow(self.HEADER)

    def carry(self, previous: Path, *, through_row: int) -> None:
        """Start with the refusals an interrupted run of the same file committed."""
        with (
            contextlib.suppress(FileNotFoundError),
            previous.open(newline="", encoding="utf-8-sig") as fh,
        ):
            reader = csv.reader(fh)
            next(reader, None)
            for line in reader:
                if line and line[0].isdigit() and int(line[0]) <= through_row:
                    if self._writer is None:
                        self._open()
                    self._writer.writerow(line)
                    self.count += 1

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def add(self, error: RowError) -> None:
        if self._writer is None:
            self._open()
        self._writer.writerow(
            [
                error.row,
                error.column,
                error.code,
                safe_cell(error.message_zh),
                safe_cell(error.message_en),
            ]
        )
        self.count += 1

    def close(self) -> Path | None:
        if self._file is not None:
            self._file.close()
            return self.path
        return None


class BulkWriter:
    """The two set-based write paths: COPY on PostgreSQL, executemany on SQLite."""

    SQLITE_PARAMS = 5000

    def __init__(self) -> None:
        connection.ensure_connection()
        self.vendor = connection.vendor
        self.raw: Any = connection.connection
        self.true: object = True if self.vendor == "postgresql" else 1
        self.false: object = False if self.vendor == "postgresql" else 0
        self._types: dict[str, dict[str, str]] = {}
        self._sequences: dict[str, str] = {}

    def timestamp(self, value: datetime) -> object:
        if self.vendor == "postgresql":
            return value
        return connection.ops.adapt_datetimefield_value(value)

    def date(self, value: date) -> object:
        return value if self.vendor == "postgresql" else value.isoformat()

    def allocate_ids(self, table: str, count: int) -> list[int]:
        """Reserve primary keys so rows can refer to each other before they are written."""
        if count == 0:
            return []
        if self.vendor == "postgresql":
            with self.raw.cursor() as cur:
                sequence = self._sequences.get(table)
                if sequence is None:
                    cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table,))
                    sequence = self._sequences[table] = cur.fetchone()[0]
                # The sequence hands out each value once whatever else runs; the values are
                # almost always one run, so only its ends cross the wire.
                cur.execute(
                    "SELECT min(v), max(v) FROM (SELECT nextval(%s::regclass) AS v"
                    " FROM generate_series(1, %s)) AS reserved",
                    (sequence, count),
                )
                low, high = cur.fetchone()
                if high - low + 1 == count:
                    return list(range(low, high + 1))
                cur.execute(
                    "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", (sequence, count)
                )
                return [r[0] for r in cur.fetchall()]
        # SQLite: the transaction holds the database's write lock, so max(id) is stable.
        cur = self.raw.cursor()
        cur.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608
        top = int(cur.fetchone()[0])
        cur.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,))
        seq = cur.fetchone()
        start = max(top, int(seq[0]) if seq else 0) + 1
        return list(range(start, start + count))

    def probe(
        self, table: str, key: str, keys: Iterable[object], columns: Sequence[str]
    ) -> dict[object, tuple[Any, ...]]:
        """Fetch ``columns`` of the stored rows whose ``key`` is among ``keys``, in one pass."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        select = ", ".join(f'"{c}"' for c in (key, *columns))
        found: dict[object, tuple[Any, ...]] = {}
        width = len(wanted[0]) if isinstance(wanted[0], bytes) else 0
        if self.vendor == "postgresql" and width and all(len(k) == width for k in wanted):  # type: ignore[arg-type]
            # Fixed-width binary keys travel as ONE bytea, cut up by the server: no per-key
            # escaping or array building on the client.
            with self.raw.cursor() as cur:
                cur.execute(
                    # ANY(ARRAY(...)) keeps the plan an index scan however large the table.
                    f'SELECT {select} FROM "{table}" WHERE "{key}" = ANY(ARRAY('  # noqa: S608
                    "SELECT substring(%s::bytea FROM i * %s + 1 FOR %s)"
                    " FROM generate_series(0, %s - 1) AS i))",
                    (b"".join(wanted), width, width, len(wanted)),  # type: ignore[arg-type]
                )
                for row in cur:
                    found[_key(row[0])] = tuple(row[1:])
            return found
        if self.vendor == "postgresql":
            with self.raw.cursor() as cur:
                # %b: the key array travels in binary, so bytea keys need no escaping.
                cur.execute(
                    f'SELECT {select} FROM "{table}" WHERE "{key}" = ANY(%b)',  # noqa: S608
                    (wanted,),
                )
                for row in cur:
                    found[_key(row[0])] = tuple(row[1:])
            return found
        cur = self.raw.cursor()
        for start in range(0, len(wanted), self.SQLITE_PARAMS):
            part = wanted[start : start + self.SQLITE_PARAMS]
            marks = ",".join("?" * len(part))
            cur.execute(f'SELECT {select} FROM "{table}" WHERE "{key}" IN ({marks})', part)  # noqa: S608
            for row in cur.fetchall():
                found[_key(row[0])] = tuple(row[1:])
        return found

    def column_types(self, table: str, columns: Sequence[str]) -> list[str]:
        """PostgreSQL type names of ``columns``, for a binary COPY."""
        cached = self._types.get(table)
        if cached is None:
            with self.raw.cursor() as cur:
                cur.execute(
                    "SELECT a.attname, t.typname FROM pg_attribute a"
                    " JOIN pg_type t ON t.oid = a.atttypid"
                    " WHERE a.attrelid = %s::regclass AND a.attnum > 0",
                    (table,),
                )
                cached = self._types[table] = dict(cur.fetchall())
        return [cached[c] for c in columns]

    def copy_lines(self, table: str, columns: Sequence[str], lines: str) -> None:
        """PostgreSQL only: COPY rows already formatted as COPY text (tab-separated lines)."""
        names = ", ".join(f'"{c}"' for c in columns)
        with (
            self.raw.cursor() as cur,
            cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy,
        ):
            copy.write(lines.encode())

    def insert(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[object]],
        *,
        binary: bool = False,
    ) -> None:
        """Write rows in one statement: COPY on PostgreSQL, executemany on SQLite.

        ``binary`` selects PostgreSQL's binary COPY, which spares escaping bytea values; the
        rows must then hold exact Python types (``date``, aware ``datetime``, ``bool``).
        """
        if not rows:
            return
        names = ", ".join(f'"{c}"' for c in columns)
        if self.vendor == "postgresql":
            options = " (FORMAT BINARY)" if binary else ""
            # Ask for the types before COPY starts: the connection is busy until it ends.
            types = self.column_types(table, columns) if binary else None
            with (
                self.raw.cursor() as cur,
                cur.copy(f'COPY "{table}" ({names}) FROM STDIN{options}') as copy,
            ):
                if types is not None:
                    copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
            return
        marks = ",".join("?" * len(columns))
        self.raw.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)  # noqa: S608


def _key(value: object) -> object:
    return bytes(value) if isinstance(value, memoryview) else value


@dataclass
class ImportContext:
    """What a spec needs while it processes chunks."""

    job: ImportJob
    actor: Actor
    today: date
    now: datetime
    writer: BulkWriter
    report: ErrorReport
    file_jobs: frozenset[int] = frozenset()
    """This job and the interrupted jobs of the same file it resumes."""
    counts: dict[str, int] = field(
        default_factory=lambda: {"inserted": 0, "unchanged": 0, "refused": 0}
    )

    def refuse(self, *errors: RowError) -> None:
        """Report a refused row with every error found in it (``SomeErrorCode.X.at(row,
        column)``, one per faulty cell); count the row once."""
        for error in errors:
            self.report.add(error)
        self.counts["refused"] += 1


class ImportSpec(ABC):
    """One kind of import: its columns and how a chunk of rows is checked and written.

    A spec whose per-row work is heavy names a ``preparer``: the dotted path of a pure,
    Django-free function ``preparer(state, rows)`` that runs in worker processes on large
    files; ``process`` then receives what it returned instead of the raw rows.
    """

    kind: ClassVar[str]
    columns: ClassVar[tuple[str, ...]]
    table: ClassVar[str]
    preparer: ClassVar[str | None] = None

    def worker_state(self, ctx: ImportContext) -> Any:
        """The picklable state the preparer needs (reference data, keys, today)."""
        return None

    def begin(self, ctx: ImportContext) -> None:  # noqa: B027 - optional hook
        """Load what the whole file is checked against (small reference tables)."""

    @abstractmethod
    def process(self, ctx: ImportContext, rows: Any) -> AuditFact | None:
        """Check and write one chunk; refuse bad rows through ``ctx.refuse``."""


def classify_existing(
    ctx: ImportContext,
    *,
    number: int,
    column: str,
    stored: tuple[Any, ...] | None,
    digest: bytes,
    duplicate: ErrorCode,
    exists: ErrorCode,
) -> bool:
    """Decide what a row whose key is already stored means. True when the row is new.

    ``stored`` is ``(id, source_digest, import_job_id)`` of the stored row, if any. A key seen
    earlier in the same file is refused with ``duplicate`` (``<key>_duplicate_in_file``), a key
    stored with other content with ``exists`` (``<key>_exists``).
    """
    if stored is None:
        return True
    _pk, stored_digest, stored_job = stored
    if stored_job == ctx.job.pk or stored_job in ctx.file_jobs:
        ctx.refuse(duplicate.at(number, column))
        return False
    if stored_digest is not None and bytes(stored_digest) == digest:
        ctx.counts["unchanged"] += 1
        return False
    ctx.refuse(exists.at(number, column))
    return False


def insert_keyed(
    ctx: ImportContext,
    *,
    table: str,
    key: str,
    candidates: list[tuple[int, str, list[Any], bytes]],
    columns: tuple[str, ...],
    duplicate: ErrorCode,
    exists: ErrorCode,
    object_type: str,
    extra: Callable[[], list[Any]],
    extra_columns: tuple[str, ...] = (),
) -> AuditFact | None:
    """Probe, classify and insert rows keyed by a natural key (small reference tables)."""
    stored = ctx.writer.probe(
        table, key, (c[1] for c in candidates), ("id", "source_digest", "import_job_id")
    )
    fresh = []
    for number, code, row, digest in candidates:
        if not classify_existing(
            ctx,
            number=number,
            column=columns[0],
            stored=stored.get(code),
            digest=digest,
            duplicate=duplicate,
            exists=exists,
        ):
            continue
        # Mark the key as taken by this job so a later row of this chunk is a duplicate.
        stored[code] = (None, digest, ctx.job.pk)
        fresh.append((row, digest))
    if not fresh:
        return None
    ids = ctx.writer.allocate_ids(table, len(fresh))
    tail = extra()
    ctx.writer.insert(
        table,
        ("id", *columns, "source_digest", "import_job_id", *extra_columns),
        [
            [pk, *row, digest, ctx.job.pk, *tail]
            for pk, (row, digest) in zip(ids, fresh, strict=True)
        ],
    )
    ctx.counts["inserted"] += len(fresh)
    return AuditFact(
        action="import",
        object_type=object_type,
        object_id=f"job:{ctx.job.pk}",
        changes={"created": len(fresh), "ids": id_ranges(ids)},
    )


def id_ranges(ids: Sequence[int]) -> list[list[int]]:
    """Compress sorted ids into [first, last] runs for the audit trail."""
    runs: list[list[int]] = []
    for value in sorted(ids):
        if runs and value == runs[-1][1] + 1:
            runs[-1][1] = value
        else:
            runs.append([value, value])
    return runs


def _chunks(
    rows: Iterator[tuple[int, list[str]]], size: int
) -> Iterator[list[tuple[int, list[str]]]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _file_digest(path: Path) -> str:
    digest = file_digest_new()
    with path.open("rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


HOST = socket.gethostname()[:255]


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, under another user
    with contextlib.suppress(OSError):
        # A zombie (killed, not yet reaped) is dead for our purpose.
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    return True


def import_jobs_fail_abandoned(*, now: datetime | None = None) -> list[int]:
    """Mark failed every running import whose process is gone; return their ids.

    A job is abandoned when its heartbeat is older than ``SSCARD_IMPORT_STALE_SECONDS`` or,
    on this host, when its process no longer exists (killed, or the machine restarted).
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.SSCARD_IMPORT_STALE_SECONDS)
    abandoned = []
    for pk, host, pid, heartbeat in ImportJob.objects.filter(
        status=ImportJob.Status.RUNNING
    ).values_list("pk", "host", "pid", "heartbeat_at"):
        dead_here = (
            host == HOST and pid is not None and pid != os.getpid() and not (process_alive(pid))
        )
        if dead_here or (heartbeat is not None and heartbeat < stale):
            abandoned.append(pk)
    if abandoned:
        ImportJob.objects.filter(pk__in=abandoned, status=ImportJob.Status.RUNNING).update(
            status=ImportJob.Status.FAILED, error_code="import_abandoned", finished_at=now
        )
    return abandoned


def _resumable(kind: str, digest: str, *, before: int) -> ImportJob | None:
    """The failed import of the same file that the run of job ``before`` continues, if any."""
    last = (
        ImportJob.objects.filter(kind=kind, file_digest=digest, pk__lt=before)
        .order_by("-pk")
        .first()
    )
    if last is None or last.status != ImportJob.Status.FAILED or last.rows_committed == 0:
        return None
    return last


def _chain(job: ImportJob) -> frozenset[int]:
    """The ids of the jobs that together import one file: this one and those it resumes."""
    ids = {job.pk}
    previous = job.resumed_from_id
    while previous is not None and previous not in ids:
        ids.add(previous)
        previous = (
            ImportJob.objects.filter(pk=previous).values_list("resumed_from_id", flat=True).first()
        )
    return frozenset(ids)


class ImportInterrupted(Exception):
    """The server is stopping: the import ends after its last committed chunk, resumable."""


def run_import(
    *,
    spec: ImportSpec,
    actor: Actor,
    path: Path,
    file_name: str,
    today: date | None = None,
    progress: Progress | None = None,
    chunk_rows: int | None = None,
) -> ImportJob:
    """Import one file now, in the caller; return its job. A file refused as a whole raises
    ``FileRefused``.

    Each chunk commits on its own, with the job's position in the file; a run of a file whose
    last import failed after committing chunks resumes after its last committed row.
    """
    job = import_queue(spec=spec, actor=actor, path=path, file_name=file_name)
    return import_run(
        job_id=job.pk,
        spec=spec,
        actor=actor,
        path=path,
        today=today,
        progress=progress,
        chunk_rows=chunk_rows,
    )


def import_queue(
    *,
    spec: ImportSpec,
    actor: Actor,
    path: Path,
    file_name: str,
    digest: str | None = None,
    spooled: bool = False,
) -> ImportJob:
    """Record the import of a file, queued to run (by :func:`import_run`, here or off the
    request); refuse at once a file whose header cannot be read or is not its kind's.

    The checks here read only the file's first rows, so a page answers at once however large
    the file; the rest of it is checked when the import runs. ``spooled``: the file waits in
    the uploads folder for the import, which removes it once read (``digest`` was taken as it
    was written). A refused file raises ``FileRefused`` naming its (refused) job.
    """
    if not actor.may_import:
        raise PermissionDenied("import registry data", "批量导入登记数据")
    job = ImportJob.objects.create(
        kind=spec.kind,
        status=ImportJob.Status.QUEUED,
        file_name=file_name[:255],
        file_digest=digest or _file_digest(path),
        file_bytes=path.stat().st_size,
        actor_role=str(actor.role),
        actor_label=actor.label,
        actor_user_id=actor.user_id,
        started_at=timezone.now(),
        spool_path=str(path) if spooled else "",
    )
    try:
        check_header(table_header(path), spec.columns)
    except FileRefused as exc:
        _finish_badly(job, ImportJob.Status.REFUSED, exc, None)
        if spooled:
            spool_remove(path)
            ImportJob.objects.filter(pk=job.pk).update(spool_path="")
        exc.details.setdefault("job_id", job.pk)
        raise
    return job


def _job_actor(job: ImportJob) -> Actor:
    """Who queued the job, as its audit events name them (the import runs on their behalf)."""
    return Actor(role=Role(job.actor_role), label=job.actor_label, user_id=job.actor_user_id)


def _claim(job_id: int, now: datetime) -> ImportJob | None:
    """Take the queued job for this process; ``None`` if another took it, or it is not queued."""
    taken = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING,
        host=HOST,
        pid=os.getpid(),
        heartbeat_at=now,
        started_at=now,
    )
    return ImportJob.objects.get(pk=job_id) if taken else None


_CARRIED = ("rows_committed", "rows_read", "rows_inserted", "rows_unchanged", "rows_refused")


def _carry(job: ImportJob, previous: ImportJob) -> None:
    """Continue the failed run of the same file: its position in the file and its counts."""
    job.resumed_from = previous
    for name in _CARRIED:
        setattr(job, name, getattr(previous, name))
    job.save(update_fields=["resumed_from", *_CARRIED])


def import_run(
    *,
    job_id: int,
    spec: ImportSpec,
    actor: Actor | None = None,
    path: Path | None = None,
    today: date | None = None,
    progress: Progress | None = None,
    chunk_rows: int | None = None,
) -> ImportJob:
    """Run a queued import (here, or in a task); return its job. A file refused as a whole
    raises ``FileRefused`` (the job says so too, with its located messages).

    ``actor`` defaults to who queued it, ``path`` to its spooled upload, which is removed once
    read. A job not queued any more (another worker took it) is answered as it is. When the
    server stops (:func:`sscard.core.background.stopping`) the import ends after its last
    committed chunk, ``import_interrupted``, and keeps its upload for the next run to resume.
    """
    now = timezone.now()
    job = _claim(job_id, now)
    if job is None:
        return ImportJob.objects.get(pk=job_id)
    file = path or Path(job.spool_path)
    if not file.is_file():
        # Its upload is gone (removed by hand, or the data directory was changed).
        _finish_badly(job, ImportJob.Status.FAILED, "import_upload_missing", None)
        job.refresh_from_db()
        return job
    import_jobs_fail_abandoned(now=now)
    previous = _resumable(spec.kind, job.file_digest, before=job.pk)
    if previous is not None:
        _carry(job, previous)
    report = ErrorReport(Path(settings.SSCARD_REPORTS_DIR) / f"import-{job.pk}-{spec.kind}.csv")
    keep_upload = False
    try:
        if previous is not None and previous.report_path:
            report.carry(Path(previous.report_path), through_row=previous.rows_committed)
        _import_file(
            job,
            spec,
            actor or _job_actor(job),
            file,
            report,
            _Run(today=today or clock.today(), now=now, progress=progress, chunk_rows=chunk_rows),
        )
        return job
    except ImportInterrupted:
        keep_upload = True
        report.close()
        _finish_badly(job, ImportJob.Status.FAILED, "import_interrupted", report)
        job.refresh_from_db()
        return job
    except ApplicationError as exc:
        report.close()
        _finish_badly(job, ImportJob.Status.REFUSED, exc, report)
        exc.details.setdefault("job_id", job.pk)
        raise
    except BaseException:
        report.close()
        _finish_badly(job, ImportJob.Status.FAILED, "internal_error", report)
        raise
    finally:
        if job.spool_path and not keep_upload:
            spool_remove(job.spool_path)
            ImportJob.objects.filter(pk=job.pk).update(spool_path="")
            job.spool_path = ""


@dataclass(frozen=True, slots=True)
class _Run:
    """How one run goes: its day, its start, who watches its progress, its chunk size."""

    today: date
    now: datetime
    progress: Progress | None
    chunk_rows: int | None


def _import_file(
    job: ImportJob, spec: ImportSpec, actor: Actor, path: Path, report: ErrorReport, run: _Run
) -> None:
    """Check the whole file, then import it chunk by chunk and record how it ended."""
    # Refuse a broken file before any chunk commits, so a refused file leaves nothing.
    check_whole_file(path)
    stream = open_table(path)
    positions = check_header(stream.header, spec.columns)
    ctx = ImportContext(
        job=job,
        actor=actor,
        today=run.today,
        now=run.now,
        writer=BulkWriter(),
        report=report,
        file_jobs=_chain(job),
        counts={
            "inserted": job.rows_inserted,
            "unchanged": job.rows_unchanged,
            "refused": job.rows_refused,
        },
    )
    spec.begin(ctx)
    _run_chunks(spec, ctx, stream, positions, run.chunk_rows, run.progress, job)
    if job.spool_path:
        # Read to the end: the upload goes before the job says it is done.
        spool_remove(job.spool_path)
        job.spool_path = ""
    report_path = report.close()
    job.report_path = str(report_path or "")
    job.status = ImportJob.Status.PARTIAL if ctx.counts["refused"] else ImportJob.Status.SUCCEEDED
    job.finished_at = timezone.now()
    job.save(update_fields=["report_path", "status", "finished_at", "spool_path"])
    if job.rows_inserted:
        _refresh_statistics(spec.table)


def import_jobs_recover(*, queue: Callable[[int], None]) -> list[int]:
    """Queue again what a stopped or killed server left; answer the ids of the jobs queued.

    A job still queued is queued again (whoever takes it first runs it). An import stopped
    half-way (``import_interrupted``, or abandoned: its process is gone or its heartbeat
    stale) whose upload is still in the uploads folder continues as a new job, which resumes
    after its last committed chunk.
    """
    import_jobs_fail_abandoned()
    queued = list(
        ImportJob.objects.filter(status=ImportJob.Status.QUEUED).values_list("pk", flat=True)
    )
    stopped = ImportJob.objects.filter(
        status=ImportJob.Status.FAILED, error_code__in=("import_interrupted", "import_abandoned")
    ).exclude(spool_path="")
    for job in stopped:
        # Hand the upload over to one new job only, whichever server gets here first.
        handed = ImportJob.objects.filter(pk=job.pk, spool_path=job.spool_path).update(
            spool_path=""
        )
        if handed and Path(job.spool_path).is_file():
            queued.append(_job_again(job).pk)
    for pk in queued:
        queue(pk)
    return queued


def _job_again(job: ImportJob) -> ImportJob:
    """A new queued job for the upload of a stopped one (its run resumes the stopped one)."""
    return ImportJob.objects.create(
        kind=job.kind,
        status=ImportJob.Status.QUEUED,
        file_name=job.file_name,
        file_digest=job.file_digest,
        file_bytes=job.file_bytes,
        actor_role=job.actor_role,
        actor_label=job.actor_label,
        actor_user_id=job.actor_user_id,
        started_at=timezone.now(),
        spool_path=job.spool_path,
    )


@dataclass
class _ChunkFacts:
    """What the reader learnt of one chunk: its last row, its size and its malformed rows."""

    last_row: int
    size: int
    errors: list[RowError]


def _run_chunks(
    spec: ImportSpec,
    ctx: ImportContext,
    stream: TableStream,
    positions: dict[str, int],
    chunk_rows: int | None,
    progress: Progress | None,
    job: ImportJob,
) -> None:
    order = [positions[c] for c in spec.columns]
    width = len(stream.header)
    identity = order == list(range(len(spec.columns)))
    size = chunk_rows or settings.SSCARD_IMPORT_CHUNK_ROWS
    start = job.rows_committed
    read = job.rows_read
    # The reader runs ahead of the writer (workers prepare later chunks): what it learns of
    # each chunk waits here, in order, until that chunk is written and committed.
    ahead: deque[_ChunkFacts] = deque()

    def checked() -> Iterator[list[tuple[int, list[str]]]]:
        rows = stream.rows if not start else ((n, c) for n, c in stream.rows if n > start)
        for chunk in _chunks(rows, size):
            good: list[tuple[int, list[str]]] = []
            errors: list[RowError] = []
            for number, cells in chunk:
                if len(cells) != width:
                    errors.append(
                        ImportErrorCode.ROW_FIELD_COUNT.at(
                            number, "", cells=len(cells), width=width
                        )
                    )
                    continue
                good.append((number, cells if identity else [cells[i] for i in order]))
            ahead.append(_ChunkFacts(chunk[-1][0], len(chunk), errors))
            yield good

    if spec.preparer is None:
        work: Iterator[Any] = checked()
    else:
        parallel = stream.total_bytes >= settings.SSCARD_IMPORT_PARALLEL_MIN_BYTES
        work = (
            prepared
            for _rows, prepared in prepared_chunks(
                preparer=spec.preparer,
                state=spec.worker_state(ctx),
                chunks=checked(),
                workers=settings.SSCARD_IMPORT_WORKERS if parallel else 0,
            )
        )
    try:
        for item in work:
            if background.stopping():
                raise ImportInterrupted
            facts = ahead.popleft()
            read += facts.size
            _commit_chunk(spec, ctx, job, item, facts, read, stream.bytes_read())
            if progress is not None:
                progress(read, stream.bytes_read())
    finally:
        # Stop the reader and the workers now, not when the generator is collected: a stopping
        # server must not wait for them.
        close = getattr(work, "close", None)
        if close is not None:
            close()
    job.rows_read = read


def _commit_chunk(
    spec: ImportSpec,
    ctx: ImportContext,
    job: ImportJob,
    item: Any,
    facts: _ChunkFacts,
    read: int,
    bytes_read: int,
) -> None:
    """Write one chunk and the job's progress in one transaction (the job's heartbeat)."""
    with transaction.atomic():
        for error in facts.errors:
            ctx.refuse(error)
        fact = spec.process(ctx, item)
        if fact is not None:
            audit_append_many(actor=ctx.actor, facts=[fact])
        ctx.report.flush()
        job.rows_read = read
        job.rows_inserted = ctx.counts["inserted"]
        job.rows_unchanged = ctx.counts["unchanged"]
        job.rows_refused = ctx.counts["refused"]
        job.rows_committed = facts.last_row
        job.bytes_read = bytes_read
        job.chunks_committed += 1
        job.heartbeat_at = timezone.now()
        job.report_path = str(ctx.report.path if ctx.report.count else "")
        job.save(update_fields=[*_PROGRESS_FIELDS, "report_path"])


_PROGRESS_FIELDS = (
    "bytes_read",
    "rows_read",
    "rows_inserted",
    "rows_unchanged",
    "rows_refused",
    "rows_committed",
    "chunks_committed",
    "heartbeat_at",
)


def _refresh_statistics(table: str) -> None:
    """Let the planner see the rows a bulk load added.

    Without fresh statistics PostgreSQL still believes a table just loaded with millions of
    rows is nearly empty and plans nested loops over it (a population query then runs for
    minutes instead of a second). Runs after commit, outside the import's transaction.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f'ANALYZE "{table}"')
        else:
            cursor.execute("PRAGMA optimize")


def _finish_badly(
    job: ImportJob, status: str, why: str | ApplicationError, report: ErrorReport | None
) -> None:
    """Record how the import ended, and why (a refusal's messages locate it: row, cell,
    columns); the chunks it committed stay, for a rerun to resume after."""
    refusal = why if isinstance(why, ApplicationError) else None
    with contextlib.suppress(Exception):
        ImportJob.objects.filter(pk=job.pk).update(
            status=status,
            error_code=refusal.code if refusal else str(why),
            error_message_zh=refusal.message_zh if refusal else "",
            error_message_en=refusal.message_en if refusal else "",
            finished_at=timezone.now(),
            report_path=str(report.path if report is not None and report.count else ""),
        )


__all__ = [
    "BulkWriter",
    "ErrorReport",
    "FileRefused",
    "ImportContext",
    "ImportInterrupted",
    "ImportSpec",
    "Progress",
    "RowError",
    "RowRefused",
    "classify_existing",
    "id_ranges",
    "import_jobs_fail_abandoned",
    "import_jobs_recover",
    "import_queue",
    "import_run",
    "insert_keyed",
    "run_import",
]

"""Attacks on the audit trail, made with raw SQL as someone with write access to the database
would make them; each must be reported, with the first bad event (id, time, kind).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from django.db import connection, transaction
from django.test import override_settings

from sscard.cli import cli
from sscard.core import audit
from sscard.core.actors import Actor
from sscard.core.audit import (
    AuditFact,
    audit_append,
    audit_append_many,
    audit_checkpoint_write,
    audit_checkpoints_export,
    audit_checkpoints_read,
    audit_verify_chain,
)
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditChainHead, AuditCheckpoint, AuditEvent
from sscard.kernel.gm import sm3

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
EVENTS = AuditEvent._meta.db_table
HEAD = AuditChainHead._meta.db_table
CHECKPOINTS = AuditCheckpoint._meta.db_table


@dataclass(frozen=True, slots=True)
class Row:
    pk: int
    action: str


def fact(n: int) -> AuditFact:
    return AuditFact(f"test.step{n}", "core.thing", str(n), {"n": n})


def given_a_chain(count: int = 8) -> list[Row]:
    """``count`` events written by several transactions, as services write them."""
    with transaction.atomic():
        audit_append(actor=SYSTEM, fact=fact(1))
    with transaction.atomic():
        audit_append_many(actor=SYSTEM, facts=[fact(n) for n in range(2, count + 1)])
    rows = [
        Row(pk, action)
        for pk, action in AuditEvent.objects.order_by("pk").values_list("pk", "action")
    ]
    assert len(rows) == count
    assert audit_verify_chain().ok
    return rows


def sql(statement: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def relink_everything_from(pk: int, link: Callable[[bytes, bytes], bytes]) -> None:
    """Recompute every link from event ``pk`` on with ``link(prev, body)``, then point the head
    at the new tip, as an attacker covering an edit would."""
    prev = bytes(
        AuditEvent.objects.filter(pk__lt=pk).order_by("-pk").values_list("hash", flat=True).first()
        or audit.GENESIS
    )
    count = AuditEvent.objects.count()
    for event in AuditEvent.objects.filter(pk__gte=pk).order_by("pk"):
        body = audit._body(
            at=event.at,
            actor_role=event.actor_role,
            actor_label=event.actor_label,
            actor_user_id=event.actor_user_id,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            changes=event.changes,
            pack_hash=event.pack_hash,
        )
        new = link(prev, body)
        sql(f"UPDATE {EVENTS} SET prev_hash = %s, hash = %s WHERE id = %s", [prev, new, event.pk])
        prev = new
    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    sql(
        f"UPDATE {HEAD} SET last_hash = %s, last_event_id = %s, events = %s WHERE id = 1",
        [prev, last, count],
    )


def reseal_head_with_the_key() -> None:
    head = AuditChainHead.objects.get()
    mac = audit._head_seal(
        audit.audit_key(),
        last_event_id=head.last_event_id,
        last_hash=bytes(head.last_hash),
        events=head.events,
    )
    sql(f"UPDATE {HEAD} SET mac = %s WHERE id = 1", [mac])


def assert_first_bad(result: audit.ChainCheck, row: Row, problem: str) -> None:
    assert not result.ok
    assert result.problem == problem
    assert (result.first_bad_id, result.first_bad_action) == (row.pk, row.action)
    assert result.first_bad_at == AuditEvent.objects.get(pk=row.pk).at


def test_an_edited_event_is_reported_at_that_event() -> None:
    rows = given_a_chain()
    # when someone changes who did the fourth event
    sql(f"UPDATE {EVENTS} SET actor_label = %s WHERE id = %s", ["someone else", rows[3].pk])
    # then verification stops there
    assert_first_bad(audit_verify_chain(), rows[3], "link_broken")


def test_an_event_deleted_in_the_middle_is_reported_at_the_next_one() -> None:
    rows = given_a_chain()
    sql(f"DELETE FROM {EVENTS} WHERE id = %s", [rows[4].pk])
    result = audit_verify_chain()
    assert_first_bad(result, rows[5], "link_broken")
    assert result.details["last_good_id"] == rows[3].pk


def test_the_newest_events_deleted_are_reported_against_the_head() -> None:
    rows = given_a_chain()
    # when the two newest events are removed (the head is left as it was)
    sql(f"DELETE FROM {EVENTS} WHERE id >= %s", [rows[6].pk])
    result = audit_verify_chain()
    # then the chain is whole up to the sixth event, and the head says there was more
    assert_first_bad(result, rows[5], "tail_missing")
    assert result.events == 6
    assert result.details["head_last_event_id"] == rows[7].pk
    assert result.details["head_events"] == 8


def test_deleting_the_tail_and_pointing_the_head_back_needs_the_key() -> None:
    rows = given_a_chain()
    sql(f"DELETE FROM {EVENTS} WHERE id >= %s", [rows[6].pk])
    tip = bytes(AuditEvent.objects.get(pk=rows[5].pk).hash)
    sql(
        f"UPDATE {HEAD} SET last_hash = %s, last_event_id = %s, events = 6 WHERE id = 1",
        [tip, rows[5].pk],
    )
    result = audit_verify_chain()
    assert (result.ok, result.problem, result.details["last_good_id"]) == (
        False,
        "head_forged",
        rows[5].pk,
    )


def test_an_edit_covered_by_recomputing_with_plain_sm3_is_reported_at_the_edit() -> None:
    rows = given_a_chain()
    # given an attacker without the key who edits the third event and recomputes every later
    # link with the old unkeyed rule, head included
    sql(f"UPDATE {EVENTS} SET object_id = %s WHERE id = %s", ["999", rows[2].pk])
    relink_everything_from(rows[2].pk, lambda prev, body: sm3(prev + body))
    # then the first recomputed link is reported
    assert_first_bad(audit_verify_chain(), rows[2], "link_broken")


def test_two_events_swapped_are_reported_at_the_first_of_them() -> None:
    rows = given_a_chain()
    a, b = rows[2].pk, rows[3].pk
    sql(f"UPDATE {EVENTS} SET id = %s WHERE id = %s", [-1, a])
    sql(f"UPDATE {EVENTS} SET id = %s WHERE id = %s", [a, b])
    sql(f"UPDATE {EVENTS} SET id = %s WHERE id = %s", [b, -1])
    # the fourth event now stands where the third stood
    assert_first_bad(audit_verify_chain(), Row(a, rows[3].action), "link_broken")


def test_an_attacker_with_the_key_is_caught_by_an_exported_checkpoint(tmp_path: Path) -> None:
    rows = given_a_chain(4)
    audit_checkpoint_write(actor=SYSTEM)  # event 5 records it; the checkpoint vouches for 1-5
    with transaction.atomic():
        audit_append_many(actor=SYSTEM, facts=[fact(n) for n in range(6, 9)])
    exported = tmp_path / "checkpoints.jsonl"
    assert audit_checkpoints_export(path=exported) == 1
    lines = [json.loads(line) for line in exported.read_text().splitlines()]
    assert lines[0]["events"] == 5
    assert lines[0]["public_key"]
    assert lines[0]["signature"]
    assert audit_verify_chain(checkpoints=audit_checkpoints_read(path=exported)).checkpoints == 2

    # when someone holding the database and the chain key edits the second event, recomputes
    # every keyed link, reseals the head and removes the stored checkpoints
    sql(f"UPDATE {EVENTS} SET actor_label = %s WHERE id = %s", ["someone else", rows[1].pk])
    relink_everything_from(
        rows[1].pk, lambda prev, body: audit._link(audit.audit_key(), prev, body)
    )
    reseal_head_with_the_key()
    sql(f"DELETE FROM {CHECKPOINTS}", [])

    # then the database alone looks whole, but the outside party's copy disagrees
    assert audit_verify_chain().ok
    result = audit_verify_chain(checkpoints=audit_checkpoints_read(path=exported))
    assert_first_bad(result, rows[0], "checkpoint_mismatch")


def test_a_stored_checkpoint_catches_a_keyed_rewrite_too() -> None:
    rows = given_a_chain(4)
    audit_checkpoint_write(actor=SYSTEM)
    sql(f"UPDATE {EVENTS} SET actor_label = %s WHERE id = %s", ["someone else", rows[2].pk])
    relink_everything_from(
        rows[2].pk, lambda prev, body: audit._link(audit.audit_key(), prev, body)
    )
    reseal_head_with_the_key()
    assert_first_bad(audit_verify_chain(), rows[0], "checkpoint_mismatch")


def test_a_checkpoint_past_the_end_reveals_a_cut_tail_even_with_a_resealed_head(
    tmp_path: Path,
) -> None:
    rows = given_a_chain(4)
    audit_checkpoint_write(actor=SYSTEM)
    exported = tmp_path / "checkpoints.jsonl"
    audit_checkpoints_export(path=exported)
    # the key holder removes the two newest events and moves the head back
    sql(f"DELETE FROM {EVENTS} WHERE id > %s", [rows[2].pk])
    relink_everything_from(rows[2].pk + 1, lambda prev, body: prev)
    reseal_head_with_the_key()
    sql(f"DELETE FROM {CHECKPOINTS}", [])
    assert audit_verify_chain().ok
    result = audit_verify_chain(checkpoints=audit_checkpoints_read(path=exported))
    assert_first_bad(result, rows[2], "tail_missing")


def test_a_forged_checkpoint_in_the_database_is_refused() -> None:
    given_a_chain(3)
    checkpoint = audit_checkpoint_write(actor=SYSTEM)
    sql(f"UPDATE {CHECKPOINTS} SET events = %s WHERE id = %s", [2, checkpoint.pk])
    result = audit_verify_chain()
    assert (result.ok, result.problem) == (False, "checkpoint_signature_invalid")


@override_settings(SSCARD_AUDIT_CHECKPOINT_EVERY=3)
def test_checkpoints_are_written_every_n_events() -> None:
    # given 7 events (1, then 6 at once), then two more, one by one
    given_a_chain(7)
    for n in (8, 9):
        with transaction.atomic():
            audit_append(actor=SYSTEM, fact=fact(n))
    # then a checkpoint follows each append that crossed a multiple of 3
    assert list(AuditCheckpoint.objects.order_by("pk").values_list("events", flat=True)) == [7, 9]
    assert audit_verify_chain().checkpoints == 2


def test_the_chain_verifies_in_small_chunks() -> None:
    given_a_chain(8)
    result = audit_verify_chain(batch=3)
    assert (result.ok, result.events) == (True, 8)


def test_a_malformed_checkpoints_file_is_refused_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"format": "sscard-audit-checkpoint/1"}\n')
    with pytest.raises(ApplicationError) as refused:
        audit_checkpoints_read(path=bad)
    assert (refused.value.code, refused.value.details["line"]) == (
        "audit_checkpoints_file_invalid",
        1,
    )


# --- the command line -----------------------------------------------------------------------


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_cli_verify_counts_a_clean_chain_and_names_the_first_bad_event(tmp_path: Path) -> None:
    rows = given_a_chain()
    code, out = run("audit", "verify")
    assert code == 0
    assert "8 events" in out
    sql(f"UPDATE {EVENTS} SET actor_label = %s WHERE id = %s", ["someone else", rows[3].pk])
    code, out = run("audit", "verify")
    assert code != 0
    assert f"#{rows[3].pk}" in out
    assert rows[3].action in out
    assert "link_broken" in out


def test_cli_checkpoint_export_and_verify_against_the_file(tmp_path: Path) -> None:
    rows = given_a_chain(3)
    code, out = run("audit", "checkpoint")
    assert code == 0
    assert "4 events" in out
    exported = tmp_path / "cp.jsonl"
    code, out = run("audit", "export-checkpoints", str(exported))
    assert code == 0
    assert len(exported.read_text().splitlines()) == 1
    code, out = run("audit", "verify", "--checkpoints", str(exported))
    assert code == 0
    assert "2 checkpoint(s)" in out
    sql(f"DELETE FROM {EVENTS} WHERE id = %s", [rows[1].pk])
    code, out = run("audit", "verify", "--checkpoints", str(exported))
    assert code != 0
    assert f"#{rows[2].pk}" in out


# --- the switch from plain SM3 links (migration core 0003) -----------------------------------


def given_a_plain_sm3_chain(count: int, *, edit: int | None = None) -> list[int]:
    """Events linked the way they were before the chain was keyed, the ``edit``-th altered."""
    rows = given_a_chain(count)
    relink_everything_from(rows[0].pk, lambda prev, body: sm3(prev + body))
    sql(f"UPDATE {HEAD} SET mac = %s WHERE id = 1", [b""])
    if edit is not None:
        sql(f"UPDATE {EVENTS} SET object_id = %s WHERE id = %s", ["999", rows[edit].pk])
    return [row.pk for row in rows]


def test_the_migration_relinks_a_plain_chain_under_the_key_and_records_the_switch() -> None:
    pks = given_a_plain_sm3_chain(5)
    assert audit_verify_chain().problem == "link_broken"
    # when the migration's step runs
    audit.audit_rekey_for_migration(
        event_model=AuditEvent, head_model=AuditChainHead, using="default"
    )
    # then the chain verifies keyed, and its last event tells what happened
    result = audit_verify_chain()
    assert (result.ok, result.events) == (True, 6)
    switch = AuditEvent.objects.order_by("pk").last()
    assert switch is not None
    assert switch.pk > pks[-1]
    assert switch.action == "audit.chain_keyed"
    assert switch.changes["relinked_events"] == 5
    assert switch.changes["plain_chain_intact"] is True
    assert switch.changes["plain_first_bad_id"] is None


def test_the_migration_keeps_the_evidence_of_a_plain_chain_already_broken() -> None:
    pks = given_a_plain_sm3_chain(5, edit=2)
    audit.audit_rekey_for_migration(
        event_model=AuditEvent, head_model=AuditChainHead, using="default"
    )
    switch = AuditEvent.objects.order_by("pk").last()
    assert switch is not None
    assert (switch.changes["plain_chain_intact"], switch.changes["plain_first_bad_id"]) == (
        False,
        pks[2],
    )


def test_the_migration_writes_nothing_on_an_empty_trail() -> None:
    audit.audit_rekey_for_migration(
        event_model=AuditEvent, head_model=AuditChainHead, using="default"
    )
    assert not AuditEvent.objects.exists()
    assert audit_verify_chain().ok

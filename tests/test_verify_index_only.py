"""Verification reads indexes only (issue 16 point 5): the card by its number from the covering
index ``card_verification``, its holder from ``person_verification``; on PostgreSQL, once the
tables are vacuumed, neither table's heap is touched.

The plan is asked of PostgreSQL with ``EXPLAIN (ANALYZE, FORMAT JSON)`` for the very SQL both
routes run: the Django route's, captured while ``card_verify`` answers, and the lean route's
(``config.fastverify.compiled_query``), both as sent and as the prepared statement's generic
plan, which the lean route's pool may switch to. 200,000 persons and cards, written by
``generate_series`` and vacuumed, are enough for the planner to plan as at 25 million: a lookup
by a unique number is estimated at one row whatever the table's size, and what decides an
Index Only Scan over an Index Scan is how much of the table the visibility map holds
all-visible (``relallvisible``), here all of it, as on a long-lived table autovacuum keeps.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from django.db import connection
from django.db.models import Index, Model
from django.test.utils import CaptureQueriesContext

from config.fastverify import compiled_query
from sscard.cards.models import Card
from sscard.cards.verify import card_facts, card_verify
from sscard.core.actors import Actor, Role
from sscard.kernel.cardcodes import CARD_ID_ISSUER, card_number
from sscard.registry.models import Person

RP = Actor(role=Role.RELYING_PARTY, label="hospital", relying_party_id=1)
COUNT = 200_000
TARGET = 123_457  # the card verified (its id; its person's id too)
ID_CODE_PREFIX = "110102" + CARD_ID_ISSUER  # a card identification code less its serial
JSON = "'%s'::jsonb"


def _index(model: type[Model], name: str) -> Index:
    indexes: Sequence[Index] = model._meta.indexes
    return next(index for index in indexes if index.name == name)


def _column(model: type[Model], name: str) -> str:
    column = getattr(model._meta.get_field(name), "column", None)
    assert isinstance(column, str), name
    return column


def _columns(model: type[Model], index: Index) -> set[str]:
    return {_column(model, name) for name in (*index.fields, *index.include)}


def test_the_covering_indexes_hold_every_column_the_verification_query_reads() -> None:
    # Everywhere (SQLite too): a column added to card_facts must be added to its index.
    card_reads = {_column(Card, "card_number"), _column(Card, "person")}  # the WHERE, the join
    person_reads = {_column(Person, "id")}
    for path in card_facts("A00000000").query.values_select:
        if path.startswith("person__"):
            person_reads.add(_column(Person, path.removeprefix("person__")))
        else:
            card_reads.add(_column(Card, "id" if path == "pk" else path))
    card_index = _index(Card, "card_verification")
    person_index = _index(Person, "person_verification")
    assert card_index.fields == ["card_number"]
    assert person_index.fields == ["id"]
    assert card_reads <= _columns(Card, card_index)
    assert person_reads <= _columns(Person, person_index)


# --- on PostgreSQL --------------------------------------------------------------------------


def _insert_series(
    cursor: Any, model: type[Model], given: dict[str, tuple[str, list[Any]]]
) -> None:
    """Insert ``COUNT`` rows of ``model`` in one ``INSERT … SELECT … generate_series`` (``g``
    from 1): the ``given`` columns as SQL expressions of ``g`` (with their parameters), every
    other column its model default."""
    columns, values, params = [], [], []
    for f in model._meta.concrete_fields:
        column = _column(model, f.name)
        columns.append(connection.ops.quote_name(column))
        if column in given:
            expression, expression_params = given[column]
            values.append(expression)
            params += expression_params
            continue
        default = f.get_db_prep_save(f.get_default(), connection)
        if default is None and not f.null:
            raise AssertionError(f"{model.__name__}.{f.name} needs a value here")
        values.append("%s")
        params.append(default)
    cursor.execute(
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(columns)})"
        f" SELECT {', '.join(values)} FROM generate_series(1, %s) AS g",
        [*params, COUNT],
    )


def _populate() -> str:
    """The persons and their cards, vacuumed and analysed; the verified card's number."""
    number = card_number("D", TARGET)
    with connection.cursor() as cursor:
        _insert_series(
            cursor,
            Person,
            {
                "id": ("g", []),
                "id_number_index": ("decode(md5(g::text), 'hex')", []),
                "id_number_enc": ("decode(md5(g::text) || md5(g::text), 'hex')", []),
                "id_number_masked": ("'110102********' || lpad((g %% 10000)::text, 4, '0')", []),
                "id_kind": ("'resident'", []),
                "name": ("'张' || chr(19968 + g %% 20000) || chr(19968 + g %% 7919)", []),
                "sex": ("'M'", []),
                "birth_date": ("DATE '1950-01-01' + g %% 20000", []),
                "category": ("'in_service_staff'", []),
                "source_digest": ("decode(md5('s' || g), 'hex')", []),
                "created_at": ("now()", []),
            },
        )
        _insert_series(
            cursor,
            Card,
            {
                "id": ("g", []),
                "person_id": ("g", []),
                "generation": ("3", []),
                "interfaces": (JSON % '["contact", "contactless"]', []),
                "functions": (JSON % '["medical_settlement", "self_query", "financial"]', []),
                "card_number": (
                    "CASE WHEN g = %s THEN %s ELSE 'C' || lpad(g::text, 7, '0') || '0' END",
                    [TARGET, number],
                ),
                "card_id_code": ("%s || lpad(upper(to_hex(g)), 16, '0')", [ID_CODE_PREFIX]),
                "stage": ("'handed_over'", []),
                "ss_function": ("'enabled'", []),
                "issued_on": ("current_date - g %% 3000", []),
                "valid_until": ("current_date + 365 + g %% 3000", []),
            },
        )
        # Outside a transaction (the test's connection is in autocommit): as autovacuum leaves
        # a table long in use, its visibility map set, its statistics fresh.
        cursor.execute(f"VACUUM ANALYZE {Person._meta.db_table}, {Card._meta.db_table}")
    return number


def _scans(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if "Scan" in node["Node Type"]:
        yield node
    for child in node.get("Plans", ()):
        yield from _scans(child)


def _explained(sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """The scan nodes of ``EXPLAIN (ANALYZE, FORMAT JSON)`` of the statement."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        (plan,) = cursor.fetchone()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return list(_scans(plan[0]["Plan"]))


def _assert_index_only(scans: list[dict[str, Any]]) -> None:
    found = {
        (s["Node Type"], s["Relation Name"], s.get("Index Name"), s.get("Heap Fetches"))
        for s in scans
    }
    assert found == {
        ("Index Only Scan", Card._meta.db_table, "card_verification", 0),
        ("Index Only Scan", Person._meta.db_table, "person_verification", 0),
    }, json.dumps(scans, indent=1)
    assert all(s["Actual Rows"] == 1 for s in scans)


@pytest.mark.postgres(reason="EXPLAIN of PostgreSQL's plan: INCLUDE columns, Index Only Scans")
@pytest.mark.django_db(transaction=True)
def test_verification_is_an_index_only_lookup_on_both_routes() -> None:
    number = _populate()

    # The Django route: the one query card_verify runs, as it was sent.
    with CaptureQueriesContext(connection) as captured:
        answer = card_verify(actor=RP, card_number=number)
    assert answer.status == "valid"
    assert answer.masked_name.startswith("张")
    (query,) = captured.captured_queries
    _assert_index_only(_explained(query["sql"]))

    # The lean route's SQL, with the number as its parameter ...
    lean = compiled_query()
    _assert_index_only(_explained(lean, [number]))
    # ... and as the statement its pool prepares, in the generic plan it may come to use.
    with connection.cursor() as cursor:
        cursor.execute("PREPARE idx_verify AS " + lean % ("$1",))
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        try:
            _assert_index_only(_explained("EXECUTE idx_verify(%s)", [number]))
        finally:
            cursor.execute("RESET plan_cache_mode")
            cursor.execute("DEALLOCATE idx_verify")

"""Where verification reads (``core/replicas.py``): the lag rule, what counts as an outage, and
that without replicas nothing changes. The replicas themselves are exercised end to end in
``tests/test_replicas.py`` (a real primary, its streaming replica and PgBouncer)."""

from __future__ import annotations

import psycopg
import pytest
from django.db import DEFAULT_DB_ALIAS, IntegrityError, OperationalError, connection
from django.test import override_settings
from pytest_django import DjangoAssertNumQueries

from sscard.cards.tests.support import card, person
from sscard.cards.verify import card_verify
from sscard.core.actors import Actor, Role
from sscard.core.replicas import (
    check_seconds,
    is_unavailable,
    lag_allowed,
    read_verification,
    replica_aliases,
)

PARTY = Actor(role=Role.CITY_OFFICER, label="bureau")


def _wrapped(cause: BaseException) -> OperationalError:
    """A database error as Django raises it: psycopg's, wrapped."""
    error = OperationalError(str(cause))
    error.__cause__ = cause
    return error


@override_settings(SSCARD_REPLICA_MAX_LAG_SECONDS=5)
def test_a_replica_answers_only_within_the_bound_less_the_time_a_measure_is_trusted() -> None:
    # given the default bound of 5 s, a measure trusted for 1 s
    assert check_seconds() == 1.0
    # then a replica 4 s behind may answer for the next second (never more than 5 s behind)
    assert lag_allowed(0.0)
    assert lag_allowed(4.0)
    assert not lag_allowed(4.01)
    # and a server that says nothing of its lag (not a replica) never answers
    assert not lag_allowed(None)


@override_settings(SSCARD_REPLICA_MAX_LAG_SECONDS=1)
def test_a_short_bound_is_measured_more_often() -> None:
    assert check_seconds() == 0.5
    assert lag_allowed(0.5)
    assert not lag_allowed(0.6)


def test_a_server_that_cannot_be_reached_is_an_outage_and_a_failed_statement_is_not() -> None:
    refused = psycopg.OperationalError("connection refused")  # no SQLSTATE: never connected
    assert is_unavailable(_wrapped(refused))
    assert is_unavailable(psycopg.errors.AdminShutdown("terminating connection"))
    assert is_unavailable(psycopg.errors.ConnectionFailure("lost"))
    assert not is_unavailable(_wrapped(psycopg.errors.DeadlockDetected("deadlock")))
    assert not is_unavailable(IntegrityError("duplicate key"))


@pytest.mark.django_db(transaction=True)
def test_without_replicas_verification_reads_the_primary_with_the_same_one_query(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    # given no SSCARD_DATABASE_REPLICAS
    assert replica_aliases() == []
    c = card(person(), ss_function="enabled")
    # then the read is the primary's, and a verification is still one query
    assert read_verification(lambda alias: alias) == DEFAULT_DB_ALIAS
    with django_assert_num_queries(1):
        assert card_verify(actor=PARTY, card_number=c.card_number).status == "valid"
    assert not connection.in_atomic_block

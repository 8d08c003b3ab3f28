"""Runs of the renewal job split the due licences by claiming them (renewal_queries.claim_due)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session

from tests.fixtures.factories import make_active_licence, make_customer
from ts_store.store import renewal_queries
from ts_store.store.db import make_engine

DAY = date(2026, 12, 10)
NOW = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)


def _due_licences(session, count: int) -> list[int]:
    customer = make_customer(session)
    return [make_active_licence(session, customer.id).id for _ in range(count)]


def _claim(session, limit: int, now: datetime = NOW) -> list[int]:
    return renewal_queries.claim_due(session, DAY, now=now, until=now + LEASE, limit=limit)


def test_claimed_licences_are_skipped_until_released(session):
    ids = _due_licences(session, 5)
    first = _claim(session, 3)
    session.commit()
    second = _claim(session, 10)
    session.commit()

    assert first == ids[:3] and second == ids[3:]
    assert _claim(session, 10) == []  # every due licence is held
    renewal_queries.release_claims(session, first + second)
    session.commit()
    assert _claim(session, 10) == ids


def test_a_claim_left_by_a_dead_process_is_free_after_its_lease(session):
    ids = _due_licences(session, 2)
    _claim(session, 10)
    session.commit()

    assert _claim(session, 10, now=NOW + LEASE - timedelta(seconds=1)) == []
    assert _claim(session, 10, now=NOW + LEASE + timedelta(seconds=1)) == ids


def test_licences_not_due_are_never_claimed(session):
    customer = make_customer(session)
    make_active_licence(session, customer.id, period_start=date(2026, 12, 1))  # ends 1 Jan
    assert _claim(session, 10) == []


@pytest.mark.postgresql_only
def test_two_runs_claiming_at_once_get_different_licences_without_waiting(session, db_url):
    """The first run's claim is not committed yet (its rows are locked): the second skips
    them (SKIP LOCKED) instead of waiting, and takes the next ones."""
    ids = _due_licences(session, 6)
    engine = make_engine(db_url)
    try:
        with Session(engine) as first, Session(engine) as second:
            first_ids = _claim(first, 3)  # transaction still open
            second_ids = _claim(second, 3)
            first.commit()
            second.commit()
    finally:
        engine.dispose()
    assert first_ids == ids[:3] and second_ids == ids[3:]


def test_claims_after_an_id_start_above_it(session):
    ids = _due_licences(session, 4)
    assert (
        renewal_queries.claim_due(
            session, DAY, after_id=ids[1], now=NOW, until=NOW + LEASE, limit=10
        )
        == ids[2:]
    )

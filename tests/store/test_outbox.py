"""The outbox table on a real migrated SQLite file: idempotent enqueue, one claim per message."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from ts_store.domain.notifications import IllegalOutboxTransition, MessageKind, OutboxStatus
from ts_store.store import outbox
from ts_store.store.models import OutboxMessage

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def _enqueue(session, key="welcome:1", recipient="a@x.it", params=None, now=NOW):
    return outbox.enqueue(
        session,
        event_key=key,
        recipient=recipient,
        kind=MessageKind.WELCOME,
        params=params or {"trial_days": 15},
        message_id_domain="teamsystem.com",
        now=now,
    )


def test_same_event_and_recipient_is_queued_once(session):
    first = _enqueue(session)
    again = _enqueue(session, params={"trial_days": 99})
    session.commit()
    assert again.id == first.id
    assert len(session.exec(sa.select(OutboxMessage)).all()) == 1
    assert outbox.params_of(first) == {"trial_days": 15}


def test_same_event_for_another_recipient_is_another_message(session):
    _enqueue(session, recipient="a@x.it")
    _enqueue(session, recipient="b@x.it")
    session.commit()
    assert len(session.exec(sa.select(OutboxMessage)).all()) == 2


def test_enqueue_racing_another_transaction_keeps_its_row_and_never_fails(engine):
    """Both transactions insert the same (event, recipient); the second, which could not see
    the first's row when it started, neither fails nor adds a row."""
    with Session(engine) as first, Session(engine) as second:
        second.exec(sa.text("SELECT 1")).all()  # the second transaction is open first
        row = _enqueue(first)
        first.commit()
        again = _enqueue(second, params={"trial_days": 1})
        second.commit()
        assert again.id == row.id
    with Session(engine) as session:
        assert len(session.exec(sa.select(OutboxMessage)).all()) == 1


def test_a_message_rolls_back_with_the_event(engine):
    with Session(engine) as session:
        _enqueue(session)
        session.rollback()
    with Session(engine) as session:
        assert len(session.exec(sa.select(OutboxMessage)).all()) == 0


def test_message_id_is_fixed_at_enqueue_and_unique(session):
    a = _enqueue(session, key="k1")
    b = _enqueue(session, key="k2")
    assert a.message_id.startswith("<") and a.message_id.endswith("@teamsystem.com>")
    assert a.message_id != b.message_id


def test_claim_takes_due_messages_only(session):
    due = _enqueue(session, key="due")
    later = _enqueue(session, key="later", now=NOW + timedelta(hours=1))
    session.commit()
    claimed = outbox.claim_due(session, worker="w1", now=NOW, limit=10)
    session.commit()
    assert [row.id for row in claimed] == [due.id]
    session.refresh(later)
    assert (due.status, due.attempts, due.claimed_by) == ("sending", 1, "w1")
    assert later.status == "pending"


def test_two_senders_reading_the_same_row_claim_it_once(engine):
    with Session(engine) as session:
        _enqueue(session)
        session.commit()
    with Session(engine, expire_on_commit=False) as a, Session(engine, expire_on_commit=False) as b:
        row_a = a.get(OutboxMessage, 1)
        row_b = b.get(OutboxMessage, 1)
        won_a = outbox._move(a, row_a, OutboxStatus.SENDING, NOW + timedelta(seconds=1))
        a.commit()
        won_b = outbox._move(b, row_b, OutboxStatus.SENDING, NOW + timedelta(seconds=2))
        b.commit()
    assert (won_a, won_b) == (True, False)


def test_many_threads_claiming_take_each_message_exactly_once(engine):
    with Session(engine) as session:
        for n in range(30):
            _enqueue(session, key=f"event:{n}")
        session.commit()
    taken: list[int] = []
    lock = threading.Lock()

    def claimer(worker: str) -> None:
        while True:
            with Session(engine, expire_on_commit=False) as session:
                rows = outbox.claim_due(session, worker=worker, now=datetime.now(UTC), limit=1)
                session.commit()
            if not rows:
                with Session(engine) as session:
                    left = session.exec(
                        sa.select(OutboxMessage).where(OutboxMessage.status == "pending")
                    ).all()
                if not left:
                    return
                continue
            with lock:
                taken.extend(row.id for row in rows)

    threads = [threading.Thread(target=claimer, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(taken) == list(range(1, 31))


def test_an_illegal_status_change_is_refused(session):
    row = _enqueue(session)
    session.commit()
    with pytest.raises(IllegalOutboxTransition):
        outbox.mark_sent(session, row, now=NOW, subject="x")  # never claimed


def test_secrets_leave_the_row_once_sent(session):
    row = _enqueue(session, params={"reset_token": "s3cret", "valid_minutes": 30})
    session.commit()
    [claimed] = outbox.claim_due(session, worker="w", now=NOW, limit=1)
    assert outbox.mark_sent(session, claimed, now=NOW, subject="Oggetto")
    session.commit()
    session.refresh(row)
    assert outbox.params_of(row) == {"valid_minutes": 30}
    assert (row.status, row.subject, row.sent_at is not None) == ("sent", "Oggetto", True)


def test_secrets_leave_the_row_when_given_up(session):
    row = _enqueue(session, params={"reset_token": "s3cret"})
    session.commit()
    [claimed] = outbox.claim_due(session, worker="w", now=NOW, limit=1)
    outbox.mark_failed(
        session,
        claimed,
        now=NOW,
        target=OutboxStatus.DEAD,
        next_attempt_at=None,
        error="550 no such user",
        unconfirmed=False,
    )
    session.commit()
    session.refresh(row)
    assert "reset_token" not in outbox.params_of(row)
    assert (row.status, row.last_error) == ("dead", "550 no such user")


def test_abandoned_lists_only_claims_older_than_the_lease(session):
    old = _enqueue(session, key="old")
    fresh = _enqueue(session, key="fresh")
    session.commit()
    outbox.claim_due(session, worker="w", now=NOW, limit=1)  # "old"
    outbox.claim_due(session, worker="w", now=NOW + timedelta(minutes=9), limit=1)  # "fresh"
    session.commit()
    found = outbox.abandoned(session, now=NOW + timedelta(minutes=10), lease=timedelta(minutes=5))
    assert [row.id for row in found] == [old.id]
    assert fresh.status == "sending"

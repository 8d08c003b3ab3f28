"""Idempotency keys and the licence optimistic lock, on a real SQLite file."""

from datetime import date

import pytest
from sqlmodel import Session

from ts_store.store import customers, licences, operations
from ts_store.store.licences import StaleLicenceError


@pytest.fixture
def customer_id(session):
    customer = customers.add_customer(
        session, email="op@example.it", password_hash="x", company_name="Op S.r.l."
    )
    session.commit()
    return customer.id


def test_same_idempotency_key_returns_the_same_operation(session, customer_id):
    first, created_first = operations.start_operation(
        session, "purchase:1:abc", customer_id=customer_id, kind="purchase", amount_cents=100
    )
    second, created_second = operations.start_operation(
        session, "purchase:1:abc", customer_id=customer_id, kind="purchase", amount_cents=999
    )
    assert (created_first, created_second) == (True, False)
    assert second.id == first.id and second.amount_cents == 100


def test_same_key_from_two_sessions_creates_one_row(engine, customer_id):
    with Session(engine) as a, Session(engine) as b:
        op_a, created_a = operations.start_operation(a, "k", customer_id=customer_id, kind="x")
        a.commit()
        op_b, created_b = operations.start_operation(b, "k", customer_id=customer_id, kind="x")
        assert created_a and not created_b and op_a.id == op_b.id


def test_claim_operation_succeeds_once(session, customer_id):
    op, _ = operations.start_operation(session, "claim", customer_id=customer_id, kind="renewal")
    assert operations.claim_operation(session, op, "pending", "charging") is True
    assert operations.claim_operation(session, op, "pending", "charging") is False


def test_stale_version_write_is_refused(engine, customer_id):
    with Session(engine, expire_on_commit=False) as session:
        licence = licences.add_licence(
            session,
            customer_id=customer_id,
            status="active",
            plan="pro",
            cycle="monthly",
            seats=2,
            period_start=date(2026, 11, 10),
            period_end=date(2026, 12, 10),
        )
        session.commit()
    with (
        Session(engine, expire_on_commit=False) as tab_one,
        Session(engine, expire_on_commit=False) as tab_two,
    ):
        seen_by_one = licences.get_licence(tab_one, licence.id)
        seen_by_two = licences.get_licence(tab_two, licence.id)
        licences.update_licence(tab_one, seen_by_one, seen_by_one.version, seats=5)
        tab_one.commit()
        with pytest.raises(StaleLicenceError):
            licences.update_licence(tab_two, seen_by_two, 1, seats=3)
    with Session(engine) as session:
        stored = licences.get_licence(session, licence.id)
        assert (stored.seats, stored.version) == (5, 2)


def test_owned_licence_refuses_another_customer(session, customer_id):
    other = customers.add_customer(
        session, email="o@example.it", password_hash="x", company_name="O"
    )
    licence = licences.add_licence(session, customer_id=customer_id, status="trial")
    assert licences.owned_licence(session, customer_id, licence.id).id == licence.id
    assert licences.owned_licence(session, other.id, licence.id) is None


def test_licences_due_lists_paid_licences_whose_period_ended(session, customer_id):
    due = licences.add_licence(
        session, customer_id=customer_id, status="active", period_end=date(2026, 12, 10)
    )
    licences.add_licence(
        session, customer_id=customer_id, status="active", period_end=date(2026, 12, 11)
    )
    licences.add_licence(session, customer_id=customer_id, status="trial")
    assert [lic.id for lic in licences.licences_due(session, date(2026, 12, 10))] == [due.id]

"""Idempotency keys and the licence optimistic lock, on a real SQLite file."""

import json
from datetime import date

import pytest
from sqlmodel import Session

from ts_store.domain.lifecycle import LicenceStatus
from ts_store.domain.operations import IllegalTransition, OperationKind, OperationStatus
from ts_store.store import audit, customers, licences, operations
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
        op_a, created_a = operations.start_operation(
            a, "k", customer_id=customer_id, kind="purchase"
        )
        a.commit()
        op_b, created_b = operations.start_operation(
            b, "k", customer_id=customer_id, kind="purchase"
        )
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


def test_statuses_and_kinds_are_read_back_as_enums(session, customer_id):
    op, _ = operations.start_operation(session, "enum", customer_id=customer_id, kind="change")
    session.commit()
    session.expire_all()
    stored = operations.get_operation(session, op.id)
    assert (type(stored.kind), type(stored.status)) == (OperationKind, OperationStatus)
    assert (stored.kind, stored.status) == (OperationKind.CHANGE, OperationStatus.PENDING)


def test_an_unknown_operation_kind_is_refused_before_it_is_stored(session, customer_id):
    with pytest.raises(ValueError, match="not a valid OperationKind"):
        operations.start_operation(session, "bad-kind", customer_id=customer_id, kind="card")
    assert operations.find_operation(session, "bad-kind") is None


def test_illegal_operation_transition_raises_and_is_audited(engine, customer_id):
    with Session(engine, expire_on_commit=False) as session:
        op, _ = operations.start_operation(
            session, "done", customer_id=customer_id, kind="purchase"
        )
        operations.update_operation(session, op, status=OperationStatus.APPLIED)
        session.commit()
        with pytest.raises(IllegalTransition, match="applied -> charging"):
            operations.update_operation(session, op, status=OperationStatus.CHARGING)
    with Session(engine) as session:
        assert operations.get_operation(session, op.id).status == OperationStatus.APPLIED
        [entry] = audit.entries_by_action(session, "illegal_transition")
        assert json.loads(entry.before_json) == {
            "entity": "operation",
            "id": op.id,
            "status": "applied",
        }
        assert json.loads(entry.after_json) == {"status": "charging"}


def test_illegal_claim_is_refused_even_when_the_row_matches(engine, customer_id):
    with Session(engine, expire_on_commit=False) as session:
        op, _ = operations.start_operation(
            session, "claim-bad", customer_id=customer_id, kind="renewal"
        )
        session.commit()
        with pytest.raises(IllegalTransition):
            operations.claim_operation(
                session, op, OperationStatus.PENDING, OperationStatus.REFUNDED
            )
    with Session(engine) as session:
        assert operations.get_operation(session, op.id).status == OperationStatus.PENDING
        assert len(audit.entries_by_action(session, "illegal_transition")) == 1


def test_illegal_licence_transition_rolls_back_the_write_and_is_audited(engine, customer_id):
    with Session(engine, expire_on_commit=False) as session:
        licence = licences.add_licence(session, customer_id=customer_id, status="trial")
        session.commit()
        with pytest.raises(IllegalTransition, match="trial -> suspended"):
            licences.update_licence(session, licence, licence.version, status="suspended")
    with Session(engine) as session:
        stored = licences.get_licence(session, licence.id)
        assert (stored.status, stored.version) == (LicenceStatus.TRIAL, 1)
        [entry] = audit.entries_by_action(session, "illegal_transition")
        assert entry.licence_id == licence.id


def test_legal_licence_transition_and_same_status_writes_pass(session, customer_id):
    licence = licences.add_licence(session, customer_id=customer_id, status="trial")
    licences.update_licence(session, licence, 1, status=LicenceStatus.TRIAL, seats=3)
    licences.update_licence(session, licence, 2, status=LicenceStatus.ACTIVE)
    assert (licence.status, licence.version) == (LicenceStatus.ACTIVE, 3)

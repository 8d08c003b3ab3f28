"""Document numbering: progressive per calendar year, no gaps, no duplicates."""

from datetime import date

import pytest
from sqlmodel import Session

from ts_store.store import customers, documents, operations


def _operation(session, customer_id, key):
    op, _ = operations.start_operation(session, key, customer_id=customer_id, kind="purchase")
    return op


def _issue(session, customer_id, key, on):
    op = _operation(session, customer_id, key)
    return documents.issue_document(
        session,
        operation_id=op.id,
        customer_id=customer_id,
        licence_id=None,
        issued_on=on,
        description="Test",
        lines=[],
        billing={},
        net_cents=100,
        vat_cents=22,
        gross_cents=122,
    )


@pytest.fixture
def customer_id(session):
    customer = customers.add_customer(
        session, email="doc@example.it", password_hash="x", company_name="Doc S.r.l."
    )
    session.commit()
    return customer.id


def test_numbers_are_progressive_within_a_year(session, customer_id):
    numbers = [_issue(session, customer_id, f"k{i}", date(2026, 3, i + 1)).number for i in range(3)]
    assert numbers == ["2026/000001", "2026/000002", "2026/000003"]


def test_numbering_restarts_on_1_january(session, customer_id):
    _issue(session, customer_id, "a", date(2026, 12, 31))
    first_2027 = _issue(session, customer_id, "b", date(2027, 1, 1))
    assert first_2027.number == "2027/000001"


def test_rolled_back_document_leaves_no_gap(engine, customer_id):
    with Session(engine) as session:
        _issue(session, customer_id, "one", date(2026, 5, 1))
        session.commit()
    with Session(engine) as session:
        _issue(session, customer_id, "two", date(2026, 5, 2))
        session.rollback()
    with Session(engine) as session:
        assert _issue(session, customer_id, "three", date(2026, 5, 3)).number == "2026/000002"
        session.commit()


def test_second_issue_for_same_operation_returns_the_first(session, customer_id):
    op = _operation(session, customer_id, "same")
    kwargs = dict(
        operation_id=op.id,
        customer_id=customer_id,
        licence_id=None,
        issued_on=date(2026, 1, 5),
        description="x",
        lines=[],
        billing={},
        net_cents=1,
        vat_cents=0,
        gross_cents=1,
    )
    first = documents.issue_document(session, **kwargs)
    second = documents.issue_document(session, **kwargs)
    assert first.id == second.id
    assert len(documents.documents_of(session, customer_id)) == 1


def test_owned_document_hides_other_customers_documents(session, customer_id):
    other = customers.add_customer(
        session, email="other@example.it", password_hash="x", company_name="Other"
    )
    doc = _issue(session, customer_id, "mine", date(2026, 2, 2))
    assert documents.owned_document(session, customer_id, doc.id) is not None
    assert documents.owned_document(session, other.id, doc.id) is None

"""'Contattaci' requests are stored for their customer only."""

import pytest

from ts_store.billing import support
from ts_store.billing.errors import InputError
from ts_store.store import customers, licences
from ts_store.store.support import support_requests_of
from ts_store.ui.messages import message_for


@pytest.fixture
def two_customers(session):
    a = customers.add_customer(session, email="a@x.it", password_hash="x", company_name="A")
    b = customers.add_customer(session, email="b@x.it", password_hash="x", company_name="B")
    session.commit()
    return a, b


def test_request_is_stored_with_its_licence(session, two_customers):
    a, _ = two_customers
    licence = licences.add_licence(session, customer_id=a.id, status="trial")
    session.commit()
    support.send_request(
        customer_id=a.id,
        subject="Fatturazione e pagamenti",
        message="Vorrei la fattura di ottobre.",
        licence_id=licence.id,
    )
    [stored] = support_requests_of(session, a.id)
    assert (stored.subject, stored.licence_id) == ("Fatturazione e pagamenti", licence.id)


def test_request_naming_another_customers_licence_is_refused(session, two_customers):
    a, b = two_customers
    foreign = licences.add_licence(session, customer_id=b.id, status="trial")
    session.commit()
    with pytest.raises(InputError) as error:
        support.send_request(
            customer_id=a.id,
            subject="Altro",
            message="Messaggio di prova lungo",
            licence_id=foreign.id,
        )
    assert error.value.field == "licence_id"
    assert message_for(error.value) == "Licenza: la licenza indicata non è tua."
    assert support_requests_of(session, a.id) == []


@pytest.mark.parametrize(
    ("subject", "message", "field"),
    [
        ("Sconosciuto", "Messaggio abbastanza lungo", "subject"),
        ("Altro", "corto", "message"),
    ],
)
def test_invalid_request_names_the_field_and_stores_nothing(
    session, two_customers, subject, message, field
):
    a, _ = two_customers
    with pytest.raises(InputError) as error:
        support.send_request(customer_id=a.id, subject=subject, message=message, licence_id=None)
    assert error.value.field == field
    assert message_for(error.value).startswith(("Argomento:", "Messaggio:"))
    assert support_requests_of(session, a.id) == []


def test_empty_form_reports_both_subject_and_message_at_once():
    problems = support.request_problems("", "  ")
    assert [p.field for p in problems] == ["subject", "message"]
    assert [message_for(p).split(":")[0] for p in problems] == ["Argomento", "Messaggio"]
    assert support.request_problems("Altro", "Messaggio abbastanza lungo") == []

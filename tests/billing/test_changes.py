"""Licence changes against localstripe and a real SQLite file (docs/billing-policy.md, issue #5)."""

import json
from datetime import date

import pytest
from sqlmodel import select

from tests.fixtures.factories import give_card, make_active_licence, make_customer
from tests.fixtures.localstripe import authenticate_payment_intent
from ts_store.billing import changes, charging
from ts_store.billing.errors import ConflictError, InputError, NotAllowed
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration
from ts_store.store import documents, licences
from ts_store.store.models import AuditEntry, BillingOperation
from ts_store.ui.messages import message_for, result_text

pytestmark = pytest.mark.stripe


@pytest.fixture(autouse=True)
def article_day(monkeypatch):
    monkeypatch.setenv("TS_STORE_TODAY", "2026-11-28")


@pytest.fixture
async def article_licence(session, gateway):
    """The article's customer: Pro monthly, 2 users, period 10/11/2026–10/12/2026, a 4242 card."""
    customer = make_customer(session)
    await give_card(session, gateway, customer)
    return make_active_licence(session, customer.id, seats=2)


async def _change(licence, target, gateway, key="k"):
    return await changes.apply_change(
        customer_id=licence.customer_id,
        licence_id=licence.id,
        expected_version=licence.version,
        target=target,
        idempotency_key=key,
        gateway=gateway,
    )


def _fresh(session, licence):
    session.expire_all()
    return licences.get_licence(session, licence.id)


def test_preview_of_the_article_example_2_to_5_users_on_28_nov(session, article_licence):
    snapshot = changes.load_snapshot(article_licence.customer_id, article_licence.id)
    result = changes.preview(snapshot, Configuration("pro", Cycle.MONTHLY, 5), date(2026, 11, 28))
    [line] = result.charge_now.lines
    assert (line.kind, line.quantity, line.unit_cents, line.days, line.period_days) == (
        "added_seats",
        3,
        2500,
        12,
        30,
    )
    assert (result.charge_now.net_cents, result.charge_now.vat_cents) == (3000, 660)
    assert result.charge_now.gross_cents == 3660
    assert (result.at_renewal.date, result.at_renewal.net_cents) == (date(2026, 12, 10), 12500)


async def test_adding_seats_charges_the_rateo_then_applies(session, gateway, article_licence):
    result = await _change(article_licence, Configuration("pro", Cycle.MONTHLY, 5), gateway)

    assert result.status == "succeeded"
    stored = _fresh(session, article_licence)
    assert (stored.seats, stored.renewal_seats) == (5, 5)
    [document] = documents.documents_of(session, article_licence.customer_id)
    assert document.gross_cents == 3660 and document.number == result.document_number


async def test_fewer_seats_wait_for_the_renewal_without_charge(session, gateway, article_licence):
    article_licence = licences.update_licence(session, article_licence, 1, seats=4, renewal_seats=4)
    session.commit()
    result = await _change(article_licence, Configuration("pro", Cycle.MONTHLY, 2), gateway)

    assert result.status == "applied"
    stored = _fresh(session, article_licence)
    assert (stored.seats, stored.renewal_seats) == (4, 2)
    assert documents.documents_of(session, article_licence.customer_id) == []


async def test_upgrade_to_business_applies_now_at_rateo(session, gateway):
    customer = make_customer(session)
    await give_card(session, gateway, customer)
    licence = make_active_licence(session, customer.id, seats=3)

    result = await _change(licence, Configuration("business", Cycle.MONTHLY, 3), gateway)

    assert result.status == "succeeded"
    stored = _fresh(session, licence)
    assert (stored.plan, stored.renewal_plan) == ("business", "business")
    [document] = documents.documents_of(session, customer.id)
    # 3 users × (40,00 − 25,00) × 12/30 = 18,00 € net
    assert document.net_cents == 1800


async def test_downgrade_and_cycle_change_are_scheduled_and_can_be_undone(
    session, gateway, article_licence
):
    result = await _change(article_licence, Configuration("smart", Cycle.ANNUAL, 2), gateway)
    assert result.status == "applied"
    stored = _fresh(session, article_licence)
    assert (stored.plan, stored.cycle) == ("pro", "monthly")
    assert (stored.renewal_plan, stored.renewal_cycle) == ("smart", "annual")

    changes.undo_scheduled_change(
        customer_id=stored.customer_id,
        licence_id=stored.id,
        expected_version=stored.version,
    )
    session.commit()
    stored = _fresh(session, article_licence)
    assert (stored.renewal_plan, stored.renewal_cycle, stored.renewal_seats) == (
        "pro",
        "monthly",
        2,
    )


async def test_declined_card_0341_leaves_the_licence_unchanged(session, gateway):
    customer = make_customer(session)
    await give_card(session, gateway, customer, "4000000000000341")
    licence = make_active_licence(session, customer.id, seats=2)

    result = await _change(licence, Configuration("pro", Cycle.MONTHLY, 5), gateway)

    assert (result.status, result.failure_code) == ("failed", "card_declined")
    assert result_text(result) == "La carta è stata rifiutata dalla banca."
    assert _fresh(session, licence).seats == 2
    assert documents.documents_of(session, customer.id) == []


async def test_stale_version_from_another_tab_is_refused(session, gateway, article_licence):
    seen_by_tab_two = article_licence.version
    await _change(article_licence, Configuration("pro", Cycle.MONTHLY, 3), gateway, key="tab1")
    with pytest.raises(ConflictError) as error:
        await changes.apply_change(
            customer_id=article_licence.customer_id,
            licence_id=article_licence.id,
            expected_version=seen_by_tab_two,
            target=Configuration("pro", Cycle.MONTHLY, 4),
            idempotency_key="tab2",
            gateway=gateway,
        )
    assert error.value.code == "licence_changed"
    assert "un'altra finestra" in message_for(error.value)
    assert _fresh(session, article_licence).seats == 3


async def test_forged_change_on_another_customers_licence_is_refused_and_logged(
    session, gateway, article_licence
):
    intruder = make_customer(session)
    with pytest.raises(NotAllowed):
        await changes.apply_change(
            customer_id=intruder.id,
            licence_id=article_licence.id,
            expected_version=1,
            target=Configuration("pro", Cycle.MONTHLY, 9),
            idempotency_key="x",
            gateway=gateway,
        )
    logged = session.exec(select(AuditEntry).where(AuditEntry.action == "forbidden_access")).all()
    assert [entry.actor_customer_id for entry in logged] == [intruder.id]
    assert _fresh(session, article_licence).seats == 2


async def test_changes_are_refused_while_a_cancellation_is_pending(
    session, gateway, article_licence
):
    changes.cancel_at_period_end(
        customer_id=article_licence.customer_id,
        licence_id=article_licence.id,
        expected_version=1,
        reason="Costo troppo alto",
        note="",
    )
    session.commit()
    stored = _fresh(session, article_licence)
    assert (stored.cancel_at_period_end, stored.cancel_reason) == (True, "Costo troppo alto")
    with pytest.raises(NotAllowed) as error:
        await _change(stored, Configuration("pro", Cycle.MONTHLY, 5), gateway)
    assert error.value.code == changes.CANCEL_PENDING
    assert message_for(error.value).startswith("La disdetta è in corso")

    changes.reactivate(
        customer_id=stored.customer_id,
        licence_id=stored.id,
        expected_version=stored.version,
    )
    session.commit()
    assert _fresh(session, article_licence).cancel_at_period_end is False


def test_unknown_cancel_reason_is_refused(session, article_licence):
    with pytest.raises(InputError) as error:
        changes.cancel_at_period_end(
            customer_id=article_licence.customer_id,
            licence_id=article_licence.id,
            expected_version=1,
            reason="Inventato",
            note="",
        )
    assert error.value.field == "reason"


def test_seats_above_the_plan_maximum_name_the_field(session, article_licence):
    snapshot = changes.load_snapshot(article_licence.customer_id, article_licence.id)
    with pytest.raises(InputError) as error:
        changes.preview(snapshot, Configuration("pro", Cycle.MONTHLY, 51), date(2026, 11, 28))
    assert error.value.field == "seats" and "Numero utenti" in message_for(error.value)


async def test_no_op_target_is_refused_without_an_operation(session, gateway, article_licence):
    with pytest.raises(InputError):
        await _change(article_licence, Configuration("pro", Cycle.MONTHLY, 2), gateway)


async def test_upgrade_with_more_users_charges_both_lines_at_rateo(
    session, gateway, article_licence
):
    result = await _change(article_licence, Configuration("business", Cycle.MONTHLY, 4), gateway)

    assert result.status == "succeeded"
    [document] = documents.documents_of(session, article_licence.customer_id)
    # upgrade 2 × (40,00 − 25,00) × 12/30 = 12,00 €; added 2 × 40,00 × 12/30 = 32,00 €
    assert [(line["kind"], line["amount_cents"]) for line in json.loads(document.lines_json)] == [
        ("upgrade", 1200),
        ("added_seats", 3200),
    ]
    assert (document.net_cents, document.vat_cents, document.gross_cents) == (4400, 968, 5368)
    stored = _fresh(session, article_licence)
    assert (stored.plan, stored.seats, stored.renewal_plan, stored.renewal_seats) == (
        "business",
        4,
        "business",
        4,
    )


async def test_3d_secure_change_applies_only_after_authentication(
    session, gateway, stripe_settings
):
    customer = make_customer(session)
    await give_card(session, gateway, customer, "4000002760003184")
    licence = make_active_licence(session, customer.id, seats=2)

    pending = await _change(licence, Configuration("pro", Cycle.MONTHLY, 5), gateway)
    assert pending.status == "requires_action" and pending.client_secret
    assert _fresh(session, licence).seats == 2

    operation = session.get(BillingOperation, pending.operation_id)
    await authenticate_payment_intent(stripe_settings, operation.stripe_payment_intent_id, True)
    done = await charging.complete_after_authentication(customer.id, operation.id, gateway)

    assert done.status == "succeeded" and done.document_number
    assert _fresh(session, licence).seats == 5
    [document] = documents.documents_of(session, customer.id)
    assert document.gross_cents == 3660


async def test_3d_secure_refused_leaves_the_licence_unchanged(session, gateway, stripe_settings):
    customer = make_customer(session)
    await give_card(session, gateway, customer, "4000002760003184")
    licence = make_active_licence(session, customer.id, seats=2)
    pending = await _change(licence, Configuration("pro", Cycle.MONTHLY, 5), gateway)
    operation = session.get(BillingOperation, pending.operation_id)

    await authenticate_payment_intent(stripe_settings, operation.stripe_payment_intent_id, False)
    done = await charging.complete_after_authentication(customer.id, operation.id, gateway)

    assert (done.status, done.failure_code) == ("failed", "card_declined")
    assert result_text(done) == "Autenticazione 3-D Secure non riuscita."
    assert _fresh(session, licence).seats == 2
    assert documents.documents_of(session, customer.id) == []


async def test_a_retried_confirm_with_the_same_key_charges_once(session, gateway, article_licence):
    target = Configuration("pro", Cycle.MONTHLY, 5)
    first = await _change(article_licence, target, gateway, key="double-click")
    again = await _change(article_licence, target, gateway, key="double-click")

    assert (again.status, again.operation_id, again.document_number) == (
        "succeeded",
        first.operation_id,
        first.document_number,
    )
    assert len(documents.documents_of(session, article_licence.customer_id)) == 1
    assert _fresh(session, article_licence).seats == 5


async def test_every_applied_change_writes_the_audit_log(session, gateway, article_licence):
    await _change(article_licence, Configuration("pro", Cycle.MONTHLY, 3), gateway, key="a")
    stored = _fresh(session, article_licence)
    await _change(stored, Configuration("pro", Cycle.MONTHLY, 1), gateway, key="b")

    entries = session.exec(
        select(AuditEntry)
        .where(AuditEntry.licence_id == article_licence.id)
        .order_by(AuditEntry.id)
    ).all()
    assert [entry.action for entry in entries] == ["change_applied", "change_applied"]
    assert all(entry.actor_customer_id == article_licence.customer_id for entry in entries)


def test_undo_is_refused_while_a_cancellation_is_pending(session, article_licence):
    licences.update_licence(session, article_licence, 1, renewal_seats=1, cancel_at_period_end=True)
    session.commit()
    with pytest.raises(NotAllowed) as error:
        changes.undo_scheduled_change(
            customer_id=article_licence.customer_id,
            licence_id=article_licence.id,
            expected_version=2,
        )
    assert error.value.code == changes.CANCEL_PENDING


def test_reactivate_on_the_day_the_period_ends_is_refused(session, monkeypatch, article_licence):
    changes.cancel_at_period_end(
        customer_id=article_licence.customer_id,
        licence_id=article_licence.id,
        expected_version=1,
        reason="",
        note="",
    )
    session.commit()
    monkeypatch.setenv("TS_STORE_TODAY", "2026-12-10")
    with pytest.raises(NotAllowed):
        changes.reactivate(
            customer_id=article_licence.customer_id,
            licence_id=article_licence.id,
            expected_version=2,
        )
    assert _fresh(session, article_licence).cancel_at_period_end is True


def test_reactivate_an_ended_licence_is_refused(session, article_licence):
    licences.update_licence(
        session, article_licence, 1, status="cancelled", cancel_at_period_end=True
    )
    session.commit()
    with pytest.raises(NotAllowed):
        changes.reactivate(
            customer_id=article_licence.customer_id,
            licence_id=article_licence.id,
            expected_version=2,
        )


def test_cancel_stores_reason_and_note_and_a_note_too_long_stores_nothing(session, article_licence):
    common = {
        "customer_id": article_licence.customer_id,
        "licence_id": article_licence.id,
        "expected_version": 1,
        "reason": "Altro",
    }
    with pytest.raises(InputError) as error:
        changes.cancel_at_period_end(note="x" * 1001, **common)
    assert error.value.field == "note"
    assert _fresh(session, article_licence).cancel_at_period_end is False

    changes.cancel_at_period_end(note="  Chiudiamo la sede di Torino. ", **common)
    session.commit()
    stored = _fresh(session, article_licence)
    assert (stored.cancel_at_period_end, stored.cancel_reason, stored.cancel_note) == (
        True,
        "Altro",
        "Chiudiamo la sede di Torino.",
    )
    [entry] = session.exec(
        select(AuditEntry).where(AuditEntry.action == "cancellation_requested")
    ).all()
    assert entry.licence_id == article_licence.id


def test_stale_cancel_from_another_tab_is_refused(session, article_licence):
    licences.update_licence(session, article_licence, 1, renewal_seats=1)
    session.commit()
    with pytest.raises(ConflictError):
        changes.cancel_at_period_end(
            customer_id=article_licence.customer_id,
            licence_id=article_licence.id,
            expected_version=1,
            reason="",
            note="",
        )
    session.rollback()
    assert _fresh(session, article_licence).cancel_at_period_end is False


@pytest.mark.parametrize("action", ["undo", "cancel", "reactivate"])
def test_forged_simple_actions_on_another_customers_licence_are_refused_and_logged(
    session, article_licence, action
):
    intruder = make_customer(session)
    call = {
        "undo": changes.undo_scheduled_change,
        "reactivate": changes.reactivate,
        "cancel": lambda **kw: changes.cancel_at_period_end(reason="", note="", **kw),
    }[action]
    with pytest.raises(NotAllowed) as error:
        call(customer_id=intruder.id, licence_id=article_licence.id, expected_version=1)
    assert message_for(error.value) == "Licenza non trovata."
    logged = session.exec(select(AuditEntry).where(AuditEntry.action == "forbidden_access")).all()
    assert [entry.actor_customer_id for entry in logged] == [intruder.id]
    assert _fresh(session, article_licence).version == 1

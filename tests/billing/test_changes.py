"""Licence changes against localstripe and a real SQLite file (BRIEF §4 rules, issue #5)."""

from datetime import date

import pytest
from sqlmodel import select

from tests.fixtures.factories import give_card, make_active_licence, make_customer
from ts_store.billing import changes
from ts_store.billing.errors import ConflictError, InputError, NotAllowed
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration
from ts_store.store import documents, licences
from ts_store.store.models import AuditEntry


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
    snapshot = changes.load_snapshot(session, article_licence.customer_id, article_licence.id)
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
        session,
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

    assert result.status == "failed" and result.message
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
    assert "un'altra finestra" in error.value.message
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
        session,
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
    assert error.value.message == changes.CANCEL_PENDING

    changes.reactivate(
        session,
        customer_id=stored.customer_id,
        licence_id=stored.id,
        expected_version=stored.version,
    )
    session.commit()
    assert _fresh(session, article_licence).cancel_at_period_end is False


def test_unknown_cancel_reason_is_refused(session, article_licence):
    with pytest.raises(InputError) as error:
        changes.cancel_at_period_end(
            session,
            customer_id=article_licence.customer_id,
            licence_id=article_licence.id,
            expected_version=1,
            reason="Inventato",
            note="",
        )
    assert error.value.field == "reason"


def test_seats_above_the_plan_maximum_name_the_field(session, article_licence):
    snapshot = changes.load_snapshot(session, article_licence.customer_id, article_licence.id)
    with pytest.raises(InputError) as error:
        changes.preview(snapshot, Configuration("pro", Cycle.MONTHLY, 51), date(2026, 11, 28))
    assert error.value.field == "seats" and "Numero utenti" in error.value.message


async def test_no_op_target_is_refused_without_an_operation(session, gateway, article_licence):
    with pytest.raises(InputError):
        await _change(article_licence, Configuration("pro", Cycle.MONTHLY, 2), gateway)

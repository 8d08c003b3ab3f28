"""'Simulazione' on a sandbox: the store's job over a horizon on a throwaway copy of the data,
with a gateway that never calls Stripe; the live database is left exactly as it was."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from tests.fixtures.factories import (
    give_card,
    make_active_licence,
    make_customer,
    save_billing_profile,
)
from ts_store.billing import catalog_versions, simulation
from ts_store.billing.errors import InputError, NotAllowed
from ts_store.domain.catalog_versions import Grandfathering
from ts_store.domain.periods import Cycle
from ts_store.payments.gateway import StripeGateway
from ts_store.store.models import BillingDocument, BillingOperation, Licence

pytestmark = pytest.mark.stripe  # real cards in the local Stripe server

CHECKED = (Licence, BillingOperation, BillingDocument)


def _fingerprint(session) -> dict[str, tuple[int, str]]:
    """Row count and a SHA-256 of every row of the checked tables."""
    session.expire_all()
    out = {}
    for model in CHECKED:
        rows = session.exec(select(model).order_by(model.id)).all()
        digest = hashlib.sha256(repr([r.model_dump() for r in rows]).encode()).hexdigest()
        out[model.__tablename__] = (len(rows), digest)
    return out


@pytest.fixture
def team(session):
    return make_customer(session, role="product_team").id


@pytest.fixture
def no_stripe(monkeypatch):
    calls = []

    def forbidden(name):
        async def call(*args, **kwargs):
            calls.append(name)
            raise AssertionError(f"Stripe called: {name}")

        return call

    for name in ("charge_off_session", "detach_card", "cancel_payment", "retrieve_payment"):
        monkeypatch.setattr(StripeGateway, name, forbidden(name))
    return calls


async def _store(session, gateway):
    payer = make_customer(session, company="Paga S.r.l.")
    save_billing_profile(session, payer.id)
    await give_card(session, gateway, payer, "4242424242424242")
    monthly = make_active_licence(session, payer.id, period_start=date(2026, 11, 10))
    annual = make_active_licence(
        session, payer.id, cycle=Cycle.ANNUAL, seats=3, period_start=date(2026, 3, 1)
    )
    no_card = make_customer(session, company="Senza carta S.r.l.")
    unpaid = make_active_licence(session, no_card.id, plan="smart", period_start=date(2026, 11, 20))
    return monthly, annual, unpaid


async def test_simulation_makes_no_stripe_call_and_leaves_the_live_database_unchanged(
    session, gateway, team, no_stripe
):
    await _store(session, gateway)
    before = _fingerprint(session)

    result = await simulation.simulate(team, 3)

    assert _fingerprint(session) == before
    assert no_stripe == [] and result.stripe_calls == 0
    assert result.documents > 0  # it did charge, on the copy


async def test_three_months_renew_monthly_and_suspend_the_licence_without_a_card(
    session, gateway, team, no_stripe
):
    monthly, annual, _ = await _store(session, gateway)

    result = await simulation.simulate(team, 3)  # 28/11/2026 -> 28/02/2027

    monthly_charges = [c for c in result.charges if c.licence_id == monthly.id]
    assert [c.on for c in monthly_charges] == [
        date(2026, 12, 10),
        date(2027, 1, 10),
        date(2027, 2, 10),
    ]
    assert all(c.gross_cents == 6100 for c in monthly_charges)
    assert [c.licence_id for c in result.charges if c.licence_id == annual.id] == []
    assert result.past_due == 1 and result.suspensions == 1  # no card: 20/12, suspended 03/01
    assert result.documents == 3 and result.charged_gross_cents == 3 * 6100
    # MRR: 2 × 25 € + 3 × 250/12 € + 2 × 15 € = 142,50 €; without the suspended Smart: 112,50 €
    assert [p.mrr_cents for p in result.mrr] == [14250, 14250, 11250, 11250]
    assert result.mrr[-1].suspended == 1


async def test_a_draft_simulated_with_policy_b_moves_prices_after_the_notice(
    session, gateway, team, no_stripe
):
    monthly, _, _ = await _store(session, gateway)
    draft = catalog_versions.create_draft(team, "Pro 27")
    text = draft.content.replace("monthly_cents = 2500", "monthly_cents = 2700", 1)
    draft = catalog_versions.save_draft(team, draft.id, draft.revision, "Pro 27", "", text)
    before = _fingerprint(session)

    result = await simulation.simulate(team, 3, draft.id, Grandfathering.MOVE_AT_RENEWAL)

    amounts = [c.gross_cents for c in result.charges if c.licence_id == monthly.id]
    assert amounts == [6100, 6588, 6588]  # notice 28/11: 10/12 too soon, 10/01 moves
    assert result.catalog_label == "bozza «Pro 27»"
    assert _fingerprint(session) == before
    assert catalog_versions.get_version(team, draft.id).status == "draft"


@pytest.mark.parametrize("months", [0, 37, "tre", None, True])
async def test_a_horizon_outside_1_to_36_months_is_refused(session, team, months):
    with pytest.raises(InputError) as error:
        await simulation.simulate(team, months)
    assert error.value.field == "months"


async def test_a_customer_cannot_run_a_simulation(session):
    customer = make_customer(session).id
    with pytest.raises(NotAllowed):
        await simulation.simulate(customer, 3)


async def test_the_copy_is_deleted_after_the_run(session, gateway, team, no_stripe, monkeypatch):
    made = []
    real = simulation.tempfile.mkdtemp

    def recording(**kwargs):
        made.append(real(**kwargs))
        return made[-1]

    monkeypatch.setattr(simulation.tempfile, "mkdtemp", recording)
    await simulation.simulate(team, 1)
    assert len(made) == 1 and not Path(made[0]).exists()

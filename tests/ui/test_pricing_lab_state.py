"""'Prova un catalogo' driven without a browser: the product team gets quotes; nobody else does."""

from __future__ import annotations

import pytest
import reflex as rx

from tests.billing.test_pricing_sandbox import ARTICLE_CHANGE
from tests.fixtures.factories import PASSWORD, make_customer
from ts_store.billing import accounts, pricing_sandbox
from ts_store.ui.pages.lab_pricing import PricingLabState
from ts_store.ui.session import SessionState


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setenv("TS_STORE_TODAY", "2026-11-28")


def _tab(session, role: str) -> PricingLabState:
    customer = make_customer(session, role=role)
    token = accounts.login(email=customer.email, password=PASSWORD).token
    session.commit()
    root = rx.State(_reflex_internal_init=True)
    root.get_substate(SessionState.get_full_name().split(".")).session_token = token
    return root.get_substate(PricingLabState.get_full_name().split("."))


def _plain(value: str) -> str:
    return value.replace("\xa0", " ")


async def test_product_team_loads_the_live_catalogue_and_the_store_date(session):
    state = _tab(session, "product_team")
    await PricingLabState.load.fn(state)
    assert state.catalog_text == pricing_sandbox.live_catalog_text()
    assert (state.today_value, state.period_start_value) == ("2026-11-28", "2026-11-01")
    assert [option.code for option in state.plan_options] == ["smart", "pro", "business"]
    assert _plain(state.draft_plans[1].monthly) == "25,00 €"


async def test_product_team_quotes_a_draft_price(session):
    state = _tab(session, "product_team")
    await PricingLabState.load.fn(state)
    draft = state.catalog_text.replace("monthly_cents = 2500", "monthly_cents = 3000")

    await PricingLabState.calculate.fn(state, {**ARTICLE_CHANGE, "catalog": draft})

    assert state.error == "" and state.has_result
    assert _plain(state.result.gross) == "43,92 €"
    assert (
        _plain(state.result.lines[0].description)
        == "Utenti aggiunti: 3 utenti × 30,00 € × 12/30 giorni"
    )
    assert state.result_title == "Modifica nel periodo in corso (fino al 10/12/2026)"
    assert _plain(state.draft_plans[1].monthly) == "30,00 €"
    assert state.catalog_text == draft  # what "Scarica il catalogo provato" downloads


async def test_bad_draft_shows_the_message_naming_plan_and_field_and_no_result(session):
    state = _tab(session, "product_team")
    await PricingLabState.load.fn(state)
    draft = state.catalog_text.replace("min_seats = 3", "min_seats = 900")

    await PricingLabState.calculate.fn(state, {**ARTICLE_CHANGE, "catalog": draft})

    assert state.error_field == "catalog" and not state.has_result
    assert "piano 'business'" in state.error and "min_seats" in state.error


async def test_a_customer_cannot_use_the_sandbox(session):
    state = _tab(session, "customer")
    await PricingLabState.load.fn(state)
    await PricingLabState.calculate.fn(
        state, {**ARTICLE_CHANGE, "catalog": pricing_sandbox.live_catalog_text()}
    )
    assert state.catalog_text == "" and not state.has_result and state.draft_plans == []


async def test_switching_to_a_new_purchase_hides_the_old_result(session):
    state = _tab(session, "product_team")
    await PricingLabState.load.fn(state)
    await PricingLabState.calculate.fn(state, {**ARTICLE_CHANGE, "catalog": state.catalog_text})
    assert state.has_result

    PricingLabState.set_situation.fn(state, "acquisto")

    assert state.situation == "acquisto" and not state.has_result
    PricingLabState.set_situation.fn(state, "<script>")
    assert state.situation == "acquisto"

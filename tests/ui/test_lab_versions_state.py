"""'Versioni', 'Pubblica' driven without a browser: the product team publishes and withdraws;
a customer calling the same handlers changes nothing."""

from __future__ import annotations

import pytest
import reflex as rx

from tests.fixtures.factories import PASSWORD, make_customer
from ts_store.billing import accounts, catalog_versions
from ts_store.ui.pages.lab_versions import VersionsState
from ts_store.ui.session import SessionState


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setenv("TS_STORE_TODAY", "2026-11-28")


def _tab(session, role: str) -> tuple[VersionsState, int]:
    customer = make_customer(session, role=role)
    token = accounts.login(email=customer.email, password=PASSWORD).token
    session.commit()
    root = rx.State(_reflex_internal_init=True)
    root.get_substate(SessionState.get_full_name().split(".")).session_token = token
    return root.get_substate(VersionsState.get_full_name().split(".")), customer.id


def _draft(session) -> catalog_versions.VersionView:
    team = make_customer(session, role="product_team").id
    return catalog_versions.create_draft(team, "Pro 27")


async def test_product_team_publishes_a_draft_with_a_date_and_policy_b(session):
    draft = _draft(session)
    state, team = _tab(session, "product_team")
    await VersionsState.load.fn(state)
    assert [row.id for row in state.versions] == [str(draft.id), "1"]
    assert state.draft_id == str(draft.id) and state.effective_value == "2026-11-28"

    await VersionsState.publish.fn(
        state,
        {
            "draft_id": str(draft.id),
            "effective_on": "2026-12-08",
            "grandfathering": "move_at_renewal",
        },
    )

    assert state.error == ""
    assert state.message.startswith("«Pro 27» pubblicata: in vigore dal 08/12/2026.")
    assert state.versions[0].status_label == "Programmata" and state.versions[0].withdrawable
    await VersionsState.withdraw.fn(state, str(draft.id))
    assert catalog_versions.get_version(team, draft.id).status == "withdrawn"


async def test_a_past_effective_date_shows_the_message_naming_the_field(session):
    draft = _draft(session)
    state, _ = _tab(session, "product_team")
    await VersionsState.load.fn(state)
    await VersionsState.publish.fn(
        state,
        {
            "draft_id": str(draft.id),
            "effective_on": "2026-11-01",
            "grandfathering": "keep_until_change",
        },
    )
    assert state.error == "Data di efficacia: scegli oggi o una data futura."


async def test_a_customer_calling_load_publish_and_withdraw_changes_nothing(session):
    draft = _draft(session)
    team = draft.author_customer_id
    state, _ = _tab(session, "customer")

    await VersionsState.load.fn(state)
    assert state.allowed is False and state.versions == []
    await VersionsState.publish.fn(
        state,
        {
            "draft_id": str(draft.id),
            "effective_on": "2026-12-08",
            "grandfathering": "keep_until_change",
        },
    )
    await VersionsState.withdraw.fn(state, str(draft.id))

    assert catalog_versions.get_version(team, draft.id).status == "draft"
    assert state.message == ""


@pytest.mark.parametrize("raw", ["", "abc", "1" * 11, "-1"])
async def test_an_id_that_is_not_a_number_is_refused_without_a_database_write(session, raw):
    state, _ = _tab(session, "product_team")
    await VersionsState.load.fn(state)
    await VersionsState.withdraw.fn(state, raw)
    assert state.error == "Versione del catalogo non trovata."

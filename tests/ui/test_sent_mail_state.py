""" "Posta inviata" and the reset pages driven without a browser: every handler checks who calls
it and what it is given."""

from __future__ import annotations

import pytest
import reflex as rx

from tests.fixtures.factories import PASSWORD, make_customer
from ts_store.billing import accounts, notifications, password_reset
from ts_store.domain.notifications import MessageKind
from ts_store.store import outbox
from ts_store.ui.pages.password_reset import ForgotPasswordState, ResetPasswordState
from ts_store.ui.pages.sent_mail import SentMailState
from ts_store.ui.session import SessionState


def _tab(session, role: str | None, state_class):
    root = rx.State(_reflex_internal_init=True)
    if role is not None:
        customer = make_customer(session, role=role)
        token = accounts.login(email=customer.email, password=PASSWORD).token
        session.commit()
        root.get_substate(SessionState.get_full_name().split(".")).session_token = token
    return root.get_substate(state_class.get_full_name().split("."))


@pytest.fixture
def queued(session):
    customer = make_customer(session, email="dest@x.it", company="Dest S.r.l.")
    notifications.notify_account(
        session,
        customer,
        MessageKind.PASSWORD_RESET,
        "password_reset:99",
        {
            "reset_token": "s3cr3t-token",
            "expires_at": "2026-11-28T10:00:00+00:00",
            "valid_minutes": 30,
        },
    )
    session.commit()
    return outbox.find(session, "password_reset:99", "dest@x.it")


async def test_product_team_lists_and_opens_a_message_without_its_secret(session, queued):
    state = _tab(session, "product_team", SentMailState)
    await SentMailState.load.fn(state)
    assert state.allowed and [row.recipient for row in state.rows] == ["dest@x.it"]
    assert state.rows[0].subject == "Scegli una nuova password per TS Store"
    await SentMailState.open_message.fn(state, str(queued.id))
    assert "Gentile Dest S.r.l.," in state.preview_html
    assert "s3cr3t-token" not in state.preview_html + state.preview_text
    assert "(link riservato al destinatario)" in state.preview_text


@pytest.mark.parametrize("role", ["customer", None])
async def test_customers_and_visitors_get_nothing(session, queued, role):
    state = _tab(session, role, SentMailState)
    await SentMailState.load.fn(state)
    assert not state.allowed and state.rows == []
    await SentMailState.open_message.fn(state, str(queued.id))
    assert state.preview_html == "" and state.selected_id == ""


@pytest.mark.parametrize("bad", ["abc", "²", "-1", "0", "1" * 40, None, 10**30, 1.5, True, []])
async def test_bad_message_ids_are_refused_with_a_message(session, queued, bad):
    state = _tab(session, "product_team", SentMailState)
    await SentMailState.open_message.fn(state, bad)
    assert state.error == "Messaggio: scelta non valida." and state.preview_html == ""


async def test_unknown_message_id_is_not_found(session, queued):
    state = _tab(session, "product_team", SentMailState)
    await SentMailState.open_message.fn(state, "424242")
    assert state.error == "Messaggio non trovato."


@pytest.mark.parametrize("form", [{"email": "x" * 300 + "@x.it"}, {"email": ["a@x.it"]}, "text"])
async def test_forged_reset_requests_are_refused_and_send_nothing(session, form):
    state = _tab(session, None, ForgotPasswordState)
    await ForgotPasswordState.submit.fn(state, form)
    assert state.error.startswith("Email:") and not state.sent


async def test_reset_page_refuses_mismatched_confirmation_before_touching_the_link(session):
    make_customer(session, email="m@x.it")
    password_reset.request_reset("m@x.it")
    state = _tab(session, None, ResetPasswordState)
    await ResetPasswordState.submit.fn(
        state, {"password": "NuovaPassword2027", "password_confirm": "Diversa2027xx"}
    )
    assert state.error.startswith("Conferma password:") and not state.done

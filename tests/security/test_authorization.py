"""Authorization by forged events over every handler of every State (the probe family that
held, kept): customer B, or nobody, sends every handler of the app events aimed at customer A's
licence, documents, card, requests and the product team's tools. Each handler answers without a
traceback, and nothing of A's — nor anything global — is stored, changed or charged.

Handlers are enumerated from the app's State classes (tests/security/handlers.py): a new one is
probed without editing this file. Values the guard accepts are the only ones sent (what it
refuses never reaches a handler, tests/security/test_forged_events.py).
"""

from __future__ import annotations

import inspect

import pytest
import reflex as rx
import sqlalchemy as sa
from reflex.istate.data import RouterData
from reflex_base.event.processor.base_state_processor import _prepare_event_payload
from reflex_base.registry import RegistrationContext

from tests.fixtures.factories import (
    PASSWORD,
    give_card,
    make_active_licence,
    make_customer,
    make_trial,
    save_billing_profile,
)
from tests.fixtures.localstripe import payment_intents_of
from tests.security.handlers import OUR_HANDLERS, AppHandler
from ts_store.billing import accounts, support
from ts_store.billing.services import services
from ts_store.store.db import get_engine
from ts_store.ui.event_guard import Refused, _parameters, check_event
from ts_store.ui.session import SessionState

pytestmark = [pytest.mark.usefixtures("app_gateway_env"), pytest.mark.stripe]
FORM = "__reflex_form_data__"
# Tables where nothing of A's (nor any row of no one) may change; audit, sessions, outbox and
# reset links are B's own doing (B's logout, B asking a reset link for any address, by design).
WATCHED = [
    "customer",
    "licence",
    "billing_profile",
    "payment_method",
    "billing_operation",
    "document_counter",
    "billing_document",
    "einvoice_counter",
    "einvoice_file",
    "sdi_notification",
    "support_request",
    "stripe_event",
    "app_setting",
]


def _snapshot(victim_id: int) -> dict[str, list[tuple]]:
    """A's rows (the intruder may change its own), and every row of the tables of no one."""
    engine = get_engine()
    columns = {t: {c["name"] for c in sa.inspect(engine).get_columns(t)} for t in WATCHED}
    with engine.connect() as connection:
        snapshot = {}
        for table in WATCHED:
            where = ""
            if table == "customer":
                where = f" WHERE id = {victim_id}"
            elif "customer_id" in columns[table]:
                where = f" WHERE customer_id = {victim_id}"
            rows = connection.execute(sa.text(f"SELECT * FROM {table}{where} ORDER BY 1"))
            snapshot[table] = [tuple(row) for row in rows]
        return snapshot


def _form(victim) -> dict:
    fields = {
        "licence_id": str(victim["licence_id"]),
        "email": victim["email"],
        "password": "Tramonto sul lago 2026",
        "company_name": "Intrusa S.r.l.",
        "subject": "Altro",
        "message": "<script>alert(1)</script> ' OR 1=1 -- {{7*7}}",
        "plan": "business",
        "cycle": "annual",
        "seats": "9",
        "date": "2027-06-01",
        "catalog": NESTED_TOML,
        "toml": NESTED_TOML,
        "monthly": HUGE_PRICE,
        "annual": HUGE_PRICE,
        "monthly_cents": HUGE_PRICE,
        "note": "disdetta",
        "confirm": "on",
        "situation": "active",
        "vat_number": "12345670157",
    }
    return {FORM: [[name, value] for name, value in fields.items()]}


NESTED_TOML = "x = " + "[" * 3000 + "]" * 3000  # finding 8: a lab TOML nested 3,000 levels
HUGE_PRICE = "1" + "0" * 300  # finding 8: a 10^300-cent price in the lab


def _values(hint: str, victim) -> list:
    if "bool" in hint:
        return [True, False]
    if "int" in hint:
        return [victim["licence_id"], victim["support_id"], 1, 2, 2**31 - 1]
    if "dict" in hint:
        return [_form(victim), {"ok": True, "payment_intent_id": "pi_x", "status": "succeeded"}]
    return [
        str(victim["licence_id"]),
        victim["email"],
        "²",
        "<img src=x onerror=alert(1)>",
        NESTED_TOML,
        HUGE_PRICE,
        "10" + "0" * 22,
    ]


def _payloads(handler: AppHandler, victim) -> list[dict]:
    params, hints = _parameters(handler.handler.fn)
    if not params:
        return [{}]
    payloads = []
    for round_ in range(7):
        payload = {}
        for name in params:
            values = _values(str(hints.get(name, "")), victim)
            payload[name] = values[round_ % len(values)]
        payloads.append(payload)
    return payloads


async def _send(root: rx.State, handler: AppHandler, payload: dict) -> None:
    check_event(
        {"name": handler.name, "payload": payload}, RegistrationContext.get().event_handlers
    )
    state = root.get_substate(handler.state.get_full_name().split("."))
    arguments = _prepare_event_payload(handler.handler, payload)
    result = handler.handler.fn(state, **arguments)
    if inspect.isasyncgen(result):
        async for _ in result:
            pass
    elif inspect.iscoroutine(result):
        await result
    elif inspect.isgenerator(result):
        for _ in result:
            pass


def _root(token: str, victim) -> rx.State:
    root = rx.State(_reflex_internal_init=True)
    root.get_substate(SessionState.get_full_name().split(".")).session_token = token
    licence_id = str(victim["licence_id"])
    root.router = RouterData.from_router_data(
        {
            "pathname": "/myarea/licenza/[licence_id]",
            "asPath": f"/myarea/licenza/{licence_id}?token=forged",
            "query": {"licence_id": licence_id, "sezione": "piano", "token": "forged"},
        }
    )
    return root


@pytest.fixture
async def victim(session):
    customer = make_customer(session, company="Vittima S.r.l.")
    licence = make_active_licence(session, customer.id)
    save_billing_profile(session, customer.id)
    await give_card(session, services().gateway, customer)
    request = support.send_request(
        customer_id=customer.id,
        subject="Altro",
        message="Richiesta riservata di A",
        licence_id=None,
    )
    token = accounts.login(email=customer.email, password=PASSWORD).token
    return {
        "customer_id": customer.id,
        "email": customer.email,
        "stripe_id": customer.stripe_customer_id,
        "licence_id": licence.id,
        "support_id": request.id,
        "token": token,
    }


@pytest.fixture
def product_team(session) -> str:
    member = make_customer(session, company="Team prodotto", role="product_team")
    return accounts.login(email=member.email, password=PASSWORD).token


@pytest.fixture
def intruder(session) -> str:
    customer = make_customer(session, company="Intrusa S.r.l.")
    make_trial(session, customer.id, trial_ends_on=__import__("datetime").date(2026, 12, 5))
    return accounts.login(email=customer.email, password=PASSWORD).token


@pytest.mark.parametrize("who", ["anonymous", "another_customer"])
async def test_every_handler_refuses_what_is_not_yours(
    session, victim, intruder, stripe_settings, who
):
    token = intruder if who == "another_customer" else ""
    before = _snapshot(victim["customer_id"])
    intents_before = payment_intents_of(stripe_settings, victim["stripe_id"])
    probes = failures = guarded = 0
    for handler in OUR_HANDLERS:
        for payload in _payloads(handler, victim):
            root = _root(token, victim)
            try:
                await _send(root, handler, payload)
            except Refused:
                guarded += 1  # the guard's refusal: never reaches the handler
            except Exception as error:  # a traceback the browser caused
                failures += 1
                print(f"{handler.state.__name__}.{handler.short_name}{payload}: {error!r}")
            probes += 1
    print(
        f"{who}: {probes} forged events over {len(OUR_HANDLERS)} handlers, {guarded} by the guard"
    )
    assert failures == 0
    assert _snapshot(victim["customer_id"]) == before
    assert payment_intents_of(stripe_settings, victim["stripe_id"]) == intents_before
    assert accounts.signed_in(victim["token"]) is not None  # A is still logged in


@pytest.mark.parametrize("who", ["owner", "product_team"])
async def test_hostile_values_raise_no_traceback_for_the_owner_or_the_team(
    session, victim, product_team, who
):
    """Findings 8: "²" as seats or ids, 10²³ as a licence id, a TOML nested 3,000 levels, a
    10³⁰⁰-cent price — sent by the one allowed to act, so the handlers run all the way."""
    token = victim["token"] if who == "owner" else product_team
    failures = []
    for handler in OUR_HANDLERS:
        if handler.short_name in ("logout", "logout_everywhere"):
            continue  # they would end the session the next probes use
        for payload in _payloads(handler, victim):
            try:
                await _send(_root(token, victim), handler, payload)
            except Refused:
                pass
            except Exception as error:
                failures.append(f"{handler.state.__name__}.{handler.short_name}: {error!r}")
    assert failures == []

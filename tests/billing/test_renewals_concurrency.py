"""Two renewal runs at once charge each licence once (localstripe + one real SQLite file).

How this is proved:

1. Interleaved on purpose: the first run is held inside its Stripe calls (its operation rows are
   already claimed, status "charging") while a second run goes through the same licences; the
   second run must charge nothing, then the first one finishes.
2. Two real processes (multiprocessing "spawn", each with its own interpreter, event loop,
   engine and Stripe client) released together by a barrier on the same database file, over
   licences whose cards succeed and licences whose cards fail: on the renewal day, then again
   on the first retry day of the failed ones.

Each time the PaymentIntents are listed from localstripe's API (localstripe ignores idempotency
keys, so any double charge would show up there), together with our operations and documents.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
from dataclasses import asdict
from datetime import date, timedelta

import pytest
from sqlmodel import select

from tests.billing.test_renewals import (
    FAILING_CARD,
    OK_CARD,
    PRO_2_MONTHLY_GROSS,
)
from tests.fixtures.factories import give_card, make_active_licence, make_customer
from tests.fixtures.localstripe import payment_intents_of
from ts_store.billing import renewals
from ts_store.billing.bootstrap import bootstrap
from ts_store.payments.config import StripeSettings
from ts_store.payments.gateway import StripeGateway
from ts_store.store import documents, licences
from ts_store.store.models import AuditEntry, BillingOperation

pytestmark = pytest.mark.stripe

RENEWAL_DAY = date(2026, 12, 10)


class HeldGateway:
    """The real gateway, with every charge held until the test releases it."""

    def __init__(self, inner: StripeGateway) -> None:
        self._inner = inner
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def charge_off_session(self, **kwargs):
        self.entered.set()
        await self.release.wait()
        return await self._inner.charge_off_session(**kwargs)

    def __getattr__(self, name):
        return getattr(self._inner, name)


async def _licences_with_cards(session, gateway, cards: list[str]):
    made = []
    for card in cards:
        customer = make_customer(session)
        await give_card(session, gateway, customer, card)
        made.append((customer, make_active_licence(session, customer.id)))
    return made


def _renewal_operations(session, licence_id: int) -> list[BillingOperation]:
    return list(
        session.exec(
            select(BillingOperation).where(
                BillingOperation.licence_id == licence_id, BillingOperation.kind == "renewal"
            )
        )
    )


@pytest.mark.parametrize(
    ("lease", "second_sees"),
    [
        pytest.param(renewals.CLAIM_LEASE, [], id="licence_claimed_by_the_first_run"),
        # The first run's claim has expired (as if its process had died): the second claims the
        # licence, and the operation row still stops it from charging.
        pytest.param(timedelta(0), ["in_progress"], id="claim_expired_operation_in_progress"),
    ],
)
async def test_second_run_while_the_first_is_charging_charges_nothing(
    session, gateway, stripe_settings, monkeypatch, lease, second_sees
):
    made = await _licences_with_cards(session, gateway, [OK_CARD])
    [(customer, licence)] = made
    held = HeldGateway(gateway)
    monkeypatch.setattr(renewals, "CLAIM_LEASE", lease)

    first = asyncio.create_task(renewals.renew_due(RENEWAL_DAY, held))
    await held.entered.wait()  # the first run's operation is claimed and its charge started
    second = await renewals.renew_due(RENEWAL_DAY, gateway)

    assert [e.action for e in second.events] == second_sees
    assert payment_intents_of(stripe_settings, customer.stripe_customer_id) == []
    held.release.set()
    first_report = await first

    assert [e.action for e in first_report.events] == ["renewed"]
    [intent] = payment_intents_of(stripe_settings, customer.stripe_customer_id)
    assert intent["status"] == "succeeded" and intent["amount"] == PRO_2_MONTHLY_GROSS
    session.expire_all()
    assert licences.get_licence(session, licence.id).period_end == date(2027, 1, 10)
    assert len(_renewal_operations(session, licence.id)) == 1
    third = await renewals.renew_due(RENEWAL_DAY, gateway)
    assert third.events == []


def _run_in_process(db_url: str, settings: dict, today: str, barrier, results) -> None:
    """A separate interpreter: its own engine, event loop and Stripe client."""
    os.environ["TS_STORE_DB_URL"] = db_url

    async def run():
        gateway = StripeGateway(StripeSettings(**settings))
        bootstrap(gateway=gateway)  # what the command does in its own process
        try:
            return await renewals.renew_due(date.fromisoformat(today), gateway)
        finally:
            await gateway.aclose()

    barrier.wait(timeout=60)
    report = asyncio.run(run())
    results.put([asdict(event) | {"on": str(event.on)} for event in report.events])


async def _race(db_url: str, stripe_settings, day: date) -> list[list[dict]]:
    """Run renew_due(day) in two fresh processes released together; their events."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    settings = asdict(stripe_settings)
    processes = [
        context.Process(
            target=_run_in_process, args=(db_url, settings, day.isoformat(), barrier, results)
        )
        for _ in range(2)
    ]
    for process in processes:
        process.start()
    reports = await asyncio.to_thread(lambda: [results.get(timeout=180) for _ in processes])
    for process in processes:
        await asyncio.to_thread(process.join, 60)
        assert process.exitcode == 0
    for number, report in enumerate(reports, 1):  # shown with -s: who did what
        print(
            f"{day} process {number}:", json.dumps([(e["licence_id"], e["action"]) for e in report])
        )
    return reports


async def test_two_processes_at_once_make_one_charge_per_licence_and_one_per_retry(
    session, gateway, stripe_settings, db_url
):
    cards = [OK_CARD] * 4 + [FAILING_CARD] * 4
    made = await _licences_with_cards(session, gateway, cards)

    reports = await _race(db_url, stripe_settings, RENEWAL_DAY)

    session.expire_all()
    for (customer, licence), card in zip(made, cards, strict=True):
        intents = payment_intents_of(stripe_settings, customer.stripe_customer_id)
        assert len(intents) == 1, (licence.id, intents)
        [operation] = _renewal_operations(session, licence.id)
        state = licences.get_licence(session, licence.id)
        if card == OK_CARD:
            assert intents[0]["status"] == "succeeded"
            assert operation.status == "succeeded"
            assert state.status == "active" and state.period_end == date(2027, 1, 10)
        else:
            assert operation.status == "failed"
            assert (state.status, state.next_retry_on) == ("past_due", date(2026, 12, 11))
            past_due_entries = session.exec(
                select(AuditEntry).where(
                    AuditEntry.licence_id == licence.id, AuditEntry.action == "licence_past_due"
                )
            ).all()
            assert len(past_due_entries) == 1
    issued = [d for d in documents.all_documents(session) if d.issued_on == RENEWAL_DAY]
    assert sorted(d.sequence for d in issued) == list(range(1, 5))  # no gaps, no duplicates
    # Both processes really went through the licences: between them every licence was seen.
    seen = {event["licence_id"] for report in reports for event in report}
    assert seen == {licence.id for _, licence in made}

    await _race(db_url, stripe_settings, date(2026, 12, 11))  # the first rung of the ladder

    session.expire_all()
    for (customer, licence), card in zip(made, cards, strict=True):
        intents = payment_intents_of(stripe_settings, customer.stripe_customer_id)
        state = licences.get_licence(session, licence.id)
        if card == OK_CARD:
            assert len(intents) == 1
        else:
            assert len(intents) == 2, (licence.id, intents)
            assert (state.status, state.next_retry_on) == ("past_due", date(2026, 12, 13))


async def test_double_retry_after_card_replacement_while_the_first_is_charging_charges_once(
    session, gateway, stripe_settings
):
    [(customer, licence)] = await _licences_with_cards(session, gateway, [FAILING_CARD])
    await renewals.renew_due(RENEWAL_DAY, gateway)
    await give_card(session, gateway, customer, OK_CARD)
    held = HeldGateway(gateway)

    first = asyncio.create_task(renewals.retry_past_due(customer.id, RENEWAL_DAY, held))
    await held.entered.wait()
    second = await renewals.retry_past_due(customer.id, RENEWAL_DAY, gateway)  # double click
    held.release.set()
    [first_result] = await first

    assert [r.status for r in second] == ["charging"]
    assert first_result.status == "succeeded"
    intents = payment_intents_of(stripe_settings, customer.stripe_customer_id)
    assert sorted(pi["status"] for pi in intents).count("succeeded") == 1
    assert len(intents) == 2  # the failed renewal on the old card, one recovery
    session.expire_all()
    assert licences.get_licence(session, licence.id).status == "active"

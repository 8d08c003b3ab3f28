"""One bootstrap wires the use cases; nothing registers itself on import (issue #13)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta

import pytest
from sqlmodel import select

from tests.billing.test_reconciliation import LostAnswer
from tests.billing.test_renewals import ROOT, _command_env
from tests.fixtures.factories import give_card, make_active_licence, make_customer
from tests.fixtures.localstripe import payment_intents_of
from ts_store.billing import changes, clock, purchase, renewals
from ts_store.billing.bootstrap import APPLIERS, bootstrap
from ts_store.billing.catalog import catalog_from_file, current_catalog
from ts_store.billing.errors import NotBootstrapped
from ts_store.billing.services import services, uninstall
from ts_store.domain.operations import OperationKind
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration
from ts_store.store import documents, licences
from ts_store.store.models import BillingOperation, Customer, utcnow


def test_every_operation_kind_has_its_applier():
    assert set(APPLIERS) == set(OperationKind)
    assert services().applier(OperationKind.CHANGE) is changes.apply_change_request
    assert services().applier("purchase") is purchase.apply_purchase
    assert services().applier(OperationKind.RENEWAL) is renewals.apply_renewal


IMPORT_ONLY = """
import ts_store.billing.charging, ts_store.billing.purchase, ts_store.billing.changes
import ts_store.billing.renewals, ts_store.billing.reconciliation, ts_store.billing.webhooks
from ts_store.billing.errors import NotBootstrapped
from ts_store.billing.services import services
try:
    services()
except NotBootstrapped as error:
    print("not bootstrapped:", error)
"""


def test_importing_the_use_cases_installs_nothing():
    """In a fresh interpreter (reloading modules here would leave stale classes behind)."""
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_ONLY], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "not bootstrapped: TS Store billing is not bootstrapped: call" in result.stdout


def test_a_use_case_before_the_bootstrap_fails_loudly_not_with_a_key_error():
    uninstall()
    with pytest.raises(NotBootstrapped, match="not bootstrapped"):
        current_catalog()
    with pytest.raises(NotBootstrapped, match="not bootstrapped"):
        clock.today()


def test_a_test_can_wire_its_own_clock_and_catalogue():
    class Fixed:
        def today(self) -> date:
            return date(2030, 1, 2)

    catalog = catalog_from_file()
    bootstrap(clock=Fixed(), catalog=lambda: catalog)
    assert clock.today() == date(2030, 1, 2)
    assert current_catalog() is catalog


@pytest.mark.stripe
async def test_reconcile_command_applies_a_stale_paid_change_in_its_own_process(
    session, gateway, db_url, stripe_settings
):
    """The crash of issue #13: Stripe charged, the app died before recording it. The command,
    a fresh process that imports only what it needs, applies the change with its document."""
    customer = make_customer(session)
    await give_card(session, gateway, customer)
    licence = make_active_licence(session, customer.id, seats=2)
    lost = LostAnswer(gateway, reaches_stripe=True)
    result = await changes.apply_change(
        customer_id=customer.id,
        licence_id=licence.id,
        expected_version=licence.version,
        target=Configuration("pro", Cycle.MONTHLY, 3),
        idempotency_key="cli-paid-change",
        gateway=lost,
    )
    assert result.status == "unknown"
    with session.begin():  # as if it had been left alone for 20 minutes
        operation = session.exec(select(BillingOperation)).one()
        operation.updated_at = utcnow() - timedelta(minutes=20)
        session.add(operation)

    command = subprocess.run(
        [sys.executable, "-m", "ts_store.billing", "reconcile"],
        env=_command_env(db_url, stripe_settings),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert command.returncode == 0, command.stderr
    assert "operazioni in sospeso: 1 chiuse" in command.stdout
    session.expire_all()
    assert session.get(BillingOperation, operation.id).status == "succeeded"
    assert licences.get_licence(session, licence.id).seats == 3
    assert len(documents.documents_of(session, customer.id)) == 1
    stripe_id = session.get(Customer, customer.id).stripe_customer_id
    assert len(payment_intents_of(stripe_settings, stripe_id, operation.id)) == 1

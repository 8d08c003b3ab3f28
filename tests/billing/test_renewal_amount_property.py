"""Issue #13: over random catalogues and licences, MyArea's "Prossimo rinnovo" is what `renew`
then charges, to the cent — both come from `overview.renewal_charge`, on the catalogue version
`overview.renewal_pricing` picks — and the renewal's document carries one line typed `renewal`.

Real parts: each random catalogue is a published catalogue version in the database (the
licence priced by it, a scheduled new plan or cycle priced by the version in force), MyArea's
use case reads the licence, the renewal job charges localstripe and issues the document.
Examples share one database and Stripe customer; each example's licence is moved out of the
job's way once checked, so the next example's run renews only its own.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from tests.fixtures.factories import (
    add_published_version,
    give_card,
    make_active_licence,
    make_customer,
)
from ts_store.billing import renewals
from ts_store.billing.bootstrap import bootstrap
from ts_store.billing.overview import licences_overview
from ts_store.domain.catalog import Catalog, parse_catalog
from ts_store.domain.catalog_draft import catalog_to_toml
from ts_store.domain.periods import Cycle, add_cycle
from ts_store.domain.quote import LineKind
from ts_store.payments.gateway import StripeGateway
from ts_store.store import documents
from ts_store.store.models import BillingOperation, Customer, Licence

pytestmark = pytest.mark.stripe

FAR_AWAY = date(2200, 1, 1)
EPOCH = date(2000, 1, 1)  # effective dates of the examples' versions, one day apart
_examples = itertools.count(1)


@st.composite
def catalogs(draw) -> Catalog:
    """Catalogues whose whole-period charges fit Stripe's largest amount (999.999,99 €)."""
    plans = []
    for code in draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, unique=True)):
        min_seats = draw(st.integers(1, 5))
        plans.append(
            {
                "code": code,
                "name": code.title(),
                "monthly_cents": draw(st.integers(0, 50_000)),
                "annual_cents": draw(st.integers(0, 500_000)),
                "min_seats": min_seats,
                "max_seats": draw(st.integers(min_seats, 60)),
                "features": ["Contatti e aziende"],
            }
        )
    tenths = draw(st.integers(0, 300))
    vat = f"{tenths // 10}.{tenths % 10}" if tenths % 10 else str(tenths // 10)
    document = {
        "currency": "EUR",
        "vat_percent": vat,
        "trial_days": 15,
        "retention_days": 60,
        "plans": plans,
    }
    return parse_catalog(document, "<hypothesis>")


@st.composite
def licences_of(draw, catalog: Catalog) -> dict:
    """An active licence: its current configuration, a renewal configuration (the same, or a
    scheduled change of plan, cycle or users) and a period on any anchor day."""

    def configuration():
        plan = draw(st.sampled_from(catalog.plans))
        return plan.code, draw(st.sampled_from(list(Cycle))), plan.min_seats, plan.max_seats

    plan, cycle, low, high = configuration()
    seats = draw(st.integers(low, high))
    if draw(st.booleans()):
        renewal_plan, renewal_cycle, low, high = configuration()
        renewal_seats = draw(st.integers(low, high))
    else:
        renewal_plan, renewal_cycle, renewal_seats = plan, cycle, seats
    start = draw(st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)))
    return {
        "plan": plan,
        "cycle": cycle,
        "seats": seats,
        "renewal_plan": renewal_plan,
        "renewal_cycle": renewal_cycle,
        "renewal_seats": renewal_seats,
        "period_start": start,
        "period_end": add_cycle(start, cycle, start.day),
        "anchor_day": start.day,
    }


@st.composite
def cases(draw) -> tuple[Catalog, dict]:
    catalog = draw(catalogs())
    return catalog, draw(licences_of(catalog))


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cases())
def test_myarea_next_renewal_is_what_renew_charges_to_the_cent(session, stripe_settings, case):
    catalog, fields = case
    gateway = StripeGateway(stripe_settings)
    bootstrap(gateway=gateway)
    customer = _the_customer(session, gateway)
    # Each example's version is the newest in force, so it also prices a new plan or cycle.
    version = add_published_version(
        session, catalog_to_toml(catalog), EPOCH + timedelta(days=next(_examples))
    )
    current = {k: v for k, v in fields.items() if not k.startswith("renewal_")}
    licence = make_active_licence(session, customer.id, catalog_version_id=version.id, **current)
    licence.renewal_plan = fields["renewal_plan"]
    licence.renewal_cycle = fields["renewal_cycle"]
    licence.renewal_seats = fields["renewal_seats"]
    session.add(licence)
    session.commit()

    [shown] = [
        view
        for view in licences_overview(customer.id, fields["period_start"])
        if view.id == licence.id
    ]
    asyncio.run(renewals.renew_due(fields["period_end"], gateway))

    session.expire_all()
    [operation] = session.exec(
        select(BillingOperation).where(BillingOperation.licence_id == licence.id)
    ).all()
    charged = [
        d for d in documents.documents_of(session, customer.id) if d.licence_id == licence.id
    ]
    assert shown.renewal is not None and shown.renewal.on == fields["period_end"]
    assert operation.amount_cents == shown.renewal.gross_cents
    if shown.renewal.gross_cents == 0:  # a free plan renews with no charge and no document
        assert (operation.status, charged) == ("applied", [])
    else:
        [document] = charged
        assert operation.status == "succeeded"
        assert (document.net_cents, document.vat_cents, document.gross_cents) == (
            shown.renewal.net_cents,
            shown.renewal.vat_cents,
            shown.renewal.gross_cents,
        )
        assert [line["kind"] for line in json.loads(document.lines_json)] == [LineKind.RENEWAL]
    _out_of_the_way(session, licence.id)
    asyncio.run(gateway.aclose())


def _the_customer(session, gateway):
    """One customer with a card for every example (a Stripe customer each would be slower)."""
    customer = session.exec(select(Customer)).first()
    if customer is not None:
        return customer
    customer = make_customer(session)
    asyncio.run(give_card(session, gateway, customer))
    return customer


def _out_of_the_way(session, licence_id: int) -> None:
    licence = session.get(Licence, licence_id)
    licence.period_end = FAR_AWAY
    session.add(licence)
    session.commit()

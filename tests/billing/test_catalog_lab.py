"""The catalogue lab's use cases on a real database: the impact's figures are computed again
here, independently, from the licences read back with plain SQL; nothing is written."""

from __future__ import annotations

import dataclasses
from datetime import date
from fractions import Fraction

import sqlalchemy as sa

from tests.fixtures.factories import make_active_licence, make_customer, make_trial
from ts_store.billing import catalog_lab
from ts_store.domain.catalog import load_catalog
from ts_store.domain.periods import Cycle
from ts_store.domain.price_impact import Policy

TODAY = date(2026, 11, 28)
# The draft of the issue: Pro at 27 €/user/month keeping the annual discount (270 €/year).
PRO_27 = dataclasses.replace(
    load_catalog(),
    plans=tuple(
        dataclasses.replace(p, monthly_cents=2700, annual_cents=27000) if p.code == "pro" else p
        for p in load_catalog().plans
    ),
)
DRAFT_UNITS = {
    ("smart", "monthly"): 1500,
    ("smart", "annual"): 15000,
    ("pro", "monthly"): 2700,
    ("pro", "annual"): 27000,
    ("business", "monthly"): 4000,
    ("business", "annual"): 40000,
}
LIVE_UNITS = {**DRAFT_UNITS, ("pro", "monthly"): 2500, ("pro", "annual"): 25000}


def _store(session):
    customer = make_customer(session, company="Rossi S.p.A.")
    make_active_licence(session, customer.id, plan="pro", seats=2)
    make_active_licence(
        session, customer.id, plan="pro", cycle=Cycle.ANNUAL, seats=7, period_start=date(2026, 3, 1)
    )
    make_active_licence(session, customer.id, plan="business", seats=4)
    make_active_licence(
        session,
        customer.id,
        plan="smart",
        seats=3,
        status="past_due",
        period_start=date(2026, 10, 20),
    )
    cancelling = make_active_licence(session, customer.id, plan="pro", seats=9)
    cancelling.cancel_at_period_end = True
    scheduled = make_active_licence(session, customer.id, plan="smart", seats=2)
    scheduled.renewal_plan, scheduled.renewal_seats = "pro", 4  # Smart -> Pro at renewal
    session.add_all([cancelling, scheduled])
    session.commit()
    make_trial(session, customer.id, date(2026, 12, 5))  # not live: never priced
    return customer


def _rows(session):
    return session.execute(
        sa.text(
            "SELECT id, status, cancel_at_period_end, renewal_plan, renewal_cycle, renewal_seats, "
            "period_end FROM licence WHERE status IN ('active', 'past_due') ORDER BY id"
        )
    ).all()


def _checksum(session):
    return session.execute(
        sa.text("SELECT count(*), sum(seats), max(updated_at) FROM licence")
    ).one(), session.execute(sa.text("SELECT count(*) FROM audit_entry")).one()


async def test_impact_of_pro_at_27_under_policy_b_matches_the_rows(session):
    _store(session)
    before = _checksum(session)
    seen = []

    async def progress(done, total):
        seen.append((done, total))

    report = await catalog_lab.impact(PRO_27, Policy.AT_RENEWAL, TODAY, TODAY, progress)

    rows = _rows(session)
    live = [r for r in rows if not r.cancel_at_period_end]
    expected_mrr_before = sum(
        Fraction(
            r.renewal_seats * LIVE_UNITS[r.renewal_plan, r.renewal_cycle],
            12 if r.renewal_cycle == "annual" else 1,
        )
        for r in live
    )
    expected_mrr_after = sum(
        Fraction(
            r.renewal_seats * DRAFT_UNITS[r.renewal_plan, r.renewal_cycle],
            12 if r.renewal_cycle == "annual" else 1,
        )
        for r in live
    )
    expected_more = sum(1 for r in live if r.renewal_plan == "pro")
    assert report.considered == len(live) == 5
    assert report.cancelling == 1
    assert (report.more, report.less, report.same, report.unpriced) == (expected_more, 0, 2, 0)
    assert (report.mrr_before, report.mrr_after) == (expected_mrr_before, expected_mrr_after)
    assert report.top[0].licence.customer == "Rossi S.p.A."
    assert seen == [(0, 6), (6, 6)]
    assert _checksum(session) == before  # nothing written


async def test_impact_under_policy_a_moves_only_the_change_of_plan(session):
    _store(session)
    report = await catalog_lab.impact(PRO_27, Policy.KEEP, TODAY, TODAY)
    (moved,) = [i for i in report.impacts if i.change]
    assert (moved.licence.plan, moved.licence.renewal_plan) == ("smart", "pro")
    assert (moved.before_net, moved.after_net) == (4 * 2500, 4 * 2700)


async def test_impact_without_live_licences_is_empty(session):
    make_trial(session, make_customer(session).id, date(2026, 12, 5))
    report = await catalog_lab.impact(PRO_27, Policy.AT_RENEWAL, TODAY, TODAY)
    assert (report.considered, report.mrr_before, report.buckets) == (0, 0, [])


def test_comparison_uses_the_published_catalogue(session):  # the version in force is stored
    rows = catalog_lab.comparison(PRO_27, TODAY)
    (row,) = [r for r in rows if r.situation.label == "Pro, mensile, 1 utente"]
    assert (row.published.now_net, row.draft.now_net) == (2500, 2700)


def test_the_toml_export_and_import_round_trip():
    form = catalog_lab.form_from_toml(catalog_lab.toml_of(PRO_27))
    assert form.plans[1].monthly == "27,00" and form.plans[1].annual == "270,00"

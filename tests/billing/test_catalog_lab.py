"""The catalogue lab's use cases on a real database: the impact's figures are computed again
here, independently, from the licences read back with plain SQL; nothing is written."""

from __future__ import annotations

import dataclasses
from datetime import date
from fractions import Fraction

import sqlalchemy as sa

from tests.fixtures.factories import make_active_licence, make_customer, make_trial
from ts_store.billing import catalog_lab, catalog_versions
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


def _pro_at(monthly: int):
    catalog = load_catalog()
    return dataclasses.replace(
        catalog,
        plans=tuple(
            dataclasses.replace(p, monthly_cents=monthly, annual_cents=10 * monthly)
            if p.code == "pro"
            else p
            for p in catalog.plans
        ),
    )


def _publish(team_id: int, catalog, effective_on: date, policy: str) -> int:
    draft = catalog_versions.create_draft(team_id, "Nuovi prezzi", "", catalog_lab.toml_of(catalog))
    catalog_versions.publish(team_id, draft.id, draft.revision, effective_on, policy)
    return draft.id


async def test_grandfathered_licences_are_priced_before_with_their_own_version(session):
    """After Pro went to 30 € under policy (a), a licence priced by version 1 still renews at
    25 €: that, not 30 €, is its 'before'; one moving to Pro pays the version in force."""
    customer = make_customer(session)
    team = make_customer(session, role="product_team")
    kept = make_active_licence(session, customer.id, plan="pro", seats=2)
    moving = make_active_licence(session, customer.id, plan="smart", seats=2)
    moving.renewal_plan, moving.renewal_seats = "pro", 4
    session.add(moving)
    session.commit()
    _publish(team.id, _pro_at(3000), TODAY, "keep_until_change")

    report = await catalog_lab.impact(PRO_27, Policy.AT_RENEWAL, TODAY, TODAY)

    by_id = {i.licence.licence_id: i for i in report.impacts}
    assert (by_id[kept.id].before_net, by_id[kept.id].after_net) == (2 * 2500, 2 * 2700)
    assert (by_id[moving.id].before_net, by_id[moving.id].after_net) == (4 * 3000, 4 * 2700)
    assert catalog_lab.published_catalog().plan("pro").monthly_cents == 3000


async def test_a_licence_noticed_of_a_move_is_priced_before_by_the_version_it_moves_to(session):
    """Policy (b) published for 01/12/2026: the renewal of 10/12/2026 is within 30 days of the
    notice, so it stays at 25 €; an annual licence renewing on 20/01/2027 moves to 300 €."""
    customer = make_customer(session)
    team = make_customer(session, role="product_team")
    soon = make_active_licence(session, customer.id, plan="pro", seats=1)
    later = make_active_licence(
        session,
        customer.id,
        plan="pro",
        cycle=Cycle.ANNUAL,
        seats=1,
        period_start=date(2026, 1, 20),
    )
    _publish(team.id, _pro_at(3000), date(2026, 12, 1), "move_at_renewal")

    report = await catalog_lab.impact(PRO_27, Policy.KEEP, TODAY, TODAY)

    by_id = {i.licence.licence_id: i for i in report.impacts}
    assert by_id[soon.id].before_net == 2500
    assert by_id[later.id].before_net == 30000

"""'Confronto': the typical situations under the published catalogue and the draft."""

from __future__ import annotations

import dataclasses
from datetime import date

from ts_store.domain.catalog import load_catalog
from ts_store.domain.periods import Cycle
from ts_store.domain.price_comparison import compare, mid_period, typical_situations

TODAY = date(2026, 11, 28)


def _draft_pro_at(monthly: int, annual: int):
    catalog = load_catalog()
    plans = tuple(
        dataclasses.replace(p, monthly_cents=monthly, annual_cents=annual) if p.code == "pro" else p
        for p in catalog.plans
    )
    return dataclasses.replace(catalog, plans=plans)


def _row(rows, label):
    (row,) = [row for row in rows if row.situation.label == label]
    return row


def test_mid_period_contains_today_half_way():
    for cycle in Cycle:
        start, end = mid_period(TODAY, cycle)
        assert start < TODAY < end
        assert abs((TODAY - start).days - (end - TODAY).days) <= 2


def test_the_grid_has_every_typical_situation_of_the_brief():
    catalog = load_catalog()
    labels = [s.label for s in typical_situations(catalog, catalog, TODAY)]
    assert len(labels) == 3 * 2 * 3 + 3 * 2 + 2 * 2 + 3
    assert "Pro, mensile, 5 utenti" in labels
    assert "Pro, annuale: da 2 a 5 utenti" in labels
    assert "Pro → Business, mensile, 5 utenti" in labels
    assert "Business, mensile: da 3 a 6 utenti" in labels  # Business starts at 3 users
    assert "Smart, da mensile ad annuale, 5 utenti" in labels


def test_pro_at_27_euros_purchase_of_5_users_differs_by_10_euros_net():
    rows = compare(load_catalog(), _draft_pro_at(2700, 27000), TODAY)
    row = _row(rows, "Pro, mensile, 5 utenti")
    assert (row.published.now_net, row.draft.now_net) == (12500, 13500)
    assert row.difference("now_net") == 1000
    assert row.difference("now_gross") == 1220  # IVA 22 % on the difference
    assert row.difference("renewal_net") == 1000
    assert row.published.renewal_on == date(2026, 12, 28)


def test_added_seats_at_mid_period_are_the_rateo_of_the_domain_quote():
    rows = compare(load_catalog(), _draft_pro_at(2700, 27000), TODAY)
    row = _row(rows, "Pro, mensile: da 2 a 5 utenti")
    # period 13/11/2026 – 13/12/2026: 15 days left of 30; 3 × 2500 × 15/30 = 3750
    assert row.situation.current.period_start == date(2026, 11, 13)
    assert (row.published.now_net, row.draft.now_net) == (3750, 4050)
    assert (row.published.renewal_net, row.draft.renewal_net) == (12500, 13500)


def test_an_upgrade_to_business_costs_less_now_when_pro_goes_up():
    rows = compare(load_catalog(), _draft_pro_at(2700, 27000), TODAY)
    row = _row(rows, "Pro → Business, mensile, 5 utenti")
    # 5 × (4000 - 2500) × 15/30 = 3750 published; 5 × (4000 - 2700) × 15/30 = 3250 draft
    assert (row.published.now_net, row.draft.now_net) == (3750, 3250)
    assert row.difference("renewal_net") == 0


def test_monthly_to_annual_charges_nothing_now_and_the_annual_price_at_renewal():
    rows = compare(load_catalog(), _draft_pro_at(2700, 27000), TODAY)
    row = _row(rows, "Pro, da mensile ad annuale, 5 utenti")
    assert (row.published.now_net, row.draft.now_net) == (0, 0)
    assert (row.published.renewal_net, row.draft.renewal_net) == (125000, 135000)


def test_users_outside_a_plans_limits_show_why_instead_of_an_amount():
    rows = compare(load_catalog(), load_catalog(), TODAY)
    row = _row(rows, "Smart, mensile, 20 utenti")
    assert not row.published.quoted and "al massimo 5 utenti" in row.published.problem
    assert row.difference("now_net") is None


def test_a_plan_only_in_the_draft_is_quoted_on_the_draft_side_only():
    catalog = load_catalog()
    extra = dataclasses.replace(catalog.plan("business"), code="enterprise", name="Enterprise")
    draft = dataclasses.replace(catalog, plans=(*catalog.plans, extra))
    row = _row(compare(catalog, draft, TODAY), "Enterprise, annuale, 5 utenti")
    assert row.published.problem == "piano assente in questo catalogo"
    assert row.draft.now_net == 5 * 40000


def test_a_plan_removed_by_the_draft_is_not_quoted_on_the_draft_side():
    catalog = load_catalog()
    draft = dataclasses.replace(catalog, plans=catalog.plans[1:])
    row = _row(compare(catalog, draft, TODAY), "Smart → Pro, mensile, 5 utenti")
    assert row.published.quoted and not row.draft.quoted

"""'Impatto sui clienti': renewals of live licences under the published catalogue and the draft."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date
from fractions import Fraction

from ts_store.domain.catalog import load_catalog
from ts_store.domain.price_impact import (
    LiveLicence,
    Policy,
    compute_impact,
    first_renewal_on_or_after,
    impact_csv,
)

TODAY = date(2026, 11, 28)
PUBLISHED = load_catalog()


def _draft(**prices):
    plans = tuple(
        dataclasses.replace(p, monthly_cents=prices[p.code][0], annual_cents=prices[p.code][1])
        if p.code in prices
        else p
        for p in PUBLISHED.plans
    )
    return dataclasses.replace(PUBLISHED, plans=plans)


PRO_27 = _draft(pro=(2700, 27000))


def _licence(
    licence_id=1, plan="pro", cycle="monthly", seats=2, renewal_on=date(2026, 12, 10), **kw
):
    values = dict(
        licence_id=licence_id,
        customer=f"Cliente {licence_id}",
        status="active",
        cancelling=False,
        plan=plan,
        cycle=cycle,
        renewal_plan=plan,
        renewal_cycle=cycle,
        renewal_seats=seats,
        renewal_on=renewal_on,
        anchor_day=renewal_on.day,
    )
    return LiveLicence(**{**values, **kw})


def _run(licences, draft=PRO_27, policy=Policy.AT_RENEWAL, effective_on=TODAY):
    return compute_impact(licences, PUBLISHED, draft, policy, effective_on, TODAY)


def test_first_renewal_on_or_after_walks_the_licences_calendar_with_its_anchor():
    assert first_renewal_on_or_after(date(2027, 1, 31), "monthly", 31, date(2027, 2, 1)) == date(
        2027, 2, 28
    )
    assert first_renewal_on_or_after(date(2027, 1, 31), "monthly", 31, date(2027, 3, 1)) == date(
        2027, 3, 31
    )
    assert first_renewal_on_or_after(date(2027, 1, 31), "annual", 31, date(2027, 1, 31)) == date(
        2027, 1, 31
    )


def test_policy_b_moves_at_the_first_renewal_after_30_days_notice():
    report = _run([_licence(renewal_on=date(2026, 12, 10))])
    (impact,) = report.impacts
    assert (impact.before_net, impact.after_net, impact.change) == (5000, 5400, 400)
    assert impact.moves_on == date(2027, 1, 10)  # 10/12 is less than 30 days away
    assert impact.next_renewal_after == 5000
    assert (report.more, report.less, report.same, report.moving_at_next_renewal) == (1, 0, 0, 0)


def test_policy_b_with_a_far_effective_date_moves_at_the_renewal_on_or_after_it():
    report = _run([_licence(renewal_on=date(2027, 3, 10))], effective_on=date(2027, 3, 10))
    (impact,) = report.impacts
    assert impact.moves_on == date(2027, 3, 10) and impact.next_renewal_after == 5400
    assert report.moving_at_next_renewal == 1


def test_policy_a_keeps_the_price_of_a_licence_that_keeps_plan_and_cycle():
    report = _run([_licence(seats=7)], policy=Policy.KEEP)
    (impact,) = report.impacts
    assert impact.change == 0 and impact.moves_on is None
    assert report.same == 1


def test_policy_a_prices_a_scheduled_change_of_plan_with_the_draft():
    moving = _licence(plan="smart", renewal_plan="pro", renewal_seats=3)
    report = _run([moving], policy=Policy.KEEP)
    (impact,) = report.impacts
    assert (impact.before_net, impact.after_net, impact.moves_on) == (
        7500,
        8100,
        date(2026, 12, 10),
    )
    assert impact.next_renewal_after == 8100


def test_policy_a_before_the_effective_date_keeps_the_published_price_even_on_a_plan_change():
    moving = _licence(plan="smart", renewal_plan="pro", renewal_seats=3)
    report = _run([moving], policy=Policy.KEEP, effective_on=date(2027, 1, 1))
    assert report.impacts[0].change == 0


def test_licences_in_disdetta_are_counted_apart_with_their_mrr():
    report = _run([_licence(cancelling=True, seats=4), _licence(2)])
    assert report.cancelling == 1 and report.cancelling_mrr == 10000
    assert report.considered == 1 and len(report.impacts) == 1


def test_mrr_counts_annual_as_one_twelfth_per_plan_and_cycle():
    report = _run(
        [_licence(1, seats=2), _licence(2, cycle="annual", seats=1), _licence(3, plan="smart")]
    )
    buckets = {(b.plan, b.cycle): b for b in report.buckets}
    assert [(b.plan, b.cycle) for b in report.buckets] == [
        ("smart", "monthly"),
        ("pro", "monthly"),
        ("pro", "annual"),
    ]
    assert buckets["pro", "annual"].mrr_before == Fraction(25000, 12)
    assert buckets["pro", "annual"].mrr_after == Fraction(27000, 12)
    assert buckets["smart", "monthly"].mrr_before == buckets["smart", "monthly"].mrr_after == 3000
    assert report.mrr_before == 5000 + Fraction(25000, 12) + 3000
    assert (report.more, report.same) == (2, 1)


def test_a_draft_that_cannot_price_a_licence_reports_it_unpriced():
    draft = dataclasses.replace(PUBLISHED, plans=PUBLISHED.plans[1:])  # no Smart
    narrow = dataclasses.replace(
        draft,
        plans=tuple(
            dataclasses.replace(p, max_seats=10) if p.code == "pro" else p for p in draft.plans
        ),
    )
    report = _run([_licence(1, plan="smart"), _licence(2, seats=20)], draft=narrow)
    assert report.unpriced == 2
    assert "non è nella bozza" in report.impacts[0].problem
    assert "consente da 1 a 10 utenti, la licenza ne ha 20" in report.impacts[1].problem
    assert report.buckets == []


def test_the_ten_largest_changes_come_first_ties_by_licence_number():
    licences = [_licence(n, seats=n) for n in range(1, 16)] + [_licence(99, seats=15)]
    report = _run(licences)
    assert [i.licence.licence_id for i in report.top] == [15, 99, 14, 13, 12, 11, 10, 9, 8, 7]
    cheaper = _run([_licence(1, seats=30)], draft=_draft(pro=(2000, 20000)))
    assert cheaper.top[0].change == -15000 and cheaper.less == 1


def test_csv_has_one_row_per_licence_with_italian_amounts_and_no_formulas():
    report = _run([_licence(1), _licence(2, customer='=HYPERLINK("x")')])
    rows = list(csv.reader(io.StringIO(impact_csv(report)), delimiter=";"))
    assert len(rows) == 3
    assert rows[1][7:11] == ["50,00", "54,00", "4,00", "10/01/2027"]
    assert rows[2][1].startswith("'=")

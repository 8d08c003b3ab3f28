from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ts_store.domain.periods import Cycle, add_cycle, rateo


def test_anchor_31_jan_renews_28_feb_then_31_mar():
    first = add_cycle(date(2026, 1, 31), Cycle.MONTHLY, 31)
    assert first == date(2026, 2, 28)
    assert add_cycle(first, Cycle.MONTHLY, 31) == date(2026, 3, 31)
    assert add_cycle(date(2026, 3, 31), Cycle.MONTHLY, 31) == date(2026, 4, 30)


def test_anchor_31_jan_leap_year_29_feb():
    assert add_cycle(date(2028, 1, 31), Cycle.MONTHLY, 31) == date(2028, 2, 29)
    assert add_cycle(date(2028, 2, 29), Cycle.MONTHLY, 31) == date(2028, 3, 31)


def test_anchor_30_keeps_30_after_february():
    assert add_cycle(date(2026, 2, 28), Cycle.MONTHLY, 30) == date(2026, 3, 30)


def test_monthly_december_rolls_into_next_year():
    assert add_cycle(date(2026, 12, 15), Cycle.MONTHLY, 15) == date(2027, 1, 15)


def test_annual_from_29_feb_renews_28_feb():
    assert add_cycle(date(2028, 2, 29), Cycle.ANNUAL, 29) == date(2029, 2, 28)


def test_annual_anchor_29_returns_to_29_feb_in_the_next_leap_year():
    assert add_cycle(date(2031, 2, 28), Cycle.ANNUAL, 29) == date(2032, 2, 29)


def test_annual_ordinary_date():
    assert add_cycle(date(2026, 11, 10), Cycle.ANNUAL, 10) == date(2027, 11, 10)


def test_add_cycle_accepts_plain_strings_for_the_cycle():
    assert add_cycle(date(2026, 1, 10), "monthly", 10) == date(2026, 2, 10)


@pytest.mark.parametrize("anchor", [0, 32, -1])
def test_add_cycle_rejects_impossible_anchor(anchor):
    with pytest.raises(ValueError):
        add_cycle(date(2026, 1, 10), Cycle.MONTHLY, anchor)


def test_add_cycle_rejects_unknown_cycle():
    with pytest.raises(ValueError):
        add_cycle(date(2026, 1, 10), "weekly", 10)


def test_add_cycle_past_year_9999_is_a_value_error():
    with pytest.raises(ValueError):
        add_cycle(date(9999, 12, 20), Cycle.MONTHLY, 20)


def test_rateo_first_day_of_period_is_full_period():
    assert rateo(date(2026, 11, 10), date(2026, 11, 10), date(2026, 12, 10)) == (30, 30)


def test_rateo_last_day_counts_one_day():
    assert rateo(date(2026, 12, 9), date(2026, 11, 10), date(2026, 12, 10)) == (1, 30)


def test_rateo_of_the_worked_example():
    assert rateo(date(2026, 11, 28), date(2026, 11, 10), date(2026, 12, 10)) == (12, 30)


def test_rateo_rejects_today_on_period_end():
    with pytest.raises(ValueError):
        rateo(date(2026, 12, 10), date(2026, 11, 10), date(2026, 12, 10))


def test_rateo_rejects_today_before_period():
    with pytest.raises(ValueError):
        rateo(date(2026, 11, 9), date(2026, 11, 10), date(2026, 12, 10))


def test_rateo_rejects_empty_or_reversed_period():
    with pytest.raises(ValueError):
        rateo(date(2026, 11, 10), date(2026, 11, 10), date(2026, 11, 10))
    with pytest.raises(ValueError):
        rateo(date(2026, 11, 10), date(2026, 12, 10), date(2026, 11, 10))


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2200, 12, 31)),
    st.sampled_from(list(Cycle)),
)
def test_chained_periods_keep_the_anchor_day(start, cycle):
    """Renewing from each period end never drifts: the day is always the clamped anchor."""
    anchor, current = start.day, start
    for _ in range(30):
        following = add_cycle(current, cycle, anchor)
        assert following > current
        next_month_first = (following.replace(day=28) + timedelta(days=4)).replace(day=1)
        month_length = (next_month_first - timedelta(days=1)).day
        expected_day = min(anchor, month_length)
        assert following.day == expected_day
        assert 28 <= (following - current).days <= (31 if cycle == Cycle.MONTHLY else 366)
        current = following

"""Exact strings the customer reads: CLDR it_IT money and percent, dd/mm/yyyy dates, plurals."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ts_store.ui.formatting import (
    format_cents,
    format_date,
    format_datetime,
    format_days,
    format_percent,
    format_users,
)

NBSP = "\u00a0"  # Babel puts a no-break space between the amount and "€"


@pytest.mark.parametrize(
    ("cents", "expected"),
    [
        (123456, f"1.234,56{NBSP}€"),
        (0, f"0,00{NBSP}€"),
        (5, f"0,05{NBSP}€"),
        (50, f"0,50{NBSP}€"),
        (100, f"1,00{NBSP}€"),
        (3660, f"36,60{NBSP}€"),
        (100_000_000, f"1.000.000,00{NBSP}€"),
        (-123456, f"-1.234,56{NBSP}€"),
        (-5, f"-0,05{NBSP}€"),
        (10**17 + 1, f"1.000.000.000.000.000,01{NBSP}€"),
    ],
    ids=[
        "thousands_separator",
        "zero",
        "five_cents",
        "fifty_cents_keeps_trailing_zero",
        "one_euro",
        "worked_example_total",
        "one_million",
        "negative",
        "negative_five_cents",
        "huge_amount_stays_exact",
    ],
)
def test_format_cents_exact_string(cents, expected):
    assert format_cents(cents) == expected


@pytest.mark.parametrize("bad", [True, False, 12.5, 1234.0, Decimal("12.34"), "1234", None])
def test_format_cents_rejects_bool_float_and_non_int(bad):
    with pytest.raises(TypeError):
        format_cents(bad)


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2026, 11, 28), "28/11/2026"),
        (date(2026, 1, 5), "05/01/2026"),
        (date(2028, 2, 29), "29/02/2028"),
        (date(1, 1, 1), "01/01/0001"),
    ],
    ids=["worked_example", "zero_padded_day_and_month", "leap_day", "year_padded_to_four"],
)
def test_format_date(d, expected):
    assert format_date(d) == expected


@pytest.mark.parametrize(
    ("dt", "expected"),
    [
        (datetime(2026, 1, 15, 9, 5, tzinfo=UTC), "15/01/2026 10:05"),
        (datetime(2026, 7, 15, 9, 5, tzinfo=UTC), "15/07/2026 11:05"),
        (datetime(2026, 12, 31, 23, 30), "01/01/2027 00:30"),
        (datetime(2026, 3, 29, 0, 59), "29/03/2026 01:59"),
        (datetime(2026, 3, 29, 1, 0), "29/03/2026 03:00"),
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "25/10/2026 02:30"),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "25/10/2026 02:30"),
        (datetime(2026, 5, 1, 8, 0, tzinfo=timezone(timedelta(hours=-4))), "01/05/2026 14:00"),
    ],
    ids=[
        "winter_utc_plus_1",
        "summer_utc_plus_2",
        "naive_is_utc_crossing_new_year",
        "dst_start_last_minute_of_winter_time",
        "dst_start_clock_jumps_to_3",
        "dst_end_first_0230",
        "dst_end_second_0230",
        "other_zone_converted",
    ],
)
def test_format_datetime_in_rome(dt, expected):
    assert format_datetime(dt) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (22, "22%"),
        (Decimal("22"), "22%"),
        (Decimal("22.00"), "22%"),
        (Fraction(22), "22%"),
        (Fraction(45, 2), "22,5%"),
        (Decimal("4.75"), "4,75%"),
        (Fraction(1, 3), "0,33%"),
        (Decimal("0.005"), "0,01%"),
        (0, "0%"),
        (100, "100%"),
        (1234, "1.234%"),
        (-5, "-5%"),
    ],
    ids=[
        "vat_22_int",
        "vat_22_decimal",
        "trailing_zeros_dropped",
        "fraction_whole",
        "fraction_half",
        "two_decimals",
        "repeating_fraction_rounded",
        "half_up_at_second_decimal",
        "zero",
        "hundred",
        "thousands_separator",
        "negative",
    ],
)
def test_format_percent_cldr_it(value, expected):
    assert format_percent(value) == expected


@pytest.mark.parametrize("bad", [True, 22.0, "22", None])
def test_format_percent_rejects_bool_float_and_text(bad):
    with pytest.raises(TypeError):
        format_percent(bad)


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("Infinity")])
def test_format_percent_rejects_non_finite_decimal(bad):
    with pytest.raises(ValueError):
        format_percent(bad)


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, "1 giorno"), (12, "12 giorni"), (0, "0 giorni"), (30, "30 giorni")],
    ids=["singular", "plural", "zero_is_plural", "month"],
)
def test_format_days(n, expected):
    assert format_days(n) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, "1 utente"), (5, "5 utenti"), (0, "0 utenti"), (500, "500 utenti")],
    ids=["singular", "plural", "zero_is_plural", "business_max"],
)
def test_format_users(n, expected):
    assert format_users(n) == expected


def test_formatting_module_does_not_import_reflex():
    """Kept pure so it is testable without the app: importing it must not pull Reflex in."""
    code = (
        "import sys, ts_store.ui.formatting; "
        "sys.exit(3 if any(m == 'reflex' or m.startswith('reflex.') for m in sys.modules) else 0)"
    )
    repo_root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=repo_root, check=False)
    assert result.returncode == 0


# --- format_cents applies Babel's pattern itself: it must say exactly what Babel says ----------

_BABEL_CHECK_AMOUNTS = [
    *range(-1_100, 1_101),
    *(10**k + d for k in range(3, 18) for d in (-1, 0, 1)),
    *(-(10**k) - d for k in range(3, 18) for d in (-1, 0, 1)),
]


def _babel(cents: int) -> str:
    from babel.numbers import format_currency

    return format_currency(Decimal(cents) / 100, "EUR", locale="it_IT")


def test_format_cents_equals_babel_around_every_group_boundary():
    mismatches = [c for c in _BABEL_CHECK_AMOUNTS if format_cents(c) != _babel(c)]
    assert mismatches == []


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_format_cents_equals_babel_format_currency_for_any_amount(cents):
    assert format_cents(cents) == _babel(cents)

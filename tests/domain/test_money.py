from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ts_store.domain.money import prorate, round_half_up, vat_cents, with_vat


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(5, 2), 3),
        (Fraction(7, 2), 4),  # round() would give 4 here but 2 for 5/2: banker's rounding
        (Fraction(-5, 2), -3),
        (Fraction(249, 100), 2),
        (Fraction(1, 3), 0),
        (Fraction(2, 3), 1),
        (Fraction(0), 0),
        (12, 12),
    ],
)
def test_round_half_up_named_cases(value, expected):
    assert round_half_up(value) == expected


def test_round_half_up_refuses_floats_and_bools():
    with pytest.raises(TypeError):
        round_half_up(2.5)
    with pytest.raises(TypeError):
        round_half_up(True)


@given(st.integers(-(10**12), 10**12), st.integers(1, 10**6))
def test_round_half_up_matches_decimal_half_up(numerator, denominator):
    exact = Fraction(numerator, denominator)
    # Decimal division is exact enough here: 40 significant digits for at most 19-digit ratios.
    via_decimal = (Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    assert round_half_up(exact) == int(via_decimal)
    assert abs(round_half_up(exact) - exact) <= Fraction(1, 2)


def test_vat_of_the_worked_example():
    assert vat_cents(3000, Fraction(22)) == 660
    assert with_vat(12500, Fraction(22)) == (12500, 2750, 15250)


def test_vat_rounds_half_up_on_the_cent():
    assert vat_cents(25, Fraction(22)) == 6  # 5.5 -> 6
    assert vat_cents(1, Fraction(45, 2)) == 0  # 0.225 -> 0


def test_prorate_rounds_once():
    assert prorate(3 * 2500, 12, 30) == 3000
    assert prorate(100, 1, 3) == 33
    assert prorate(100, 2, 3) == 67
    with pytest.raises(ValueError):
        prorate(100, 1, 0)

"""Money: integer euro cents, exact fractions in between, one half-up rounding at the edge.

Floats never touch an amount: a rateo such as 3 * 2500 * 12/30 is kept as a Fraction and
rounded once per line, so the cents shown before confirming are the cents charged.
"""

from __future__ import annotations

from fractions import Fraction

Exact = int | Fraction


def _exact(value: Exact) -> Fraction:
    """Refuse floats (and bools) so an inexact number can never sneak into an amount."""
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise TypeError(f"amounts must be int or Fraction, not {type(value).__name__}")
    return value if isinstance(value, Fraction) else Fraction(value)


def round_half_up(value: Exact) -> int:
    """Commercial rounding to an integer: halves go away from zero (2.5 -> 3, -2.5 -> -3).

    Python's round() rounds halves to even, which is not what an Italian invoice expects.
    """
    exact = _exact(value)
    numerator, denominator = abs(exact.numerator), exact.denominator
    magnitude = (2 * numerator + denominator) // (2 * denominator)
    return magnitude if exact >= 0 else -magnitude


def prorate(amount_cents: int, days: int, period_days: int) -> int:
    """The part of a whole-period amount due for `days` of `period_days`, rounded once."""
    if period_days <= 0:
        raise ValueError("period_days must be positive")
    return round_half_up(Fraction(amount_cents * days, period_days))


def vat_cents(net_cents: int, vat_percent: Exact) -> int:
    """IVA on a net total, rounded half-up to the cent (docs/billing-policy.md)."""
    return round_half_up(_exact(net_cents) * _exact(vat_percent) / 100)


def with_vat(net_cents: int, vat_percent: Exact) -> tuple[int, int, int]:
    """(net, vat, gross) of a net total: the three figures every summary shows."""
    vat = vat_cents(net_cents, vat_percent)
    return net_cents, vat, net_cents + vat

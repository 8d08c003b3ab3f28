"""Money: integer euro cents, exact fractions in between, one half-up rounding at the edge.

Floats never touch an amount: a rateo such as 3 * 2500 * 12/30 is kept as a Fraction and
rounded once per line, so the cents shown before confirming are the cents charged.
"""

from __future__ import annotations

import re
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


class EuroAmountError(ValueError):
    """An amount typed in euros that is not one: `code` names why (the UI words it)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


_MAX_EURO_DIGITS = 12  # up to 9.999.999.999,99 €: far beyond any price, short enough to bound input
# "27", "27,5", "27.50" (one separator, the decimals after it) or "1.234,50" (dots group thousands
# only when a comma marks the decimals). A dot alone is a decimal point, so "1.234" has three
# decimals and is refused rather than guessed: an amount is never read two ways.
_PLAIN_AMOUNT = re.compile(r"(?P<units>[0-9]+)(?:[.,](?P<decimals>[0-9]+))?")
_GROUPED_AMOUNT = re.compile(r"(?P<units>[0-9]{1,3}(?:\.[0-9]{3})+)(?:,(?P<decimals>[0-9]+))?")


def parse_euros(text: object) -> int:
    """Cents of an amount typed in euros ("27,50", "27.5", "1.234,56 €"): the one reading of a
    typed amount in the store (refunds, catalogue drafts). Why exact: the amount goes into a
    refund or a price, so "12,2" must be 1220 cents, never 1219.999…"""
    if not isinstance(text, str):
        raise EuroAmountError("not_a_number")
    cleaned = text.strip().removesuffix("€").strip().replace("\u00a0", "").replace(" ", "")
    if not cleaned:
        raise EuroAmountError("empty")
    if cleaned.startswith(("-", "−")):
        raise EuroAmountError("negative")
    match = _PLAIN_AMOUNT.fullmatch(cleaned) or _GROUPED_AMOUNT.fullmatch(cleaned)
    if match is None or not cleaned.isascii():
        raise EuroAmountError("not_a_number")
    units, decimals = match["units"].replace(".", ""), match["decimals"] or ""
    if len(decimals) > 2:
        raise EuroAmountError("too_many_decimals")
    if len(units.lstrip("0")) > _MAX_EURO_DIGITS - 2:
        raise EuroAmountError("too_large")
    return int(units) * 100 + int(decimals.ljust(2, "0"))

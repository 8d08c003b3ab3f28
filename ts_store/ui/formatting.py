"""Every number and date the customer reads, formatted as an Italian reader expects (BRIEF §2).

The one formatting module of the UI. It imports no Reflex so it is tested as plain Python,
and states send these strings to the browser instead of numbers: a Decimal or a float would
reach the page as a JavaScript float and lose the cents.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from babel.numbers import format_currency
from babel.numbers import format_percent as babel_format_percent

LOCALE = "it_IT"
CURRENCY = "EUR"
ROME = ZoneInfo("Europe/Rome")


def format_cents(cents: int) -> str:
    """Integer euro cents as CLDR it_IT writes euros: 123456 -> "1.234,56\u00a0€".

    Babel's no-break space before "€" is kept, so the amount never wraps away from its sign.
    Only int is accepted: a float amount is a bug upstream, not something to round here.
    """
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"cents must be int, not {type(cents).__name__}")
    return format_currency(Decimal(cents) / 100, CURRENCY, locale=LOCALE)


def format_date(d: date) -> str:
    """A calendar date as dd/mm/yyyy (a datetime is formatted by its own date part)."""
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def format_datetime(dt: datetime) -> str:
    """A moment as dd/mm/yyyy HH:MM on the Rome clock.

    Naive datetimes are taken as UTC, which is how the store's tables keep them
    (``store.models.utcnow``); aware ones are converted whatever their zone.
    """
    aware = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt
    local = aware.astimezone(ROME)
    return f"{format_date(local)} {local.hour:02d}:{local.minute:02d}"


def format_percent(value: Fraction | Decimal | int) -> str:
    """Percentage points (22 means 22 %) as CLDR it_IT writes them: 22 -> "22%", 22.5 -> "22,5%".

    Up to two decimals, rounded half-up; floats are refused for the same reason as money.
    """
    if isinstance(value, bool) or not isinstance(value, int | Fraction | Decimal):
        raise TypeError(f"percent must be int, Fraction or Decimal, not {type(value).__name__}")
    if isinstance(value, Fraction):
        exact = Decimal(value.numerator) / Decimal(value.denominator)
    else:
        exact = Decimal(value)
    if not exact.is_finite():
        raise ValueError(f"percent must be a finite number, not {value}")
    points = exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()
    return babel_format_percent(points / 100, locale=LOCALE, decimal_quantization=False)


def format_days(n: int) -> str:
    """ "1 giorno" / "12 giorni" (0 takes the plural in Italian: "0 giorni")."""
    return _count(n, "giorno", "giorni")


def format_users(n: int) -> str:
    """ "1 utente" / "5 utenti"."""
    return _count(n, "utente", "utenti")


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"

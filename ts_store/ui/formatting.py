"""Every number and date the customer reads, formatted as an Italian reader expects
(docs/billing-policy.md, "Amounts and dates").

The one formatting module of the UI. It imports no Reflex so it is tested as plain Python,
and states send these strings to the browser instead of numbers: a Decimal or a float would
reach the page as a JavaScript float and lose the cents.
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from babel import Locale
from babel.numbers import format_percent as babel_format_percent
from babel.numbers import (
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    get_minus_sign_symbol,
)

LOCALE = "it_IT"
CURRENCY = "EUR"
ROME = ZoneInfo("Europe/Rome")


@dataclasses.dataclass(frozen=True)
class _CurrencyLayout:
    """The pieces of CLDR's it_IT currency pattern ("#,##0.00\u00a0¤"), read once from Babel.

    Why: babel.numbers.format_currency re-parses the locale and the pattern and goes through
    Decimal on every call (~25 µs); a live preview formats ~10 amounts per click, and that was
    the largest share of the handler's time. Applying the same pattern to integer cents is
    exact and ~1 µs; tests check it equals format_currency over many amounts.
    """

    positive_prefix: str
    negative_prefix: str
    positive_suffix: str
    negative_suffix: str
    group: str
    decimal: str
    group_size: int

    @classmethod
    def from_babel(cls, locale: str, currency: str) -> _CurrencyLayout:
        pattern = Locale.parse(locale).currency_formats["standard"]
        symbol = get_currency_symbol(currency, locale=locale)
        minus = get_minus_sign_symbol(locale)
        if pattern.frac_prec != (2, 2) or pattern.grouping[0] != pattern.grouping[1]:
            raise ValueError(f"unexpected currency pattern for {locale}: {pattern.pattern}")
        return cls(
            positive_prefix=pattern.prefix[0].replace("¤", symbol),
            negative_prefix=pattern.prefix[1].replace("¤", symbol).replace("-", minus),
            positive_suffix=pattern.suffix[0].replace("¤", symbol),
            negative_suffix=pattern.suffix[1].replace("¤", symbol),
            group=get_group_symbol(locale),
            decimal=get_decimal_symbol(locale),
            group_size=pattern.grouping[0],
        )


_EUR_IT = _CurrencyLayout.from_babel(LOCALE, CURRENCY)


def format_cents(cents: int) -> str:
    """Integer euro cents as CLDR it_IT writes euros: 123456 -> "1.234,56\u00a0€".

    Babel's no-break space before "€" is kept, so the amount never wraps away from its sign.
    Only int is accepted: a float amount is a bug upstream, not something to round here.
    """
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"cents must be int, not {type(cents).__name__}")
    layout = _EUR_IT
    euros, rest = divmod(abs(cents), 100)
    digits = str(euros)
    size = layout.group_size
    head = len(digits) % size or size
    groups = [digits[:head]] + [digits[i : i + size] for i in range(head, len(digits), size)]
    number = f"{layout.group.join(groups)}{layout.decimal}{rest:02d}"
    if cents < 0:
        return f"{layout.negative_prefix}{number}{layout.negative_suffix}"
    return f"{layout.positive_prefix}{number}{layout.positive_suffix}"


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
    return _percent_of_points(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize())


@functools.lru_cache(maxsize=256)
def _percent_of_points(points: Decimal) -> str:
    """Cached: the same few rates (the VAT rate) are shown on every preview, and Babel
    takes ~40 µs per call."""
    return babel_format_percent(points / 100, locale=LOCALE, decimal_quantization=False)


def format_days(n: int) -> str:
    """ "1 giorno" / "12 giorni" (0 takes the plural in Italian: "0 giorni")."""
    return _count(n, "giorno", "giorni")


def format_users(n: int) -> str:
    """ "1 utente" / "5 utenti"."""
    return _count(n, "utente", "utenti")


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


CARD_BRANDS = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express"}


def brand_label(brand: str) -> str:
    """A card brand as Stripe names it ("visa") written for people ("Visa")."""
    return CARD_BRANDS.get(brand, brand.capitalize())

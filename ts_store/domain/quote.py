"""The quote: what a customer pays today and from the next renewal for a wanted configuration.

One pure function implements docs/billing-policy.md so the wizard preview, the charge and the
quote command can never disagree. Increases apply now at rateo; decreases, cheaper plans and a
different cycle wait for the renewal (no refunds, no credits).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from ts_store.domain.catalog import Catalog, Plan
from ts_store.domain.money import prorate, with_vat
from ts_store.domain.periods import Cycle, add_cycle, rateo


class LineKind(enum.StrEnum):
    """What a charge line is for: the typed charge items (stored as text in documents)."""

    NEW_PERIOD = "new_period"  # a purchase: the first period in full
    UPGRADE = "upgrade"  # a change's rateo: the price difference of a dearer plan
    ADDED_SEATS = "added_seats"  # a change's rateo: the seats added
    RENEWAL = "renewal"  # a renewal: the next period in full (domain/renewal.py)
    REFUND = "refund"  # a credit note's line for a partial refund (billing/credit_notes.py)


NEW_PERIOD = LineKind.NEW_PERIOD
UPGRADE = LineKind.UPGRADE
ADDED_SEATS = LineKind.ADDED_SEATS
RENEWAL = LineKind.RENEWAL


@dataclass(frozen=True)
class Configuration:
    plan: str
    cycle: Cycle
    seats: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "cycle", Cycle(self.cycle))


@dataclass(frozen=True)
class CurrentTerm:
    """The configuration being paid for and its current period [period_start, period_end)."""

    configuration: Configuration
    period_start: date
    period_end: date


@dataclass(frozen=True)
class ChargeLine:
    kind: LineKind
    quantity: int
    unit_cents: int  # per seat for a whole period; for an upgrade, the price difference
    days: int
    period_days: int
    amount_cents: int


@dataclass(frozen=True)
class Charge:
    lines: tuple[ChargeLine, ...]
    net_cents: int
    vat_cents: int
    gross_cents: int


@dataclass(frozen=True)
class Renewal:
    date: date
    configuration: Configuration
    net_cents: int
    vat_cents: int
    gross_cents: int


@dataclass(frozen=True)
class Quote:
    charge_now: Charge
    effective_now: Configuration
    at_renewal: Renewal
    scheduled: bool  # the renewal brings a configuration different from the one in force now


class QuoteError(ValueError):
    """A request that cannot be quoted; `message` is Italian and starts with the field's label."""

    def __init__(self, code: str, field: str, message: str) -> None:
        super().__init__(message)
        self.code, self.field, self.message = code, field, message


FIELD_LABELS: dict[str, str] = {
    "today": "Data di oggi",
    "current": "Licenza attuale",
    "current.plan": "Piano attuale",
    "current.cycle": "Ciclo di fatturazione attuale",
    "current.seats": "Numero utenti attuale",
    "current.period_start": "Inizio periodo",
    "current.period_end": "Fine periodo",
    "target": "Nuova configurazione",
    "target.plan": "Piano",
    "target.cycle": "Ciclo di fatturazione",
    "target.seats": "Numero utenti",
}


def field_error(code: str, field: str, detail: str) -> QuoteError:
    """A QuoteError whose message is '<label of field>: <detail>'."""
    return QuoteError(code, field, f"{FIELD_LABELS.get(field, field)}: {detail}")


def quote(
    catalog: Catalog, today: date, current: CurrentTerm | None, target: Configuration
) -> Quote:
    """Quote a purchase (`current` is None) or a change of an active licence to `target`."""
    target_plan = _known_plan(catalog, target.plan, "target.plan")
    _check_seats(target_plan, target.seats, "target.seats")
    if current is None:
        return _purchase(catalog, today, target, target_plan)
    return _change(catalog, today, current, target, target_plan)


def renewal_amount(catalog: Catalog, configuration: Configuration) -> tuple[int, int, int]:
    """(net, vat, gross) of one whole period of `configuration`."""
    unit = catalog.plan(configuration.plan).unit_cents(configuration.cycle)
    return with_vat(configuration.seats * unit, catalog.vat_percent)


def _purchase(catalog: Catalog, today: date, target: Configuration, plan: Plan) -> Quote:
    """A first period starting today, paid in full."""
    try:
        period_end = add_cycle(today, target.cycle, today.day)
    except (ValueError, OverflowError):
        raise field_error("invalid_date", "today", "data fuori dall'intervallo gestito.") from None
    days = (period_end - today).days
    unit = plan.unit_cents(target.cycle)
    line = ChargeLine(NEW_PERIOD, target.seats, unit, days, days, target.seats * unit)
    return Quote(
        charge_now=_charge((line,), catalog),
        effective_now=target,
        at_renewal=_renewal(catalog, period_end, target),
        scheduled=False,
    )


def _change(
    catalog: Catalog, today: date, current: CurrentTerm, target: Configuration, target_plan: Plan
) -> Quote:
    """Increases now at rateo within the current cycle; the whole target from the renewal."""
    held = current.configuration
    held_plan = _known_plan(catalog, held.plan, "current.plan")
    _check_seats(held_plan, held.seats, "current.seats")
    days_left, period_days = _check_period(today, current)

    cycle = held.cycle
    old_unit = held_plan.unit_cents(cycle)
    now_plan = target_plan if target_plan.unit_cents(cycle) >= old_unit else held_plan
    now_seats = max(held.seats, target.seats)
    _check_now_seats(now_plan, now_seats)
    new_unit = now_plan.unit_cents(cycle)

    candidates = (
        (UPGRADE, held.seats, new_unit - old_unit),
        (ADDED_SEATS, now_seats - held.seats, new_unit),
    )
    lines = []
    for kind, quantity, unit in candidates:
        amount = prorate(quantity * unit, days_left, period_days)
        if amount:
            lines.append(ChargeLine(kind, quantity, unit, days_left, period_days, amount))

    effective_now = Configuration(now_plan.code, cycle, now_seats)
    return Quote(
        charge_now=_charge(tuple(lines), catalog),
        effective_now=effective_now,
        at_renewal=_renewal(catalog, current.period_end, target),
        scheduled=target != effective_now,
    )


def _charge(lines: tuple[ChargeLine, ...], catalog: Catalog) -> Charge:
    net, vat, gross = with_vat(sum(line.amount_cents for line in lines), catalog.vat_percent)
    return Charge(lines, net, vat, gross)


def _renewal(catalog: Catalog, on: date, configuration: Configuration) -> Renewal:
    net, vat, gross = renewal_amount(catalog, configuration)
    return Renewal(on, configuration, net, vat, gross)


def _known_plan(catalog: Catalog, code: str, field: str) -> Plan:
    if not catalog.has_plan(code):
        available = ", ".join(catalog.plan_codes())
        shown = code if len(str(code)) <= 40 else str(code)[:37] + "..."
        raise field_error(
            "unknown_plan",
            field,
            f"il piano '{shown}' non esiste (piani disponibili: {available}).",
        )
    return catalog.plan(code)


def _check_seats(plan: Plan, seats: int, field: str) -> None:
    if isinstance(seats, bool) or not isinstance(seats, int):
        raise field_error("invalid_type", field, "deve essere un numero intero.")
    if seats < plan.min_seats:
        raise field_error(
            "seats_out_of_range",
            field,
            f"il piano {plan.name} richiede almeno {_users(plan.min_seats)}.",
        )
    if seats > plan.max_seats:
        raise field_error(
            "seats_out_of_range",
            field,
            f"il piano {plan.name} consente al massimo {_users(plan.max_seats)}.",
        )


def _check_now_seats(plan: Plan, seats: int) -> None:
    """The configuration in force until the renewal must itself respect its plan's limits."""
    if not plan.allows_seats(seats):
        raise field_error(
            "seats_out_of_range",
            "target.seats",
            f"fino al rinnovo resta in vigore il piano {plan.name}, che consente da "
            f"{plan.min_seats} a {_users(plan.max_seats)}: con questa modifica sarebbero {seats}.",
        )


def _check_period(today: date, current: CurrentTerm) -> tuple[int, int]:
    start, end = current.period_start, current.period_end
    if end <= start:
        raise field_error(
            "invalid_period",
            "current.period_end",
            f"deve essere successiva all'inizio del periodo ({_it_date(start)}).",
        )
    if not start <= today < end:
        raise field_error(
            "today_outside_period",
            "today",
            f"il {_it_date(today)} è fuori dal periodo in corso "
            f"(dal {_it_date(start)} al {_it_date(end - timedelta(days=1))} compreso).",
        )
    return rateo(today, start, end)


def _users(count: int) -> str:
    return "1 utente" if count == 1 else f"{count} utenti"


def _it_date(value: date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"

"""The product team's pricing sandbox: a draft catalogue, a date, a situation — and its quote.

The draft is validated exactly as the store validates its catalogue file (errors name the plan
and the field), and quoted by the same domain code that prices every purchase and change. Nothing
is stored and the live catalogue is untouched: the team tries prices and prorations here, then
ships the file (TS_STORE_CATALOG) once happy.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ts_store.billing.errors import InputError
from ts_store.domain.catalog import (
    DRAFT_SOURCE,
    Catalog,
    CatalogError,
    parse_catalog,
)
from ts_store.domain.periods import Cycle, add_cycle
from ts_store.domain.quote import Configuration, CurrentTerm, Quote, QuoteError, quote

MAX_DRAFT_CHARS = 50_000
MAX_SEATS_TYPED = 1_000_000
# The form's values for the two situations (identifiers the form sends, not shown).
PURCHASE = "acquisto"
CHANGE = "modifica"
# The domain's field names -> the form's, so a quote error points at the field the team typed.
_FROM_DOMAIN = {
    "today": "today",
    "current.plan": "current_plan",
    "current.cycle": "current_cycle",
    "current.seats": "current_seats",
    "current.period_start": "period_start",
    "current.period_end": "period_start",
    "target.plan": "target_plan",
    "target.cycle": "target_cycle",
    "target.seats": "target_seats",
}


@dataclass(frozen=True)
class Scenario:
    """What to quote: a purchase today (`current` None), or a change of an active licence."""

    today: date
    target: Configuration
    current: Configuration | None = None
    period_start: date | None = None


@dataclass(frozen=True)
class SandboxResult:
    catalog: Catalog
    quote: Quote
    period_end: date | None


def live_catalog_text() -> str:
    """The TOML of the catalogue version in force today: the draft starts from it."""
    from ts_store.billing import catalog_versions, clock  # catalog_versions imports this module

    return catalog_versions.in_force_content(clock.today())


def parse_draft(text: object) -> Catalog:
    """A draft catalogue (TOML text), validated as the store validates its file."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("catalog", "draft_empty")
    if len(text) > MAX_DRAFT_CHARS:
        raise InputError("catalog", "draft_too_long", max_chars=MAX_DRAFT_CHARS)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(
            "catalog", "draft_toml_invalid", source=DRAFT_SOURCE, detail=str(error)
        ) from None
    except RecursionError:  # arrays nested thousands deep (issue #15, finding 8)
        raise InputError(
            "catalog", "draft_toml_invalid", source=DRAFT_SOURCE, detail="annidamento eccessivo"
        ) from None
    try:
        return parse_catalog(data, DRAFT_SOURCE)
    except CatalogError as error:
        raise InputError("catalog", "catalog_invalid", message=str(error)) from None


def scenario_from_form(form: Mapping[str, Any], catalog: Catalog) -> Scenario:
    """The sandbox form, checked field by field (messages name the field)."""
    today = _date(form, "today")
    target = Configuration(
        _plan(form, "target_plan", catalog),
        _cycle(form, "target_cycle"),
        _seats(form, "target_seats"),
    )
    situation = _text(form, "situation")
    if situation == PURCHASE:
        return Scenario(today=today, target=target)
    if situation != CHANGE:
        raise InputError("situation", "sandbox_situation_invalid")
    current = Configuration(
        _plan(form, "current_plan", catalog),
        _cycle(form, "current_cycle"),
        _seats(form, "current_seats"),
    )
    return Scenario(
        today=today, target=target, current=current, period_start=_date(form, "period_start")
    )


def sandbox_quote(catalog_text: object, form: Mapping[str, Any]) -> SandboxResult:
    """Validate the draft and the form, then quote with the domain (pure: no DB, no Stripe)."""
    catalog = parse_draft(catalog_text)
    scenario = scenario_from_form(form, catalog)
    period_end = None
    term = None
    if scenario.current is not None and scenario.period_start is not None:
        start = scenario.period_start
        try:
            period_end = add_cycle(start, scenario.current.cycle, start.day)
        except (ValueError, OverflowError):
            raise InputError("period_start", "sandbox_date_out_of_range") from None
        term = CurrentTerm(scenario.current, start, period_end)
    try:
        result = quote(catalog, scenario.today, term, scenario.target)
    except QuoteError as error:
        field = _FROM_DOMAIN.get(error.field, "target_seats")
        raise InputError(field, "quote_invalid", message=error.message) from None
    return SandboxResult(catalog=catalog, quote=result, period_end=period_end)


def _text(form: Mapping[str, Any], field: str) -> str:
    value = form.get(field)
    return value.strip() if isinstance(value, str) else ""


def _date(form: Mapping[str, Any], field: str) -> date:
    raw = _text(form, field)
    if not raw:
        raise InputError(field, "sandbox_date_missing")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InputError(field, "sandbox_date_invalid") from None


def _plan(form: Mapping[str, Any], field: str, catalog: Catalog) -> str:
    code = _text(form, field)
    if not catalog.has_plan(code):
        available = ", ".join(catalog.plan_codes())
        raise InputError(field, "sandbox_plan_invalid", available=available)
    return code


def _cycle(form: Mapping[str, Any], field: str) -> Cycle:
    raw = _text(form, field)
    if raw not in (Cycle.MONTHLY, Cycle.ANNUAL):
        raise InputError(field, "sandbox_cycle_invalid")
    return Cycle(raw)


def _seats(form: Mapping[str, Any], field: str) -> int:
    raw = _text(form, field)
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= MAX_SEATS_TYPED:
        raise InputError(field, "sandbox_seats_invalid")
    return int(raw)

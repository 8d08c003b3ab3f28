"""The product team's pricing sandbox: a draft catalogue, a date, a situation — and its quote.

The draft is validated exactly as the store validates its catalogue file (errors name the plan
and the field), and quoted by the same domain code that prices every purchase and change. Nothing
is stored and the live catalogue is untouched: the team tries prices and prorations here, then
ships the file (TS_STORE_CATALOG) once happy.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ts_store.billing.errors import InputError
from ts_store.domain.catalog import (
    CATALOG_ENV_VAR,
    Catalog,
    CatalogError,
    default_catalog_path,
    parse_catalog,
)
from ts_store.domain.periods import Cycle, add_cycle
from ts_store.domain.quote import Configuration, CurrentTerm, Quote, QuoteError, quote

DRAFT_SOURCE = "di prova"
MAX_DRAFT_CHARS = 50_000
MAX_SEATS_TYPED = 1_000_000
PURCHASE = "acquisto"
CHANGE = "modifica"
FIELD_LABELS = {
    "catalog": "Catalogo",
    "today": "Data",
    "situation": "Situazione",
    "current_plan": "Piano attuale",
    "current_cycle": "Fatturazione attuale",
    "current_seats": "Utenti attuali",
    "period_start": "Inizio del periodo in corso",
    "target_plan": "Piano",
    "target_cycle": "Fatturazione",
    "target_seats": "Utenti",
}
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
    """The text of the catalogue file the store runs on: the draft starts from it."""
    path = Path(os.environ.get(CATALOG_ENV_VAR) or default_catalog_path())
    return path.read_text(encoding="utf-8")


def parse_draft(text: object) -> Catalog:
    """A draft catalogue (TOML text), validated as the store validates its file."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("catalog", "Catalogo: incolla o scrivi il catalogo (TOML).")
    if len(text) > MAX_DRAFT_CHARS:
        raise InputError("catalog", f"Catalogo: al massimo {MAX_DRAFT_CHARS} caratteri.")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError("catalog", f"Catalogo {DRAFT_SOURCE}: TOML non valido: {error}") from None
    try:
        return parse_catalog(data, DRAFT_SOURCE)
    except CatalogError as error:
        raise InputError("catalog", str(error)) from None


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
        raise InputError("situation", "Situazione: scegli «Nuovo acquisto» o «Licenza attiva».")
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
            raise _error("period_start", "data fuori dall'intervallo gestito.") from None
        term = CurrentTerm(scenario.current, start, period_end)
    try:
        result = quote(catalog, scenario.today, term, scenario.target)
    except QuoteError as error:
        field = _FROM_DOMAIN.get(error.field, "target_seats")
        raise InputError(field, error.message) from None
    return SandboxResult(catalog=catalog, quote=result, period_end=period_end)


def _error(field: str, detail: str) -> InputError:
    return InputError(field, f"{FIELD_LABELS[field]}: {detail}")


def _text(form: Mapping[str, Any], field: str) -> str:
    value = form.get(field)
    return value.strip() if isinstance(value, str) else ""


def _date(form: Mapping[str, Any], field: str) -> date:
    raw = _text(form, field)
    if not raw:
        raise _error(field, "scegli una data.")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _error(field, "la data non è valida (gg/mm/aaaa).") from None


def _plan(form: Mapping[str, Any], field: str, catalog: Catalog) -> str:
    code = _text(form, field)
    if not catalog.has_plan(code):
        available = ", ".join(catalog.plan_codes())
        raise _error(field, f"scegli uno dei piani del catalogo ({available}).")
    return code


def _cycle(form: Mapping[str, Any], field: str) -> Cycle:
    raw = _text(form, field)
    if raw not in (Cycle.MONTHLY, Cycle.ANNUAL):
        raise _error(field, "scegli mensile o annuale.")
    return Cycle(raw)


def _seats(form: Mapping[str, Any], field: str) -> int:
    raw = _text(form, field)
    if not raw.isdigit() or not 0 < int(raw) <= MAX_SEATS_TYPED:
        raise _error(field, "inserisci un numero intero di utenti, almeno 1.")
    return int(raw)

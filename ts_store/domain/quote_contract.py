"""The quote contract (docs/quote-contract.md): JSON requests in, JSON answers out.

Every item is answered in its place, either with a quote or with {"error": {code, message}};
nothing a caller sends may end in a traceback, so parsing checks each field's type and names
the field (as a JSON path such as "target.seats") in the Italian message.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from ts_store.domain.catalog import Catalog, CatalogError
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import (
    FIELD_LABELS,
    Configuration,
    CurrentTerm,
    Quote,
    QuoteError,
    field_error,
    quote,
)

REQUEST_FIELDS = ("today", "current", "target")
CURRENT_FIELDS = ("plan", "cycle", "seats", "period_start", "period_end")
TARGET_FIELDS = ("plan", "cycle", "seats")

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CYCLES = tuple(cycle.value for cycle in Cycle)

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class QuoteRequest:
    today: date
    current: CurrentTerm | None
    target: Configuration


def parse_request(item: object) -> QuoteRequest:
    """Turn one decoded JSON request into domain values, or raise QuoteError naming the field."""
    request = _object(item, "", REQUEST_FIELDS, required=("today", "target"))
    today = _date(request, "today", "today")
    current = request.get("current")
    if current is not None:
        current = _current(current)
    target = _object(request["target"], "target", TARGET_FIELDS)
    return QuoteRequest(today, current, _configuration(target, "target"))


def answer_item(catalog: Catalog, item: object) -> tuple[JsonObject, bool]:
    """(answer, ok) for one request: a serialised quote, or an error object in its place."""
    try:
        request = parse_request(item)
        return quote_to_json(quote(catalog, request.today, request.current, request.target)), True
    except QuoteError as error:
        return error_to_json(error.code, contract_message(error)), False
    except Exception as error:  # a bug must still answer in place, never kill the batch
        detail = f"errore interno ({type(error).__name__}): la richiesta non è stata calcolata."
        return error_to_json("internal_error", detail), False


def answer_document(catalog: Catalog, raw: str | bytes) -> tuple[Any, int]:
    """Answer a whole stdin document: (JSON-ready answer or list of answers, exit code)."""
    try:
        document = _decode(raw)
    except QuoteError as error:
        return error_to_json(error.code, error.message), 2
    if isinstance(document, list):
        answers = [answer_item(catalog, item) for item in document]
        failed = any(not ok for _, ok in answers)
        return [answer for answer, _ in answers], 2 if failed else 0
    answer, ok = answer_item(catalog, document)
    return answer, 0 if ok else 2


def quote_to_json(result: Quote) -> JsonObject:
    """The answer of docs/quote-contract.md, key for key."""
    charge, renewal = result.charge_now, result.at_renewal
    return {
        "charge_now": {
            "lines": [
                {
                    "kind": line.kind,
                    "quantity": line.quantity,
                    "unit_cents": line.unit_cents,
                    "days": line.days,
                    "period_days": line.period_days,
                    "amount_cents": line.amount_cents,
                }
                for line in charge.lines
            ],
            "net_cents": charge.net_cents,
            "vat_cents": charge.vat_cents,
            "gross_cents": charge.gross_cents,
        },
        "effective_now": configuration_to_json(result.effective_now),
        "at_renewal": {
            "date": renewal.date.isoformat(),
            **configuration_to_json(renewal.configuration),
            "net_cents": renewal.net_cents,
            "vat_cents": renewal.vat_cents,
            "gross_cents": renewal.gross_cents,
        },
        "scheduled": result.scheduled,
    }


def configuration_to_json(configuration: Configuration) -> JsonObject:
    return {
        "plan": configuration.plan,
        "cycle": str(configuration.cycle),
        "seats": configuration.seats,
    }


def error_to_json(code: str, message: str) -> JsonObject:
    return {"error": {"code": code, "message": message}}


def catalog_error_to_json(error: CatalogError) -> JsonObject:
    return error_to_json("invalid_catalog", str(error))


def contract_message(error: QuoteError) -> str:
    """The UI message with the JSON path added: 'Numero utenti (target.seats): ...'."""
    label = FIELD_LABELS.get(error.field)
    prefix = f"{label}: "
    if error.field and label and error.message.startswith(prefix):
        return f"{label} ({error.field}): {error.message[len(prefix) :]}"
    if error.field:
        return f"{error.field}: {error.message}"
    return error.message


def _decode(raw: str | bytes) -> Any:
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise QuoteError("invalid_json", "", "JSON non valido: il testo non è UTF-8.") from None
    if not raw.strip():
        raise QuoteError("invalid_json", "", "JSON non valido: nessuna richiesta ricevuta.")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise QuoteError(
            "invalid_json",
            "",
            f"JSON non valido alla riga {error.lineno}, colonna {error.colno} ({error.msg}).",
        ) from None
    except (ValueError, RecursionError) as error:  # huge integers, absurd nesting
        raise QuoteError("invalid_json", "", f"JSON non valido ({error}).") from None


def _object(
    value: object, path: str, fields: tuple[str, ...], required: tuple[str, ...] | None = None
) -> JsonObject:
    """A JSON object with exactly the expected fields: unknown keys are typos, not extras."""
    if not isinstance(value, dict):
        raise _error(
            "invalid_type", path, f"deve essere un oggetto con i campi {', '.join(fields)}."
        )
    for key in value:
        if key not in fields:
            shown = str(key) if len(str(key)) <= 40 else str(key)[:37] + "..."
            raise _error(
                "unknown_field",
                path,
                f"campo non previsto '{shown}' (campi ammessi: {', '.join(fields)}).",
            )
    for key in fields if required is None else required:
        if key not in value:
            raise _error("missing_field", _join(path, key), "campo obbligatorio mancante.")
    return value


def _current(value: object) -> CurrentTerm:
    current = _object(value, "current", CURRENT_FIELDS)
    return CurrentTerm(
        configuration=_configuration(current, "current"),
        period_start=_date(current, "period_start", "current.period_start"),
        period_end=_date(current, "period_end", "current.period_end"),
    )


def _configuration(fields: JsonObject, path: str) -> Configuration:
    plan = fields["plan"]
    if not isinstance(plan, str):
        raise _error("invalid_type", f"{path}.plan", "deve essere il codice del piano (testo).")
    cycle = fields["cycle"]
    if cycle not in _CYCLES:  # also rejects non-strings, which are never equal to a cycle
        raise _error("invalid_cycle", f"{path}.cycle", 'deve essere "monthly" o "annual".')
    seats = fields["seats"]
    if isinstance(seats, bool) or not isinstance(seats, int):
        raise _error("invalid_type", f"{path}.seats", "deve essere un numero intero.")
    return Configuration(plan, Cycle(cycle), seats)


def _date(fields: JsonObject, key: str, path: str) -> date:
    value = fields[key]
    if not isinstance(value, str):
        raise _error("invalid_type", path, 'deve essere una data "AAAA-MM-GG" (testo).')
    if _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    shown = value if len(value) <= 40 else value[:37] + "..."
    raise _error("invalid_date", path, f"'{shown}' non è una data valida nel formato AAAA-MM-GG.")


def _error(code: str, path: str, detail: str) -> QuoteError:
    if path:
        return field_error(code, path, detail)
    return QuoteError(code, "", f"Richiesta: {detail}")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key

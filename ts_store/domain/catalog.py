"""The plan catalogue: prices, seat limits and features, read from a TOML file.

The product team edits the file by hand, so loading validates everything and stops at the first
problem with one message naming the file, the plan and the field (docs/billing-policy.md).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, NoReturn

from ts_store.domain.periods import Cycle

CATALOG_ENV_VAR = "TS_STORE_CATALOG"
# How messages name a catalogue typed in the product team's sandbox ("Catalogo di prova: ...").
DRAFT_SOURCE = "di prova"
CURRENCY = "EUR"

_TOP_FIELDS = ("currency", "vat_percent", "trial_days", "retention_days", "plans")
_PLAN_FIELDS = (
    "code",
    "name",
    "monthly_cents",
    "annual_cents",
    "min_seats",
    "max_seats",
    "features",
)
_CODE_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
_DECIMAL_PATTERN = re.compile(r"[0-9]+(\.[0-9]+)?")


class CatalogError(ValueError):
    """An unusable catalogue; the message says where (file, plan, field) and what is wrong."""

    def __init__(
        self, source: str, detail: str, *, plan: str | None = None, field: str | None = None
    ) -> None:
        self.source, self.detail, self.plan, self.field = source, detail, plan, field
        where = [f"Catalogo {source}"]
        if plan is not None:
            where.append(f"piano {plan}")
        if field is not None:
            where.append(f"campo '{field}'")
        super().__init__(f"{', '.join(where)}: {detail}")


class UnknownPlanError(KeyError):
    """A plan code that the catalogue does not list."""

    def __init__(self, code: str, known: tuple[str, ...]) -> None:
        super().__init__(code)
        self.code, self.known = code, known

    def __str__(self) -> str:
        return f"piano sconosciuto {self.code!r} (piani disponibili: {', '.join(self.known)})"


@dataclass(frozen=True)
class Plan:
    code: str
    name: str
    monthly_cents: int
    annual_cents: int
    min_seats: int
    max_seats: int
    features: tuple[str, ...]

    def unit_cents(self, cycle: Cycle) -> int:
        """Price of one user for one whole period of `cycle`, VAT excluded."""
        if cycle == Cycle.MONTHLY:
            return self.monthly_cents
        if cycle == Cycle.ANNUAL:
            return self.annual_cents
        raise ValueError(f"unknown billing cycle {cycle!r}")

    def annual_saving_cents(self) -> int:
        """What one user saves in a year by paying annually (negative if annual costs more)."""
        return 12 * self.monthly_cents - self.annual_cents

    def allows_seats(self, seats: int) -> bool:
        return self.min_seats <= seats <= self.max_seats


@dataclass(frozen=True)
class Catalog:
    currency: str
    vat_percent: Fraction
    trial_days: int
    retention_days: int
    plans: tuple[Plan, ...]
    _by_code: dict[str, Plan] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {plan.code: plan for plan in self.plans})

    def plan(self, code: str) -> Plan:
        try:
            return self._by_code[code]
        except (KeyError, TypeError):
            raise UnknownPlanError(code, self.plan_codes()) from None

    def has_plan(self, code: str) -> bool:
        try:
            return code in self._by_code
        except TypeError:
            return False

    def plan_codes(self) -> tuple[str, ...]:
        return tuple(plan.code for plan in self.plans)

    def all_features(self) -> tuple[str, ...]:
        """Every feature once, in order of first appearance: the rows of the comparison table."""
        return tuple(dict.fromkeys(feat for plan in self.plans for feat in plan.features))


def default_catalog_path() -> Path:
    """The catalogue shipped with the package (the table of docs/billing-policy.md)."""
    return Path(__file__).with_name("catalog.toml")


def load_catalog(path: str | os.PathLike[str] | None = None) -> Catalog:
    """Read and validate a catalogue: `path`, else $TS_STORE_CATALOG, else the packaged one."""
    if path is None:
        path = os.environ.get(CATALOG_ENV_VAR) or default_catalog_path()
    source = os.fspath(path)
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as error:
        raise CatalogError(source, f"impossibile leggere il file ({error.strerror})") from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise CatalogError(source, f"TOML non valido: {error}") from error
    return parse_catalog(data, source)


def parse_catalog(data: Mapping[str, Any], source: str = "<catalogo>") -> Catalog:
    """Validate an already-parsed catalogue document (what tomllib returns)."""
    where = _Where(source)
    _check_fields(data, _TOP_FIELDS, where)
    if data["currency"] != CURRENCY:
        where.fail("currency", f'deve essere "{CURRENCY}", trovato {_show(data["currency"])}')
    return Catalog(
        currency=CURRENCY,
        vat_percent=_vat_percent(data["vat_percent"], where),
        trial_days=_integer(data, "trial_days", 0, where),
        retention_days=_integer(data, "retention_days", 0, where),
        plans=_parse_plans(data["plans"], source),
    )


@dataclass(frozen=True)
class _Where:
    """Where a value sits in the file, to build the error message."""

    source: str
    plan: str | None = None

    def fail(self, field_name: str | None, detail: str) -> NoReturn:
        raise CatalogError(self.source, detail, plan=self.plan, field=field_name)


def _parse_plans(raw: object, source: str) -> tuple[Plan, ...]:
    where = _Where(source)
    if not isinstance(raw, list):
        where.fail("plans", f"deve essere un elenco di [[plans]], trovato {_show(raw)}")
    if not raw:
        where.fail("plans", "nessun piano definito: serve almeno un [[plans]]")
    plans: list[Plan] = []
    for number, item in enumerate(raw, start=1):
        plan = _parse_plan(item, number, source)
        earlier = [n for n, other in enumerate(plans, start=1) if other.code == plan.code]
        if earlier:
            _Where(source, _plan_label(plan.code, number)).fail(
                "code", f"codice duplicato: '{plan.code}' è già usato dal piano n. {earlier[0]}"
            )
        plans.append(plan)
    return tuple(plans)


def _parse_plan(raw: object, number: int, source: str) -> Plan:
    if not isinstance(raw, dict):
        _Where(source, f"n. {number}").fail(None, f"deve essere una tabella, trovato {_show(raw)}")
    code = raw.get("code")
    where = _Where(source, _plan_label(code, number))
    _check_fields(raw, _PLAN_FIELDS, where)
    if not isinstance(code, str) or not _CODE_PATTERN.fullmatch(code):
        where.fail(
            "code",
            "deve essere un codice in minuscolo (lettere, cifre, '-' o '_'), "
            f"trovato {_show(code)}",
        )
    name = raw["name"]
    if not isinstance(name, str) or not name.strip():
        where.fail("name", f"deve essere un testo non vuoto, trovato {_show(name)}")
    min_seats = _integer(raw, "min_seats", 1, where)
    return Plan(
        code=code,
        name=name.strip(),
        monthly_cents=_integer(raw, "monthly_cents", 0, where),
        annual_cents=_integer(raw, "annual_cents", 0, where),
        min_seats=min_seats,
        max_seats=_integer(raw, "max_seats", min_seats, where, "min_seats"),
        features=_features(raw["features"], where),
    )


def _plan_label(code: object, number: int) -> str:
    if isinstance(code, str) and code:
        return f"'{code}' (n. {number})"
    return f"n. {number}"


def _check_fields(table: Mapping[str, Any], expected: tuple[str, ...], where: _Where) -> None:
    unknown = [key for key in table if key not in expected]
    if unknown:
        where.fail(unknown[0], f"campo sconosciuto (campi ammessi: {', '.join(expected)})")
    for name in expected:
        if name not in table:
            where.fail(name, "campo obbligatorio mancante")


def _integer(
    table: Mapping[str, Any], name: str, minimum: int, where: _Where, minimum_name: str = ""
) -> int:
    value = table[name]
    bound = f"{minimum_name} ({minimum})" if minimum_name else str(minimum)
    if isinstance(value, bool) or not isinstance(value, int):
        where.fail(name, f"deve essere un numero intero ≥ {bound}, trovato {_show(value)}")
    if value < minimum:
        where.fail(name, f"deve essere un numero intero ≥ {bound}, trovato {value}")
    return value


def _vat_percent(value: object, where: _Where) -> Fraction:
    """A decimal string such as "22" or "22.5" (or an integer): exact, never a float."""
    is_decimal_text = isinstance(value, str) and _DECIMAL_PATTERN.fullmatch(value)
    is_integer = isinstance(value, int) and not isinstance(value, bool)
    if not (is_decimal_text or is_integer):
        where.fail(
            "vat_percent",
            f'deve essere una percentuale scritta come testo, ad esempio "22" o "22.5", '
            f"trovato {_show(value)}",
        )
    rate = Fraction(value)
    if not 0 <= rate < 100:
        where.fail("vat_percent", f"deve essere tra 0 (incluso) e 100 (escluso), trovato {value}")
    return rate


def _features(value: object, where: _Where) -> tuple[str, ...]:
    if not isinstance(value, list):
        where.fail("features", f"deve essere un elenco di testi, trovato {_show(value)}")
    for position, feature in enumerate(value, start=1):
        if not isinstance(feature, str) or not feature.strip():
            where.fail(
                "features",
                f"la voce n. {position} deve essere un testo non vuoto, trovato {_show(feature)}",
            )
    features = tuple(feature.strip() for feature in value)
    if len(set(features)) != len(features):
        where.fail("features", "contiene voci ripetute")
    return features


_TYPE_NAMES = {
    bool: "un booleano",
    int: "un intero",
    float: "un numero decimale",
    str: "un testo",
    list: "un elenco",
    dict: "una tabella",
}


def _show(value: object) -> str:
    """A short, readable description of a bad value for the error message."""
    kind = _TYPE_NAMES.get(type(value), type(value).__name__)
    if isinstance(value, bool):
        return f"{kind} ({str(value).lower()})"
    if isinstance(value, list | dict):
        return kind
    text = repr(value)
    return f"{kind} ({text if len(text) <= 40 else text[:37] + '...'})"

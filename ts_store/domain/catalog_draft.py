"""The draft catalogue as the product team types it: a form in euros, checked field by field.

Prices are typed in euros ("27", "27,00", "27.5", "1.234,50") and become integer cents here,
never through a float. Every problem names the plan and the field as the form labels them, and
all problems are returned at once so the form can mark each field. A form without problems
becomes a `Catalog` through `parse_catalog`, the same validation as the catalogue file.

"Mantieni lo sconto annuale": when the monthly price changes, the annual price follows it at the
ratio annual/monthly of the prices the plan had before the edit, rounded once, half-up, to the
cent (docs/catalog-lab.md, "Bozza del catalogo").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from fractions import Fraction

from ts_store.domain.catalog import DRAFT_SOURCE, Catalog, CatalogError, Plan, parse_catalog
from ts_store.domain.money import EuroAmountError, round_half_up
from ts_store.domain.money import parse_euros as parse_typed_euros

# Sizes a form may carry: beyond these a value is a typo (or an attack), not a price list.
MAX_PRICE_CENTS = 10_000_000  # 100.000,00 € per user per period
MAX_AMOUNT_CHARS = 20
MAX_PLANS = 12
MAX_SEATS = 100_000
MAX_FEATURES = 30
MAX_FEATURE_CHARS = 120
MAX_NAME_CHARS = 60
MAX_CODE_CHARS = 30
MAX_TRIAL_DAYS = 365
MAX_RETENTION_DAYS = 3650

FIELD_LABELS: dict[str, str] = {
    "code": "codice",
    "name": "nome",
    "monthly": "prezzo mensile per utente",
    "annual": "prezzo annuale per utente",
    "min_seats": "utenti minimi",
    "max_seats": "utenti massimi",
    "features": "caratteristiche",
    "vat_percent": "IVA (%)",
    "trial_days": "giorni di prova",
    "retention_days": "giorni di conservazione dei dati",
    "plans": "piani",
}
PLAN_FIELDS = ("code", "name", "monthly", "annual", "min_seats", "max_seats", "features")
CATALOG_FIELDS = ("vat_percent", "trial_days", "retention_days")

_CODE_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")


class AmountError(ValueError):
    """An amount or a percentage that cannot be read; the message is Italian, without the field."""


def parse_euros(text: object, *, maximum_cents: int = MAX_PRICE_CENTS) -> int:
    """Euros as typed ("27", "27,00", "27.5", "1.234,50 €") -> integer cents (2700, 2750 …)."""
    return _parse_decimal(text, maximum=maximum_cents, unit="importo", example="27 o 27,50")


def parse_percent(text: object) -> Fraction:
    """A percentage as typed ("22", "22,5") -> exact points; from 0 (included) to 100 (excluded)."""
    hundredths = _parse_decimal(text, maximum=9_999, unit="percentuale", example="22 o 22,5")
    return Fraction(hundredths, 100)


def _parse_decimal(text: object, *, maximum: int, unit: str, example: str) -> int:
    """A non-negative decimal with at most 2 decimals, in hundredths, read as every amount typed
    in the store is read (`money.parse_euros`); the words name the unit and give an example."""
    cleaned = text.strip().removesuffix("%") if isinstance(text, str) else text
    if isinstance(cleaned, str) and len(cleaned.strip()) > MAX_AMOUNT_CHARS:
        raise AmountError(f"{unit} troppo lungo: al massimo {MAX_AMOUNT_CHARS} caratteri.")
    try:
        value = parse_typed_euros(cleaned)
    except EuroAmountError as error:
        shown = str(cleaned).strip()
        raise AmountError(
            {
                "empty": f"scrivi un {unit}, ad esempio {example}.",
                "negative": f"non può essere negativo (trovato {shown}).",
                "too_many_decimals": f"al massimo 2 decimali (trovato {shown}).",
            }.get(error.code, f"«{shown}» non è un {unit}: scrivi ad esempio {example}.")
        ) from error
    if value > maximum:
        shown = f"{maximum // 100:,}".replace(",", ".") + f",{maximum % 100:02d}"
        raise AmountError(f"al massimo {shown} (trovato {str(cleaned).strip()}).")
    return value


def euros_text(cents: int) -> str:
    """Integer cents as the form shows them for editing: 2700 -> "27,00" (no thousands dots)."""
    return f"{cents // 100},{cents % 100:02d}"


def percent_text(value: Fraction) -> str:
    """Points as the form shows them: 22 -> "22", 22.5 -> "22,5"."""
    hundredths = round_half_up(value * 100)
    whole, rest = divmod(hundredths, 100)
    return str(whole) if rest == 0 else f"{whole},{rest:02d}".rstrip("0")


def annual_discount(monthly_cents: int, annual_cents: int) -> Fraction | None:
    """The annual discount in points: 1 - annual / (12 × monthly); None when monthly is free."""
    if monthly_cents <= 0:
        return None
    return (1 - Fraction(annual_cents, 12 * monthly_cents)) * 100


def annual_keeping_discount(
    basis_monthly_cents: int, basis_annual_cents: int, monthly_cents: int
) -> int | None:
    """The annual price that keeps the basis pair's discount for a new monthly price.

    annual = monthly × basis_annual / basis_monthly, rounded once, half-up, to the cent
    (2500/25000 -> 2700 gives 27000). None when the basis monthly price is 0 (no discount to
    keep): the annual price is then left as it is.
    """
    if basis_monthly_cents <= 0:
        return None
    return round_half_up(Fraction(monthly_cents * basis_annual_cents, basis_monthly_cents))


@dataclass
class PlanForm:
    """One plan of the form, as typed (features one per line)."""

    code: str = ""
    name: str = ""
    monthly: str = ""
    annual: str = ""
    min_seats: str = "1"
    max_seats: str = "1"
    features: str = ""


@dataclass
class CatalogForm:
    vat_percent: str = "22"
    trial_days: str = "15"
    retention_days: str = "60"
    plans: list[PlanForm] = field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    """One field to fix: `plan` is the plan's position (0-based) or None for the catalogue."""

    plan: int | None
    field: str
    message: str


def form_from_catalog(catalog: Catalog) -> CatalogForm:
    return CatalogForm(
        vat_percent=percent_text(catalog.vat_percent),
        trial_days=str(catalog.trial_days),
        retention_days=str(catalog.retention_days),
        plans=[plan_form(plan) for plan in catalog.plans],
    )


def plan_form(plan: Plan) -> PlanForm:
    return PlanForm(
        code=plan.code,
        name=plan.name,
        monthly=euros_text(plan.monthly_cents),
        annual=euros_text(plan.annual_cents),
        min_seats=str(plan.min_seats),
        max_seats=str(plan.max_seats),
        features="\n".join(plan.features),
    )


def plan_label(form: PlanForm, position: int) -> str:
    """How messages name a plan: its name, else its code, else its position."""
    name = form.name.strip() if isinstance(form.name, str) else ""
    code = form.code.strip() if isinstance(form.code, str) else ""
    shown = name or code
    if shown:
        return f"Piano {shown[:MAX_NAME_CHARS]}"
    return f"Piano n. {position + 1}"


def check_form(form: CatalogForm) -> tuple[Catalog | None, list[Problem]]:
    """The catalogue the form describes, or every problem found (each naming plan and field)."""
    problems: list[Problem] = []
    data: dict[str, object] = {"currency": "EUR"}

    def fail(plan: int | None, name: str, detail: str) -> None:
        where = "Catalogo" if plan is None else plan_label(form.plans[plan], plan)
        problems.append(Problem(plan, name, f"{where}, {FIELD_LABELS[name]}: {detail}"))

    try:
        vat = parse_percent(form.vat_percent)
        data["vat_percent"] = _decimal_text(vat)
    except AmountError as error:
        fail(None, "vat_percent", str(error))
    data["trial_days"] = _count(form.trial_days, 0, MAX_TRIAL_DAYS, "trial_days", None, fail)
    data["retention_days"] = _count(
        form.retention_days, 0, MAX_RETENTION_DAYS, "retention_days", None, fail
    )
    if not form.plans:
        fail(None, "plans", "serve almeno un piano.")
    if len(form.plans) > MAX_PLANS:
        fail(None, "plans", f"al massimo {MAX_PLANS} piani.")
    plans = [_check_plan(form, index, fail) for index, _ in enumerate(form.plans[:MAX_PLANS])]
    data["plans"] = plans
    if problems:
        return None, problems
    try:
        return parse_catalog(data, DRAFT_SOURCE), []
    except CatalogError as error:  # pragma: no cover - the checks above are stricter
        return None, [Problem(None, "plans", str(error))]


def _check_plan(form: CatalogForm, index: int, fail) -> dict[str, object]:
    plan = form.plans[index]
    code = plan.code.strip() if isinstance(plan.code, str) else ""
    if not code:
        fail(index, "code", "scrivi un codice (lettere minuscole, cifre, '-' o '_').")
    elif len(code) > MAX_CODE_CHARS or not _CODE_PATTERN.fullmatch(code):
        fail(
            index,
            "code",
            f"usa solo lettere minuscole, cifre, '-' o '_' (al massimo {MAX_CODE_CHARS}).",
        )
    else:
        earlier = [
            n
            for n, other in enumerate(form.plans[:index])
            if isinstance(other.code, str) and other.code.strip() == code
        ]
        if earlier:
            fail(index, "code", f"il codice '{code}' è già usato dal piano n. {earlier[0] + 1}.")
    name = plan.name.strip() if isinstance(plan.name, str) else ""
    if not name:
        fail(index, "name", "scrivi il nome del piano.")
    elif len(name) > MAX_NAME_CHARS:
        fail(index, "name", f"al massimo {MAX_NAME_CHARS} caratteri.")
    prices = {}
    for key in ("monthly", "annual"):
        try:
            prices[key] = parse_euros(getattr(plan, key))
        except AmountError as error:
            fail(index, key, str(error))
    min_seats = _count(plan.min_seats, 1, MAX_SEATS, "min_seats", index, fail)
    max_seats = _count(plan.max_seats, 1, MAX_SEATS, "max_seats", index, fail)
    if min_seats is not None and max_seats is not None and max_seats < min_seats:
        fail(index, "max_seats", f"deve essere almeno pari agli utenti minimi ({min_seats}).")
    features = _features(plan.features, index, fail)
    return {
        "code": code,
        "name": name,
        "monthly_cents": prices.get("monthly", 0),
        "annual_cents": prices.get("annual", 0),
        "min_seats": min_seats or 1,
        "max_seats": max_seats or 1,
        "features": features,
    }


def _count(
    raw: object, minimum: int, maximum: int, name: str, plan: int | None, fail
) -> int | None:
    text = raw.strip() if isinstance(raw, str) else ""
    if not text.isdigit() or len(text) > 7:
        fail(plan, name, f"scrivi un numero intero da {minimum} a {maximum}.")
        return None
    value = int(text)
    if not minimum <= value <= maximum:
        fail(plan, name, f"deve essere da {minimum} a {maximum} (trovato {value}).")
        return None
    return value


def _features(raw: object, plan: int, fail) -> list[str]:
    if not isinstance(raw, str):
        fail(plan, "features", "scrivi una caratteristica per riga.")
        return []
    features = [line.strip() for line in raw.splitlines() if line.strip()]
    if len(features) > MAX_FEATURES:
        fail(plan, "features", f"al massimo {MAX_FEATURES} voci.")
    long = [n for n, item in enumerate(features, start=1) if len(item) > MAX_FEATURE_CHARS]
    if long:
        fail(plan, "features", f"la voce n. {long[0]} supera {MAX_FEATURE_CHARS} caratteri.")
    repeated = sorted({item for item in features if features.count(item) > 1})
    if repeated:
        fail(plan, "features", f"voce ripetuta: «{repeated[0]}».")
    return features


def _decimal_text(value: Fraction) -> str:
    """A percentage as the catalogue file writes it: "22", "22.5"."""
    return percent_text(value).replace(",", ".")


def catalog_to_toml(catalog: Catalog) -> str:
    """The catalogue as the file the store reads (TOML): the draft's export for power users."""
    lines = [
        "# Catalogo dei piani (importi in centesimi di euro, IVA esclusa).",
        f'currency = "{catalog.currency}"',
        f'vat_percent = "{_decimal_text(catalog.vat_percent)}"',
        f"trial_days = {catalog.trial_days}",
        f"retention_days = {catalog.retention_days}",
    ]
    for plan in catalog.plans:
        features = ", ".join(_toml_string(item) for item in plan.features)
        lines += [
            "",
            "[[plans]]",
            f"code = {_toml_string(plan.code)}",
            f"name = {_toml_string(plan.name)}",
            f"monthly_cents = {plan.monthly_cents}",
            f"annual_cents = {plan.annual_cents}",
            f"min_seats = {plan.min_seats}",
            f"max_seats = {plan.max_seats}",
            f"features = [{features}]",
        ]
    return "\n".join(lines) + "\n"


def _toml_string(value: str) -> str:
    """A TOML basic string: JSON's escapes (\\", \\\\, \\n, \\uXXXX) are TOML's too."""
    return json.dumps(value, ensure_ascii=False)

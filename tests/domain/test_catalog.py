import copy
import itertools
import json
from fractions import Fraction
from pathlib import Path

import pytest

from ts_store.domain.catalog import (
    CatalogError,
    UnknownPlanError,
    default_catalog_path,
    load_catalog,
    parse_catalog,
)
from ts_store.domain.periods import Cycle

VALID = {
    "currency": "EUR",
    "vat_percent": "22",
    "trial_days": 15,
    "retention_days": 60,
    "plans": [
        {
            "code": "smart",
            "name": "Smart",
            "monthly_cents": 1500,
            "annual_cents": 15000,
            "min_seats": 1,
            "max_seats": 5,
            "features": ["Contatti e aziende"],
        },
        {
            "code": "pro",
            "name": "Pro",
            "monthly_cents": 2500,
            "annual_cents": 25000,
            "min_seats": 1,
            "max_seats": 50,
            "features": ["Contatti e aziende", "Email marketing"],
        },
    ],
}


def to_toml(document: dict) -> str:
    """Enough TOML for catalogue tests (JSON scalars and string lists are valid TOML)."""
    lines = [f"{key} = {json.dumps(value)}" for key, value in document.items() if key != "plans"]
    for plan in document.get("plans", []):
        lines.append("\n[[plans]]")
        lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in plan.items()]
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, document: dict, name: str = "catalogo.toml") -> Path:
    path = tmp_path / name
    path.write_text(to_toml(document), encoding="utf-8")
    return path


def broken(change) -> dict:
    document = copy.deepcopy(VALID)
    change(document)
    return document


def error_of(tmp_path: Path, document: dict) -> CatalogError:
    path = write(tmp_path, document)
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert str(path) in str(caught.value)
    return caught.value


# --- the packaged catalogue ------------------------------------------------------------


def test_default_catalogue_is_the_brief_table():
    catalog = load_catalog(default_catalog_path())
    rows = [
        (p.code, p.name, p.monthly_cents, p.annual_cents, p.min_seats, p.max_seats)
        for p in catalog.plans
    ]
    assert rows == [
        ("smart", "Smart", 1500, 15000, 1, 5),
        ("pro", "Pro", 2500, 25000, 1, 50),
        ("business", "Business", 4000, 40000, 3, 500),
    ]
    assert catalog.currency == "EUR"
    assert catalog.vat_percent == Fraction(22)
    assert (catalog.trial_days, catalog.retention_days) == (15, 60)


def test_default_catalogue_features_grow_with_the_plan():
    plans = load_catalog().plans
    for plan in plans:
        assert 3 <= len(plan.features) <= 5
    for lower, higher in itertools.pairwise(plans):
        assert set(lower.features) < set(higher.features)


def test_none_uses_the_environment_variable(tmp_path, monkeypatch):
    path = write(tmp_path, VALID)
    monkeypatch.setenv("TS_STORE_CATALOG", str(path))
    assert load_catalog().plan_codes() == ("smart", "pro")
    monkeypatch.delenv("TS_STORE_CATALOG")
    assert load_catalog().plan_codes() == ("smart", "pro", "business")


def test_plan_prices_and_saving():
    pro = load_catalog().plan("pro")
    assert pro.unit_cents(Cycle.MONTHLY) == 2500
    assert pro.unit_cents(Cycle.ANNUAL) == 25000
    assert pro.annual_saving_cents() == 5000


def test_unknown_plan_lookup():
    catalog = load_catalog()
    assert catalog.has_plan("pro")
    assert not catalog.has_plan("enterprise")
    assert not catalog.has_plan(["unhashable"])
    with pytest.raises(UnknownPlanError) as caught:
        catalog.plan("enterprise")
    assert isinstance(caught.value, KeyError)
    assert "enterprise" in str(caught.value)


def test_all_features_in_first_appearance_order():
    catalog = parse_catalog(VALID)
    assert catalog.all_features() == ("Contatti e aziende", "Email marketing")


def test_integer_vat_and_decimal_vat_are_exact(tmp_path):
    assert (
        load_catalog(write(tmp_path, broken(lambda d: d.update(vat_percent=22)))).vat_percent == 22
    )
    half = load_catalog(write(tmp_path, broken(lambda d: d.update(vat_percent="22.5"))))
    assert half.vat_percent == Fraction(45, 2)


# --- every validation error names file, plan and field ------------------------------------


def test_unknown_top_level_key(tmp_path):
    error = error_of(tmp_path, broken(lambda d: d.update(vat=22)))
    assert error.field == "vat" and error.plan is None
    assert "campo sconosciuto" in str(error)


def test_unknown_plan_key(tmp_path):
    error = error_of(tmp_path, broken(lambda d: d["plans"][1].update(price=3)))
    assert (error.plan, error.field) == ("'pro' (n. 2)", "price")
    assert "piano 'pro' (n. 2), campo 'price'" in str(error)


@pytest.mark.parametrize("field", ["currency", "vat_percent", "trial_days", "plans"])
def test_missing_top_level_field(tmp_path, field):
    error = error_of(tmp_path, broken(lambda d: d.pop(field)))
    assert error.field == field
    assert "mancante" in str(error)


@pytest.mark.parametrize(
    "field", ["code", "name", "monthly_cents", "annual_cents", "min_seats", "max_seats", "features"]
)
def test_missing_plan_field(tmp_path, field):
    error = error_of(tmp_path, broken(lambda d: d["plans"][0].pop(field)))
    assert error.field == field
    assert error.plan == ("n. 1" if field == "code" else "'smart' (n. 1)")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("monthly_cents", -1),
        ("monthly_cents", 15.5),
        ("monthly_cents", "1500"),
        ("annual_cents", True),
        ("min_seats", 0),
        ("max_seats", False),
        ("name", ""),
        ("name", 3),
        ("code", "Pro Plus"),
        ("code", 7),
        ("features", "Contatti"),
        ("features", ["Contatti", ""]),
        ("features", ["Contatti", 3]),
        ("features", ["Contatti", "Contatti"]),
    ],
)
def test_wrong_plan_values(tmp_path, field, value):
    error = error_of(tmp_path, broken(lambda d: d["plans"][0].update({field: value})))
    assert error.field == field
    assert error.plan is not None and "n. 1" in error.plan


def test_min_greater_than_max(tmp_path):
    error = error_of(tmp_path, broken(lambda d: d["plans"][1].update(min_seats=10, max_seats=9)))
    assert error.field == "max_seats"
    assert "min_seats (10)" in str(error)


def test_duplicate_codes(tmp_path):
    error = error_of(tmp_path, broken(lambda d: d["plans"][1].update(code="smart")))
    assert (error.plan, error.field) == ("'smart' (n. 2)", "code")
    assert "duplicato" in str(error)


def test_empty_plan_list(tmp_path):
    path = tmp_path / "vuoto.toml"
    path.write_text(to_toml(broken(lambda d: d.pop("plans"))) + "plans = []\n")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert caught.value.field == "plans"


def test_plans_not_an_array_of_tables():
    with pytest.raises(CatalogError) as caught:
        parse_catalog(broken(lambda d: d.update(plans=["smart"])), "x.toml")
    assert caught.value.plan == "n. 1"


@pytest.mark.parametrize("value", ["22%", "22,5", 22.0, "-1", "100", 100, True, "1/3", "1e1"])
def test_bad_vat_percent(tmp_path, value):
    error = error_of(tmp_path, broken(lambda d: d.update(vat_percent=value)))
    assert error.field == "vat_percent"


@pytest.mark.parametrize("value", ["USD", "eur", 978])
def test_currency_must_be_eur(tmp_path, value):
    error = error_of(tmp_path, broken(lambda d: d.update(currency=value)))
    assert error.field == "currency"


@pytest.mark.parametrize(("field", "value"), [("trial_days", -1), ("retention_days", "60")])
def test_bad_day_counts(tmp_path, field, value):
    assert error_of(tmp_path, broken(lambda d: d.update({field: value}))).field == field


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(CatalogError, match=r"non-esiste\.toml"):
        load_catalog(tmp_path / "non-esiste.toml")


def test_invalid_toml_names_the_file(tmp_path):
    path = tmp_path / "rotto.toml"
    path.write_text('currency = "EUR\n')
    with pytest.raises(CatalogError, match=r"rotto\.toml: TOML non valido"):
        load_catalog(path)


def test_not_utf8_is_a_catalog_error(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('currency = "€"\n'.encode("cp1252"))
    with pytest.raises(CatalogError):
        load_catalog(path)


def test_a_directory_is_a_catalog_error(tmp_path):
    with pytest.raises(CatalogError):
        load_catalog(tmp_path)

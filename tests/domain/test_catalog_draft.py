"""The draft catalogue typed in euros: amounts to cents, problems naming plan and field."""

from __future__ import annotations

import tomllib
from fractions import Fraction

import pytest

from ts_store.domain.catalog import load_catalog, parse_catalog
from ts_store.domain.catalog_draft import (
    AmountError,
    CatalogForm,
    PlanForm,
    annual_discount,
    annual_keeping_discount,
    catalog_to_toml,
    check_form,
    euros_text,
    form_from_catalog,
    parse_euros,
    parse_percent,
)


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("27", 2700),
        ("27,00", 2700),
        ("27.5", 2750),
        ("27,5", 2750),
        (" 27,05 € ", 2705),
        ("0", 0),
        ("1.234,50", 123450),
        ("99.999,99", 9_999_999),
        ("100000", 10_000_000),
    ],
)
def test_euros_typed_become_integer_cents(typed, cents):
    assert parse_euros(typed) == cents


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("27,001", "al massimo 2 decimali"),
        ("1.234", "al massimo 2 decimali"),  # a dot alone is the decimal point
        ("-5", "non può essere negativo"),
        ("100000,01", "al massimo 100.000,00"),
        ("9" * 21, "troppo lungo"),
        ("", "scrivi un importo"),
        ("ventisette", "non è un importo"),
        ("27,", "non è un importo"),
        ("1e3", "non è un importo"),
        ("nan", "non è un importo"),
    ],
)
def test_bad_amounts_are_refused_with_the_reason(typed, says):
    with pytest.raises(AmountError, match=says):
        parse_euros(typed)


def test_an_amount_that_is_not_text_is_refused():
    with pytest.raises(AmountError):
        parse_euros(27.5)  # a float never becomes money


def test_percent_is_exact_and_below_100():
    assert parse_percent("22") == 22
    assert parse_percent("22,5") == Fraction(45, 2)
    with pytest.raises(AmountError, match="al massimo 99,99"):
        parse_percent("100")


def test_annual_discount_of_the_packaged_prices_is_one_sixth():
    assert annual_discount(2500, 25000) == Fraction(50, 3)  # 16,67 %
    assert annual_discount(2500, 30000) == 0
    assert annual_discount(0, 0) is None  # a free plan has no discount


def test_keeping_the_discount_follows_the_monthly_price():
    assert annual_keeping_discount(2500, 25000, 2700) == 27000
    assert annual_discount(2700, 27000) == annual_discount(2500, 25000)


def test_keeping_the_discount_rounds_half_up_to_the_cent_once():
    # 2733 × 25500 / 2500 = 27876,6 -> 27877; 2525 × 25025 / 2500 = 25275,25 -> 25275
    assert annual_keeping_discount(2500, 25500, 2733) == 27877
    assert annual_keeping_discount(2500, 25025, 2525) == 25275
    # an exact half goes up: 1 × 25 / 2 = 12,5 -> 13
    assert annual_keeping_discount(2, 25, 1) == 13


def test_keeping_the_discount_of_a_free_plan_leaves_the_annual_price():
    assert annual_keeping_discount(0, 0, 1500) is None


def test_the_packaged_catalogue_round_trips_through_the_form():
    catalog = load_catalog()
    again, problems = check_form(form_from_catalog(catalog))
    assert problems == [] and again == catalog
    assert form_from_catalog(catalog).plans[1].monthly == "25,00"


def test_the_export_is_a_catalogue_file_the_store_reads_back():
    catalog = load_catalog()
    form = form_from_catalog(catalog)
    form.plans[0].name = 'Smart "base"\\ nuovo'
    form.plans[0].features += "\nVoce con à, € e \ttab"
    draft, _ = check_form(form)
    assert parse_catalog(tomllib.loads(catalog_to_toml(draft))) == draft


def _form(**plan) -> CatalogForm:
    base = dict(
        code="pro",
        name="Pro",
        monthly="27",
        annual="270",
        min_seats="1",
        max_seats="50",
        features="Contatti",
    )
    return CatalogForm(plans=[PlanForm(**{**base, **plan})])


def test_the_form_gives_integer_cents_to_the_catalogue():
    catalog, problems = check_form(_form(monthly="27,5", annual="275"))
    assert problems == []
    assert (catalog.plan("pro").monthly_cents, catalog.plan("pro").annual_cents) == (2750, 27500)


def test_problems_name_plan_and_field_as_the_form_labels_them():
    _, problems = check_form(_form(monthly="27,999", annual="-1", max_seats="0"))
    assert [(p.plan, p.field) for p in problems] == [
        (0, "monthly"),
        (0, "annual"),
        (0, "max_seats"),
    ]
    assert problems[0].message == (
        "Piano Pro, prezzo mensile per utente: al massimo 2 decimali (trovato 27,999)."
    )
    assert problems[1].message.startswith("Piano Pro, prezzo annuale per utente: non può")


def test_a_plan_without_name_or_code_is_named_by_position():
    _, problems = check_form(_form(code="", name=""))
    assert {p.message.split(",")[0] for p in problems} == {"Piano n. 1"}
    assert {p.field for p in problems} == {"code", "name"}


def test_duplicate_codes_and_repeated_features_are_refused():
    form = _form(features="A\nB\nA")
    form.plans.append(PlanForm(code="pro", name="Pro 2", monthly="1", annual="1", max_seats="5"))
    _, problems = check_form(form)
    assert [(p.plan, p.field) for p in problems] == [(0, "features"), (1, "code")]
    assert "già usato dal piano n. 1" in problems[1].message


def test_max_users_below_min_users_is_refused_on_max_users():
    _, problems = check_form(_form(min_seats="5", max_seats="3"))
    assert [(p.field, p.message) for p in problems] == [
        ("max_seats", "Piano Pro, utenti massimi: deve essere almeno pari agli utenti minimi (5).")
    ]


def test_absurd_sizes_are_refused():
    form = _form(max_seats="99999999", features="x" * 121)
    form.trial_days = "366"
    form.vat_percent = "22,123"
    _, problems = check_form(form)
    assert [(p.plan, p.field) for p in problems] == [
        (None, "vat_percent"),
        (None, "trial_days"),
        (0, "max_seats"),
        (0, "features"),
    ]


def test_a_catalogue_without_plans_is_refused():
    _, problems = check_form(CatalogForm(plans=[]))
    assert [(p.plan, p.field) for p in problems] == [(None, "plans")]


def test_too_many_plans_are_refused():
    form = CatalogForm(
        plans=[PlanForm(code=f"p{n}", name=f"P{n}", monthly="1", annual="1") for n in range(13)]
    )
    _, problems = check_form(form)
    assert [(p.plan, p.field) for p in problems] == [(None, "plans")]


def test_form_values_that_are_not_text_are_refused_not_crashed():
    form = _form()
    form.plans[0].monthly = None
    form.plans[0].min_seats = 3
    form.plans[0].features = ["a"]
    _, problems = check_form(form)
    assert {p.field for p in problems} == {"monthly", "min_seats", "features"}


def test_euros_text_is_what_the_form_shows():
    assert (euros_text(2700), euros_text(5), euros_text(123456)) == ("27,00", "0,05", "1234,56")

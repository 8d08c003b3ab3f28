"""The product team's pricing sandbox: a draft catalogue quoted by the domain; errors named."""

from __future__ import annotations

from datetime import date

import pytest

from ts_store.billing import pricing_sandbox
from ts_store.billing.catalog import current_catalog
from ts_store.billing.errors import InputError
from ts_store.ui.messages import message_for

# The live catalogue is the version in force, read from the database.
pytestmark = pytest.mark.usefixtures("db_url")

ARTICLE_CHANGE = {
    "today": "2026-11-28",
    "situation": "modifica",
    "current_plan": "pro",
    "current_cycle": "monthly",
    "current_seats": "2",
    "period_start": "2026-11-10",
    "target_plan": "pro",
    "target_cycle": "monthly",
    "target_seats": "5",
}


def _live() -> str:
    return pricing_sandbox.live_catalog_text()


def _with_pro_monthly(cents: int) -> str:
    text = _live()
    old = 'code = "pro"\nname = "Pro"\nmonthly_cents = 2500'
    assert old in text
    return text.replace(old, f'code = "pro"\nname = "Pro"\nmonthly_cents = {cents}')


def _error(text: str, form: dict) -> InputError:
    with pytest.raises(InputError) as caught:
        pricing_sandbox.sandbox_quote(text, form)
    return caught.value


def test_live_catalogue_text_is_the_catalogue_the_store_runs_on():
    assert pricing_sandbox.parse_draft(_live()) == current_catalog()


def test_article_example_with_the_live_catalogue_3000_660_3660():
    result = pricing_sandbox.sandbox_quote(_live(), ARTICLE_CHANGE)
    charge = result.quote.charge_now
    assert (charge.net_cents, charge.vat_cents, charge.gross_cents) == (3000, 660, 3660)
    assert result.period_end == date(2026, 12, 10)
    assert result.quote.at_renewal.gross_cents == 15250


def test_pro_at_30_euro_in_the_draft_prices_the_rateo_at_3600_plus_792():
    result = pricing_sandbox.sandbox_quote(_with_pro_monthly(3000), ARTICLE_CHANGE)
    charge = result.quote.charge_now
    assert (charge.net_cents, charge.vat_cents, charge.gross_cents) == (3600, 792, 4392)
    assert result.catalog.plan("pro").monthly_cents == 3000
    assert current_catalog().plan("pro").monthly_cents == 2500  # the live one is untouched


def test_new_purchase_business_annual_3_users_on_28_nov():
    form = {**ARTICLE_CHANGE, "situation": "acquisto", "target_plan": "business"}
    form.update(target_cycle="annual", target_seats="3")
    result = pricing_sandbox.sandbox_quote(_live(), form)
    assert result.period_end is None
    assert result.quote.charge_now.gross_cents == 3 * 40000 * 122 // 100
    assert result.quote.at_renewal.date == date(2027, 11, 28)


def test_invalid_toml_names_the_catalogue():
    error = _error("currency = ", ARTICLE_CHANGE)
    assert error.field == "catalog"
    assert message_for(error).startswith("Catalogo di prova: TOML non valido")


def test_plan_error_in_the_draft_names_the_plan_and_the_field():
    error = _error(_with_pro_monthly(-5), ARTICLE_CHANGE)
    assert error.field == "catalog"
    assert message_for(error) == (
        "Catalogo di prova, piano 'pro' (n. 2), campo 'monthly_cents': deve essere un numero "
        "intero ≥ 0, trovato -5"
    )


def test_empty_draft_asks_for_a_catalogue():
    assert message_for(_error("  ", ARTICLE_CHANGE)) == (
        "Catalogo: incolla o scrivi il catalogo (TOML)."
    )


def test_draft_over_50000_characters_is_refused():
    error = _error(_live() + "#" * 50_000, ARTICLE_CHANGE)
    assert error.field == "catalog" and "50000" in message_for(error)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("today", "28/11/2026", "Data: la data non è valida"),
        ("today", "", "Data: scegli una data."),
        ("period_start", "2026-13-01", "Inizio del periodo in corso: la data non è valida"),
        ("target_plan", "gold", "Piano: scegli uno dei piani del catalogo (smart, pro, business)"),
        ("current_plan", "", "Piano attuale: scegli uno dei piani"),
        ("target_cycle", "weekly", "Fatturazione: scegli mensile o annuale."),
        ("current_seats", "0", "Utenti attuali: inserisci un numero intero di utenti"),
        ("target_seats", "tre", "Utenti: inserisci un numero intero di utenti"),
        ("situation", "rinnovo", "Situazione: scegli"),
    ],
)
def test_bad_form_value_names_its_field(field, value, expected):
    error = _error(_live(), {**ARTICLE_CHANGE, field: value})
    assert error.field == field
    assert message_for(error).startswith(expected)


def test_today_outside_the_period_points_at_the_date():
    error = _error(_live(), {**ARTICLE_CHANGE, "today": "2026-12-15"})
    assert error.field == "today"
    assert "fuori dal periodo in corso" in message_for(error)


def test_users_above_the_plan_maximum_point_at_the_users():
    error = _error(_live(), {**ARTICLE_CHANGE, "target_plan": "smart", "target_seats": "9"})
    assert error.field == "target_seats"
    assert "Smart" in message_for(error)


def test_a_plan_added_in_the_draft_can_be_quoted():
    draft = _live() + (
        '\n[[plans]]\ncode = "enterprise"\nname = "Enterprise"\nmonthly_cents = 6000\n'
        'annual_cents = 60000\nmin_seats = 10\nmax_seats = 1000\nfeatures = ["Tutto"]\n'
    )
    form = {**ARTICLE_CHANGE, "target_plan": "enterprise", "target_seats": "10"}
    result = pricing_sandbox.sandbox_quote(draft, form)
    assert result.quote.effective_now.plan == "enterprise"
    assert result.quote.charge_now.net_cents > 0

from datetime import date

import pytest

from ts_store.domain.catalog import load_catalog
from ts_store.domain.quote import (
    ChargeLine,
    Configuration,
    CurrentTerm,
    QuoteError,
    quote,
    renewal_amount,
)

CATALOG = load_catalog()
MONTHLY, ANNUAL = "monthly", "annual"
NOV_10, DEC_10 = date(2026, 11, 10), date(2026, 12, 10)


def term(plan, cycle, seats, start=NOV_10, end=DEC_10) -> CurrentTerm:
    return CurrentTerm(Configuration(plan, cycle, seats), start, end)


def kinds(result) -> list[str]:
    return [line.kind for line in result.charge_now.lines]


def quote_error(catalog, today, current, target) -> QuoteError:
    with pytest.raises(QuoteError) as caught:
        quote(catalog, today, current, target)
    return caught.value


def write_catalog(tmp_path, plans: str):
    path = tmp_path / "catalogo.toml"
    header = 'currency = "EUR"\nvat_percent = "22"\ntrial_days = 15\nretention_days = 60\n'
    path.write_text(header + plans, encoding="utf-8")
    return load_catalog(path)


def plan_toml(code, monthly, annual, min_seats=1, max_seats=100) -> str:
    return (
        f'\n[[plans]]\ncode = "{code}"\nname = "{code.title()}"\nmonthly_cents = {monthly}\n'
        f"annual_cents = {annual}\nmin_seats = {min_seats}\nmax_seats = {max_seats}\n"
        'features = ["Contatti e aziende"]\n'
    )


# --- the article's example -------------------------------------------------------------


def test_article_example_2_to_5_users_28_nov():
    result = quote(
        CATALOG, date(2026, 11, 28), term("pro", MONTHLY, 2), Configuration("pro", MONTHLY, 5)
    )
    assert result.charge_now.lines == (ChargeLine("added_seats", 3, 2500, 12, 30, 3000),)
    charge = result.charge_now
    assert (charge.net_cents, charge.vat_cents, charge.gross_cents) == (3000, 660, 3660)
    assert result.effective_now == Configuration("pro", MONTHLY, 5)
    renewal = result.at_renewal
    assert renewal.date == DEC_10
    assert renewal.configuration == Configuration("pro", MONTHLY, 5)
    assert (renewal.net_cents, renewal.vat_cents, renewal.gross_cents) == (12500, 2750, 15250)
    assert result.scheduled is False


# --- purchases ---------------------------------------------------------------------------


def test_purchase_pays_the_first_full_period():
    result = quote(CATALOG, date(2026, 11, 28), None, Configuration("business", ANNUAL, 3))
    assert result.charge_now.lines == (ChargeLine("new_period", 3, 40000, 365, 365, 120000),)
    assert result.charge_now.gross_cents == 146400
    assert result.effective_now == Configuration("business", ANNUAL, 3)
    assert result.at_renewal.date == date(2027, 11, 28)
    assert result.at_renewal.net_cents == 120000
    assert result.scheduled is False


def test_purchase_on_31_jan_runs_to_28_feb():
    result = quote(CATALOG, date(2026, 1, 31), None, Configuration("smart", MONTHLY, 1))
    (line,) = result.charge_now.lines
    assert (line.days, line.period_days, line.amount_cents) == (28, 28, 1500)
    assert result.at_renewal.date == date(2026, 2, 28)


def test_purchase_too_close_to_year_9999_is_an_error_not_a_crash():
    error = quote_error(CATALOG, date(9999, 12, 20), None, Configuration("pro", MONTHLY, 1))
    assert (error.code, error.field) == ("invalid_date", "today")


# --- changes -----------------------------------------------------------------------------


def test_no_op_target_charges_nothing_and_schedules_nothing():
    result = quote(
        CATALOG, date(2026, 11, 20), term("pro", MONTHLY, 4), Configuration("pro", MONTHLY, 4)
    )
    assert result.charge_now.lines == ()
    assert (result.charge_now.net_cents, result.charge_now.gross_cents) == (0, 0)
    assert result.effective_now == Configuration("pro", MONTHLY, 4)
    assert result.scheduled is False


def test_fewer_seats_wait_for_the_renewal():
    result = quote(
        CATALOG, date(2026, 11, 20), term("pro", MONTHLY, 4), Configuration("pro", MONTHLY, 2)
    )
    assert result.charge_now.gross_cents == 0
    assert result.effective_now == Configuration("pro", MONTHLY, 4)
    assert result.at_renewal.configuration == Configuration("pro", MONTHLY, 2)
    assert result.at_renewal.net_cents == 5000
    assert result.scheduled is True


def test_upgrade_plus_fewer_seats():
    """Pro x5 -> Business x3 on day 20 of 30: the plan changes now for the 5 seats held."""
    result = quote(
        CATALOG, date(2026, 11, 20), term("pro", MONTHLY, 5), Configuration("business", MONTHLY, 3)
    )
    # 5 * (4000 - 2500) * 20/30 = 5000
    assert result.charge_now.lines == (ChargeLine("upgrade", 5, 1500, 20, 30, 5000),)
    assert result.effective_now == Configuration("business", MONTHLY, 5)
    assert result.at_renewal.configuration == Configuration("business", MONTHLY, 3)
    assert result.at_renewal.net_cents == 12000
    assert result.scheduled is True


def test_downgrade_plus_more_seats():
    """Pro x2 -> Smart x4: the seats are added now at the Pro price, Smart waits."""
    result = quote(
        CATALOG, date(2026, 11, 28), term("pro", MONTHLY, 2), Configuration("smart", MONTHLY, 4)
    )
    assert result.charge_now.lines == (ChargeLine("added_seats", 2, 2500, 12, 30, 2000),)
    assert result.effective_now == Configuration("pro", MONTHLY, 4)
    assert result.at_renewal.configuration == Configuration("smart", MONTHLY, 4)
    assert result.at_renewal.net_cents == 6000
    assert result.scheduled is True


def test_cycle_change_combined_with_an_upgrade():
    """Pro monthly x2 -> Business annual x3: plan and seats now (monthly), annual at renewal."""
    result = quote(
        CATALOG, date(2026, 11, 28), term("pro", MONTHLY, 2), Configuration("business", ANNUAL, 3)
    )
    assert result.charge_now.lines == (
        ChargeLine("upgrade", 2, 1500, 12, 30, 1200),
        ChargeLine("added_seats", 1, 4000, 12, 30, 1600),
    )
    assert (result.charge_now.net_cents, result.charge_now.vat_cents) == (2800, 616)
    assert result.effective_now == Configuration("business", MONTHLY, 3)
    assert result.at_renewal.configuration == Configuration("business", ANNUAL, 3)
    assert result.at_renewal.net_cents == 120000
    assert result.scheduled is True


def test_cycle_change_alone_waits_for_the_renewal():
    result = quote(
        CATALOG, date(2026, 11, 28), term("pro", MONTHLY, 2), Configuration("pro", ANNUAL, 2)
    )
    assert result.charge_now.lines == ()
    assert result.effective_now == Configuration("pro", MONTHLY, 2)
    assert result.at_renewal.net_cents == 50000
    assert result.scheduled is True


def test_annual_licence_compares_plans_in_the_annual_price():
    """Business annual -> Pro monthly x10: Pro is cheaper per year, so 7 Business seats now."""
    current = term("business", ANNUAL, 3, date(2026, 1, 1), date(2027, 1, 1))
    result = quote(CATALOG, date(2026, 7, 2), current, Configuration("pro", MONTHLY, 10))
    # 7 * 40000 * 183/365 = 140383.56... -> 140384
    assert result.charge_now.lines == (ChargeLine("added_seats", 7, 40000, 183, 365, 140384),)
    assert result.effective_now == Configuration("business", ANNUAL, 10)
    assert result.at_renewal.date == date(2027, 1, 1)
    assert result.at_renewal.net_cents == 25000


def test_lateral_plan_at_equal_price_applies_now_for_free(tmp_path):
    catalog = write_catalog(
        tmp_path, plan_toml("vendite", 2500, 25000) + plan_toml("marketing", 2500, 24000)
    )
    current = term("vendite", MONTHLY, 3)
    result = quote(catalog, date(2026, 11, 28), current, Configuration("marketing", MONTHLY, 3))
    assert result.charge_now.lines == ()
    assert result.charge_now.gross_cents == 0
    assert result.effective_now == Configuration("marketing", MONTHLY, 3)
    assert result.scheduled is False


def test_first_day_of_period_charges_the_whole_difference():
    result = quote(CATALOG, NOV_10, term("smart", MONTHLY, 2), Configuration("pro", MONTHLY, 3))
    assert [line.amount_cents for line in result.charge_now.lines] == [2000, 2500]


def test_last_day_of_period_charges_one_day():
    result = quote(
        CATALOG, date(2026, 12, 9), term("pro", MONTHLY, 2), Configuration("pro", MONTHLY, 5)
    )
    # 3 * 2500 / 30 = 250
    assert result.charge_now.lines == (ChargeLine("added_seats", 3, 2500, 1, 30, 250),)


def test_a_line_that_rounds_to_zero_is_omitted(tmp_path):
    catalog = write_catalog(tmp_path, plan_toml("base", 1, 10) + plan_toml("plus", 2, 20))
    current = term("base", MONTHLY, 1)
    result = quote(catalog, date(2026, 12, 9), current, Configuration("plus", MONTHLY, 1))
    assert result.charge_now.lines == ()  # 1 * 1 * 1/30 cent rounds to 0
    assert result.effective_now == Configuration("plus", MONTHLY, 1)


# --- seat limits -------------------------------------------------------------------------


def test_target_below_plan_minimum():
    error = quote_error(CATALOG, date(2026, 11, 28), None, Configuration("business", MONTHLY, 2))
    assert (error.code, error.field) == ("seats_out_of_range", "target.seats")
    assert error.message == "Numero utenti: il piano Business richiede almeno 3 utenti."


def test_target_above_plan_maximum():
    error = quote_error(
        CATALOG, date(2026, 11, 28), term("pro", MONTHLY, 2), Configuration("smart", MONTHLY, 6)
    )
    assert (error.code, error.field) == ("seats_out_of_range", "target.seats")
    assert error.message == "Numero utenti: il piano Smart consente al massimo 5 utenti."


def test_target_seats_at_the_limits_are_accepted():
    quote(CATALOG, date(2026, 11, 28), None, Configuration("business", MONTHLY, 3))
    quote(CATALOG, date(2026, 11, 28), None, Configuration("business", MONTHLY, 500))


@pytest.mark.parametrize("seats", [0, -1, True, 2.0, "3"])
def test_target_seats_must_be_a_positive_int(seats):
    error = quote_error(CATALOG, date(2026, 11, 28), None, Configuration("pro", MONTHLY, seats))
    assert error.field == "target.seats"


def test_current_seats_outside_their_plan():
    error = quote_error(
        CATALOG, date(2026, 11, 28), term("smart", MONTHLY, 6), Configuration("pro", MONTHLY, 6)
    )
    assert (error.code, error.field) == ("seats_out_of_range", "current.seats")


def test_configuration_in_force_now_must_respect_its_plan(tmp_path):
    """Solo x2 -> Team x10: Team is cheaper so Solo stays until renewal, but Solo allows 2."""
    catalog = write_catalog(
        tmp_path, plan_toml("solo", 5000, 50000, 1, 2) + plan_toml("team", 1000, 10000, 1, 100)
    )
    error = quote_error(
        catalog, date(2026, 11, 28), term("solo", MONTHLY, 2), Configuration("team", MONTHLY, 10)
    )
    assert (error.code, error.field) == ("seats_out_of_range", "target.seats")
    assert "Solo" in error.message and "10" in error.message


# --- plans and dates ---------------------------------------------------------------------


def test_unknown_target_plan():
    error = quote_error(CATALOG, date(2026, 11, 28), None, Configuration("enterprise", MONTHLY, 1))
    assert (error.code, error.field) == ("unknown_plan", "target.plan")
    assert "enterprise" in error.message and "smart, pro, business" in error.message


def test_unknown_current_plan():
    error = quote_error(
        CATALOG, date(2026, 11, 28), term("gold", MONTHLY, 1), Configuration("pro", MONTHLY, 1)
    )
    assert (error.code, error.field) == ("unknown_plan", "current.plan")


@pytest.mark.parametrize("today", [date(2026, 11, 9), DEC_10, date(2027, 1, 1)])
def test_today_outside_the_period(today):
    error = quote_error(CATALOG, today, term("pro", MONTHLY, 2), Configuration("pro", MONTHLY, 3))
    assert (error.code, error.field) == ("today_outside_period", "today")
    assert "dal 10/11/2026 al 09/12/2026" in error.message


@pytest.mark.parametrize("end", [NOV_10, date(2026, 11, 1)])
def test_period_end_not_after_start(end):
    error = quote_error(
        CATALOG, NOV_10, term("pro", MONTHLY, 2, NOV_10, end), Configuration("pro", MONTHLY, 3)
    )
    assert (error.code, error.field) == ("invalid_period", "current.period_end")


def test_configuration_rejects_an_unknown_cycle():
    with pytest.raises(ValueError):
        Configuration("pro", "weekly", 1)


def test_renewal_amount_of_one_full_period():
    assert renewal_amount(CATALOG, Configuration("pro", MONTHLY, 5)) == (12500, 2750, 15250)
    assert renewal_amount(CATALOG, Configuration("smart", ANNUAL, 1)) == (15000, 3300, 18300)

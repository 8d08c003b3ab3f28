"""Properties of the quote over random catalogues, periods and configurations."""

from datetime import date, timedelta

from hypothesis import assume, given, reject, settings
from hypothesis import strategies as st

from ts_store.domain.catalog import Catalog, parse_catalog
from ts_store.domain.money import round_half_up
from ts_store.domain.periods import Cycle, add_cycle
from ts_store.domain.quote import Configuration, CurrentTerm, QuoteError, quote, renewal_amount

CYCLES = st.sampled_from(list(Cycle))


@st.composite
def plans(draw, code: str) -> dict:
    min_seats = draw(st.integers(1, 5))
    return {
        "code": code,
        "name": code.title(),
        "monthly_cents": draw(st.integers(0, 200_000)),
        "annual_cents": draw(st.integers(0, 2_000_000)),
        "min_seats": min_seats,
        "max_seats": draw(st.integers(min_seats, min_seats + 200)),
        "features": ["Contatti e aziende"],
    }


@st.composite
def catalogs(draw) -> Catalog:
    codes = draw(
        st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=4, unique=True)
    )
    tenths = draw(st.integers(0, 999))
    vat = f"{tenths // 10}.{tenths % 10}" if tenths % 10 else str(tenths // 10)
    document = {
        "currency": "EUR",
        "vat_percent": vat,
        "trial_days": 15,
        "retention_days": 60,
        "plans": [draw(plans(code)) for code in codes],
    }
    return parse_catalog(document, "<hypothesis>")


@st.composite
def configurations(draw, catalog: Catalog, cycle=None) -> Configuration:
    plan = draw(st.sampled_from(catalog.plans))
    seats = draw(st.integers(plan.min_seats, plan.max_seats))
    return Configuration(plan.code, draw(CYCLES) if cycle is None else cycle, seats)


@st.composite
def terms(draw, catalog: Catalog) -> CurrentTerm:
    configuration = draw(configurations(catalog))
    start = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
    return CurrentTerm(configuration, start, add_cycle(start, configuration.cycle, start.day))


@st.composite
def days_in(draw, current: CurrentTerm) -> date:
    length = (current.period_end - current.period_start).days
    return current.period_start + timedelta(days=draw(st.integers(0, length - 1)))


def quote_or_reject(catalog, today, current, target):
    """Random targets can break the limits of the plan kept until renewal: skip those only."""
    try:
        return quote(catalog, today, current, target)
    except QuoteError as error:
        assert (error.code, error.field) == ("seats_out_of_range", "target.seats")
        reject()


@st.composite
def changes(draw):
    catalog = draw(catalogs())
    current = draw(terms(catalog))
    return catalog, draw(days_in(current)), current, draw(configurations(catalog))


@given(changes())
def test_charge_now_is_never_negative(change):
    result = quote_or_reject(*change)
    assert all(line.amount_cents > 0 for line in result.charge_now.lines)
    assert result.charge_now.net_cents >= 0
    assert result.charge_now.gross_cents >= result.charge_now.net_cents


@given(changes())
def test_vat_is_the_half_up_rate_of_the_net(change):
    catalog = change[0]
    charge = quote_or_reject(*change).charge_now
    assert charge.net_cents == sum(line.amount_cents for line in charge.lines)
    assert charge.vat_cents == round_half_up(charge.net_cents * catalog.vat_percent / 100)
    assert charge.gross_cents == charge.net_cents + charge.vat_cents


@given(changes())
def test_effective_now_never_loses_seats_or_cycle(change):
    _, _, current, target = change
    result = quote_or_reject(*change)
    assert result.effective_now.cycle == current.configuration.cycle
    assert result.effective_now.seats == max(current.configuration.seats, target.seats)
    assert result.at_renewal.configuration == target
    assert result.scheduled == (target != result.effective_now)


@given(st.data())
def test_a_purchase_costs_exactly_its_own_renewal_amount(data):
    catalog = data.draw(catalogs())
    target = data.draw(configurations(catalog))
    today = data.draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
    result = quote(catalog, today, None, target)
    charge = result.charge_now
    assert (charge.net_cents, charge.vat_cents, charge.gross_cents) == renewal_amount(
        catalog, target
    )
    assert result.at_renewal.date == add_cycle(today, target.cycle, today.day)
    assert (result.at_renewal.net_cents, result.at_renewal.gross_cents) == (
        charge.net_cents,
        charge.gross_cents,
    )


@given(changes())
def test_a_change_on_the_first_day_charges_the_full_period_difference(change):
    catalog, _, current, target = change
    result = quote_or_reject(catalog, current.period_start, current, target)
    held, now = current.configuration, result.effective_now
    cycle = held.cycle
    full_difference = now.seats * catalog.plan(now.plan).unit_cents(cycle) - (
        held.seats * catalog.plan(held.plan).unit_cents(cycle)
    )
    assert result.charge_now.net_cents == full_difference


@given(st.data())
def test_adding_seats_in_two_steps_costs_the_same_as_one_within_a_cent_per_step(data):
    catalog = data.draw(catalogs())
    current = data.draw(terms(catalog))
    held = current.configuration
    plan = catalog.plan(held.plan)
    middle = data.draw(st.integers(held.seats, plan.max_seats))
    final = data.draw(st.integers(middle, plan.max_seats))
    today = data.draw(days_in(current))

    def target(seats):
        return Configuration(held.plan, held.cycle, seats)

    direct = quote(catalog, today, current, target(final)).charge_now.net_cents
    first = quote(catalog, today, current, target(middle))
    after_first = CurrentTerm(first.effective_now, current.period_start, current.period_end)
    second = quote(catalog, today, after_first, target(final))
    stepped = first.charge_now.net_cents + second.charge_now.net_cents
    assert abs(stepped - direct) <= 1


@settings(max_examples=200)
@given(st.data())
def test_the_charge_never_grows_as_today_moves_later(data):
    catalog, _, current, target = data.draw(changes())
    earlier, later = sorted([data.draw(days_in(current)), data.draw(days_in(current))])
    assume(earlier != later)
    first = quote_or_reject(catalog, earlier, current, target).charge_now
    second = quote(catalog, later, current, target).charge_now
    assert second.net_cents <= first.net_cents
    assert second.gross_cents <= first.gross_cents

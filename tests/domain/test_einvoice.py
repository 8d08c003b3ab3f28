"""The pure parts of the electronic invoice: progressivo, amounts as text, the SDI state table."""

from datetime import date
from fractions import Fraction

import pytest

from ts_store.domain.einvoice import (
    SDI_TRANSITIONS,
    Address,
    Buyer,
    DocumentKind,
    Fattura,
    IllegalSdiTransition,
    Line,
    SdiState,
    amount_text,
    check_sdi_transition,
    file_name,
    progressivo,
    rate_text,
    unit_price_text,
)
from ts_store.domain.seller import DEMO_SELLER, SellerProblems, validate_seller


def test_progressivo_is_five_base36_characters_and_refuses_to_wrap():
    assert progressivo(1) == "00001"
    assert progressivo(35) == "0000Z"
    assert progressivo(36) == "00010"
    assert progressivo(36**5 - 1) == "ZZZZZ"
    with pytest.raises(ValueError):
        progressivo(36**5)
    with pytest.raises(ValueError):
        progressivo(0)


def test_file_name_is_country_transmitter_and_progressivo():
    assert file_name("IT", "02468130154", "0000A") == "IT02468130154_0000A.xml"


@pytest.mark.parametrize(
    ("cents", "text"),
    [(0, "0.00"), (5, "0.05"), (3660, "36.60"), (125000, "1250.00"), (-366, "-3.66")],
)
def test_amount_text_has_exactly_two_decimals(cents, text):
    assert amount_text(cents) == text


def test_rate_text_22_percent_and_a_rate_with_three_decimals_is_refused():
    assert rate_text(Fraction(22)) == "22.00"
    assert rate_text(Fraction(21, 2)) == "10.50"
    with pytest.raises(ValueError):
        rate_text(Fraction(1, 3))


@pytest.mark.parametrize(
    ("unit", "days", "period", "text"),
    [
        (2500, 30, 30, "25.00"),  # a whole period: the unit price
        (2500, 12, 30, "10.00"),  # the article's rateo
        (2500, 11, 30, "9.16666667"),  # 8 decimals, half-up
        (25000, 1, 365, "0.68493151"),
        (1500, 1, 3, "5.00"),
        (4000, 29, 31, "37.41935484"),
    ],
)
def test_unit_price_of_a_rateo_has_up_to_8_decimals_half_up(unit, days, period, text):
    assert unit_price_text(unit, days, period) == text


@pytest.mark.parametrize("quantity", [1, 3, 7, 50, 500])
@pytest.mark.parametrize(("days", "period"), [(1, 28), (11, 30), (17, 31), (200, 365), (29, 29)])
def test_quantity_times_unit_price_is_within_one_cent_of_the_charged_line(quantity, days, period):
    from decimal import Decimal

    from ts_store.domain.money import prorate

    for unit in (1500, 2500, 4000, 25000):
        charged = prorate(quantity * unit, days, period)
        computed = quantity * Decimal(unit_price_text(unit, days, period))
        assert abs(computed - Decimal(charged) / 100) < Decimal("0.01")


def test_every_sdi_state_has_a_row_in_the_transition_table():
    assert set(SDI_TRANSITIONS) == set(SdiState)


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        ("generated", "sent"),
        ("sent", "delivered"),
        ("sent", "rejected"),
        ("sent", "not_delivered"),
        ("not_delivered", "delivered"),
        ("rejected", "reissued"),
    ],
)
def test_allowed_sdi_transitions(current, wanted):
    assert check_sdi_transition(current, wanted) == SdiState(wanted)


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        ("delivered", "rejected"),
        ("generated", "delivered"),
        ("reissued", "sent"),
        ("rejected", "sent"),
    ],
)
def test_illegal_sdi_transitions_raise(current, wanted):
    with pytest.raises(IllegalSdiTransition):
        check_sdi_transition(current, wanted)


def _fattura(**overrides) -> Fattura:
    values = dict(
        progressive="00001",
        seller=validate_seller(DEMO_SELLER),
        buyer=Buyer(
            "Rossi S.r.l.",
            "12345670157",
            "",
            Address("Via Po 1", "10121", "Torino", "TO"),
            "M5UXCR1",
        ),
        kind=DocumentKind.INVOICE,
        number="2026/000001",
        issued_on=date(2026, 11, 28),
        lines=(Line("Utenti aggiunti", 3, 2500, 12, 30, 3000),),
        net_cents=3000,
        vat_cents=660,
        gross_cents=3660,
        vat_percent=Fraction(22),
        paid_on=date(2026, 11, 28),
    )
    values.update(overrides)
    return Fattura(**values)


def test_totals_that_reconcile_pass_the_check():
    _fattura().check_totals()


@pytest.mark.parametrize(
    "overrides",
    [
        {"net_cents": 3001, "gross_cents": 3661},  # lines != net
        {"vat_cents": 661, "gross_cents": 3661},  # VAT not 22 % of net
        {"gross_cents": 3600},  # net + VAT != total
        {"kind": DocumentKind.CREDIT_NOTE},  # a credit note without its invoice
    ],
    ids=["lines_vs_net", "vat_vs_rate", "total", "credit_note_without_invoice"],
)
def test_totals_that_do_not_reconcile_are_refused(overrides):
    with pytest.raises(ValueError):
        _fattura(**overrides).check_totals()


def test_demo_seller_is_valid_and_names_rf01_and_rea():
    seller = validate_seller(DEMO_SELLER)
    assert (seller.vat_number, seller.regime, seller.transmitter) == (
        "02468130154",
        "RF01",
        "02468130154",
    )
    assert seller.rea is not None and seller.rea.share_capital_cents == 1_000_000


def test_seller_with_wrong_fields_names_each_setting():
    with pytest.raises(SellerProblems) as problem:
        validate_seller(
            {**DEMO_SELLER, "partita_iva": "02468130155", "cap": "201", "regime_fiscale": "RF99"}
        )
    assert set(problem.value.errors) == {"partita_iva", "cap", "regime_fiscale"}
    assert problem.value.errors["partita_iva"] == (
        "Partita IVA del venditore: la cifra di controllo non è valida."
    )

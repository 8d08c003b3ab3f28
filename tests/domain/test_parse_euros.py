"""Euros typed by a person become exact integer cents, or a coded refusal (domain/money.py)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ts_store.domain.money import EuroAmountError, parse_euros


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("27", 2700),
        ("27,5", 2750),
        ("27,50", 2750),
        ("12,2", 1220),
        ("0,01", 1),
        ("1.234,56", 123456),
        ("1.234.567,8", 123456780),
        ("1.234.567", 123456700),  # two dots can only group thousands
        ("27.50", 2750),
        ("27.5", 2750),
        (" 27,00 € ", 2700),
        ("27\u00a0€", 2700),
    ],
)
def test_parse_euros_reads_italian_and_decimal_point_amounts(text, cents):
    assert parse_euros(text) == cents


def test_a_dot_alone_is_a_decimal_point_so_1_500_is_refused_not_guessed():
    with pytest.raises(EuroAmountError) as refused:
        parse_euros("1.500")
    assert refused.value.code == "too_many_decimals"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("€", "empty"),
        ("-5", "negative"),
        ("−5", "negative"),
        ("abc", "not_a_number"),
        ("12,3,4", "not_a_number"),
        ("1e3", "not_a_number"),
        ("１２", "not_a_number"),  # full-width digits are not ASCII digits
        ("²", "not_a_number"),
        ("12,345", "too_many_decimals"),
        ("12.3456", "too_many_decimals"),
        ("27,", "not_a_number"),
        (",50", "not_a_number"),
        ("10000000000", "too_large"),
        ("9" * 400, "too_large"),
    ],
)
def test_parse_euros_refuses_with_a_code(text, code):
    with pytest.raises(EuroAmountError) as refused:
        parse_euros(text)
    assert refused.value.code == code


def test_parse_euros_refuses_a_non_text_argument():
    with pytest.raises(EuroAmountError):
        parse_euros(12.2)  # type: ignore[arg-type]


@given(st.integers(min_value=0, max_value=99_999_999_99))
def test_every_cent_amount_written_the_italian_way_reads_back_exactly(cents):
    euros, rest = divmod(cents, 100)
    grouped = f"{euros:,}".replace(",", ".")
    assert parse_euros(f"{grouped},{rest:02d}") == cents

"""The users stepper's arithmetic: no silent clamp, tolerant of a blank or typed entry."""

import pytest

from ts_store.ui.components.seat_stepper import next_seat_count


@pytest.mark.parametrize(
    ("text", "delta", "expected"),
    [
        ("2", 1, "3"),
        ("3", -1, "2"),
        ("1", -1, "0"),
        ("0", -1, "0"),
        ("", 1, "1"),
        ("abc", 1, "1"),
        (" 7 ", 1, "8"),
        ("51", 1, "52"),
    ],
    ids=[
        "plus",
        "minus",
        "to_zero_then_the_quote_explains",
        "never_negative",
        "blank_plus",
        "typed_junk",
        "spaces",
        "above_max_kept_for_the_message",
    ],
)
def test_next_seat_count(text, delta, expected):
    assert next_seat_count(text, delta) == expected

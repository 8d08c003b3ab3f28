"""The outcome of a charge result, decided once for the purchase wizard and the licence page."""

from __future__ import annotations

import pytest

from ts_store.billing.charging import ChargeResult
from ts_store.domain.operations import OperationStatus as S
from ts_store.ui.charge_flow import PAYING, Outcome, outcome_of, while_paying


@pytest.mark.parametrize(
    ("status", "secret", "expected"),
    [
        (S.REQUIRES_ACTION, "pi_secret", Outcome.AUTHENTICATE),
        (S.REQUIRES_ACTION, None, Outcome.NOT_ASKED),  # Stripe could not be asked
        (S.SUCCEEDED, None, Outcome.DONE),
        (S.APPLIED, None, Outcome.DONE),
        (S.UNKNOWN, None, Outcome.IN_PROGRESS),
        (S.PENDING, None, Outcome.IN_PROGRESS),
        (S.CHARGING, None, Outcome.IN_PROGRESS),
        (S.PAID_NOT_APPLIED, None, Outcome.PAID_ELSEWHERE),
        (S.FAILED, None, Outcome.FAILED),
        (S.SUPERSEDED, None, Outcome.FAILED),
    ],
)
def test_outcome_of_each_status(status, secret, expected):
    result = ChargeResult(status=status, operation_id=1, client_secret=secret)
    assert outcome_of(result) == expected


def test_while_paying_flags_the_page_until_the_bank_window_closes():
    script = while_paying("bridge()")
    assert script.startswith("(window.__tsPaying = true, (bridge()).finally(")
    assert "window.__tsPaying = false" in script
    assert PAYING == "window.__tsPaying === true"

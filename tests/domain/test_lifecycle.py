"""Which licences offer 'Acquista ora' and changes (docs/billing-policy.md)."""

from datetime import date

import pytest

from ts_store.domain.lifecycle import LicenceStatus, can_change, can_purchase, trial_days_left

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    "status", [LicenceStatus.ACTIVE, LicenceStatus.PAST_DUE, LicenceStatus.SUSPENDED]
)
def test_paid_or_recoverable_licence_is_never_bought_again(status):
    assert can_purchase(status, date(2026, 11, 1), TODAY, 60) is False


def test_trial_can_be_bought():
    assert can_purchase(LicenceStatus.TRIAL, None, TODAY, 60) is True


@pytest.mark.parametrize(
    ("ended_on", "expected"),
    [
        (date(2026, 9, 29), True),  # 60th day of retention is today
        (date(2026, 9, 28), False),  # data gone
    ],
)
def test_expired_trial_can_be_bought_while_data_is_kept(ended_on, expected):
    assert can_purchase(LicenceStatus.TRIAL_EXPIRED, ended_on, TODAY, 60) is expected


def test_pending_cancellation_blocks_changes():
    assert can_change(LicenceStatus.ACTIVE, cancel_at_period_end=True) is False
    assert can_change(LicenceStatus.ACTIVE, cancel_at_period_end=False) is True
    assert can_change(LicenceStatus.PAST_DUE, cancel_at_period_end=False) is False


def test_trial_days_left_counts_today_and_never_goes_negative():
    assert trial_days_left(date(2026, 12, 13), TODAY) == 15
    assert trial_days_left(date(2026, 11, 1), TODAY) == 0

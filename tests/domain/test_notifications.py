"""The outbox's transition table and retry policy (pure)."""

from datetime import UTC, datetime, timedelta

import pytest

from ts_store.domain.notifications import (
    OUTBOX_TRANSITIONS,
    DeliveryResult,
    IllegalOutboxTransition,
    OutboxStatus,
    RetryPolicy,
    check_transition,
)

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def test_every_status_has_a_row_in_the_transition_table():
    assert set(OUTBOX_TRANSITIONS) == set(OutboxStatus)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("pending", "sending"),
        ("retrying", "sending"),
        ("sending", "sent"),
        ("sending", "retrying"),
        ("sending", "dead"),
    ],
)
def test_allowed_transitions(current, target):
    assert check_transition(current, target) == OutboxStatus(target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("sent", "sending"),  # a sent message is never sent again
        ("dead", "sending"),
        ("pending", "sent"),  # only a claimed message can be recorded as sent
        ("retrying", "dead"),
        ("sent", "retrying"),
    ],
)
def test_illegal_transitions_raise(current, target):
    with pytest.raises(IllegalOutboxTransition):
        check_transition(current, target)


def test_back_off_doubles_from_the_base_up_to_the_cap():
    policy = RetryPolicy(base=timedelta(minutes=1), cap=timedelta(minutes=10))
    assert [policy.delay(n) for n in (1, 2, 3, 4, 5, 6)] == [
        timedelta(minutes=m) for m in (1, 2, 4, 8, 10, 10)
    ]


def test_a_huge_attempt_count_does_not_overflow_the_delay():
    assert RetryPolicy(cap=timedelta(hours=6)).delay(10_000) == timedelta(hours=6)


def test_temporary_failure_is_retried_after_the_back_off():
    status, when = RetryPolicy().after_failure(DeliveryResult.TEMPORARY, 3, 0, NOW)
    assert (status, when) == (OutboxStatus.RETRYING, NOW + timedelta(minutes=4))


def test_permanent_refusal_is_given_up_at_once():
    assert RetryPolicy().after_failure(DeliveryResult.PERMANENT, 1, 0, NOW) == (
        OutboxStatus.DEAD,
        None,
    )


def test_too_many_attempts_are_given_up():
    policy = RetryPolicy(max_attempts=3)
    assert policy.after_failure(DeliveryResult.TEMPORARY, 3, 0, NOW)[0] == OutboxStatus.DEAD
    assert policy.after_failure(DeliveryResult.TEMPORARY, 2, 0, NOW)[0] == OutboxStatus.RETRYING


def test_first_unconfirmed_delivery_is_retried_at_once_the_second_is_given_up():
    policy = RetryPolicy()
    assert policy.after_failure(DeliveryResult.UNCONFIRMED, 1, 1, NOW) == (
        OutboxStatus.RETRYING,
        NOW,
    )
    assert policy.after_failure(DeliveryResult.UNCONFIRMED, 2, 2, NOW) == (
        OutboxStatus.DEAD,
        None,
    )


def test_an_accepted_delivery_is_not_a_failure():
    with pytest.raises(ValueError):
        RetryPolicy().after_failure(DeliveryResult.ACCEPTED, 1, 0, NOW)

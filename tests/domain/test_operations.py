"""Typed operations: the transition tables, and requests to and from their stored JSON."""

import itertools
import json
from datetime import date

import pytest

from ts_store.domain.lifecycle import LICENCE_TRANSITIONS, LicenceStatus, licence_transition_allowed
from ts_store.domain.operations import (
    OPERATION_TRANSITIONS,
    ChangeRequest,
    IllegalTransition,
    OperationContext,
    OperationKind,
    OperationStatus,
    PurchaseRequest,
    RenewalRequest,
    can_move,
    check_operation_transition,
    request_day,
    request_from_json,
    request_to_json,
)
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration

S = OperationStatus
CONTEXT = OperationContext(
    today=date(2026, 11, 28),
    actor_customer_id=7,
    description="CRM in Cloud – piano Pro",
    line_descriptions={"new_period": "Licenza CRM in Cloud Pro"},
)


def test_every_status_has_a_row_in_the_tables():
    assert set(OPERATION_TRANSITIONS) == set(OperationStatus)
    assert set(LICENCE_TRANSITIONS) == set(LicenceStatus)


@pytest.mark.parametrize("terminal", [S.SUCCEEDED, S.APPLIED, S.REFUNDED, S.REFUND_FAILED])
def test_finished_operations_never_move_again(terminal):
    for target in OperationStatus:
        if target != terminal:
            with pytest.raises(IllegalTransition):
                check_operation_transition(1, terminal, target)


def test_the_paths_the_pipeline_takes_are_legal():
    paths = [
        [S.PENDING, S.CHARGING, S.SUCCEEDED],
        [S.PENDING, S.APPLIED],
        [S.PENDING, S.FAILED],
        [S.PENDING, S.CHARGING, S.UNKNOWN, S.CHARGING, S.FAILED],
        [S.PENDING, S.CHARGING, S.REQUIRES_ACTION, S.SUPERSEDED, S.PAID_NOT_APPLIED],
        [S.PAID_NOT_APPLIED, S.REFUNDING, S.PAID_NOT_APPLIED, S.REFUNDING, S.REFUNDED],
        [S.REFUNDING, S.REFUND_FAILED],
        [S.FAILED, S.SUCCEEDED],
        [S.FAILED, S.PAID_NOT_APPLIED],
    ]
    for path in paths:
        for before, after in itertools.pairwise(path):
            check_operation_transition(1, before, after)


def test_writing_the_same_status_is_not_a_transition():
    assert all(can_move(status, status) for status in OperationStatus)


def test_illegal_operation_moves_name_both_statuses():
    with pytest.raises(IllegalTransition) as caught:
        check_operation_transition(42, "superseded", "succeeded")
    assert (caught.value.entity, caught.value.entity_id) == ("operation", 42)
    assert str(caught.value) == "operation 42: superseded -> succeeded is not allowed"


@pytest.mark.parametrize(
    ("before", "after", "allowed"),
    [
        ("trial", "active", True),
        ("trial", "trial_expired", True),
        ("trial_expired", "active", True),
        ("cancelled", "active", True),
        ("active", "past_due", True),
        ("active", "cancelled", True),
        ("past_due", "suspended", True),
        ("suspended", "active", True),
        ("active", "active", True),
        ("trial", "suspended", False),
        ("suspended", "past_due", False),
        ("cancelled", "trial", False),
        ("active", "trial_expired", False),
    ],
)
def test_licence_transitions(before, after, allowed):
    assert licence_transition_allowed(before, after) is allowed


@pytest.mark.parametrize(
    "request_",
    [
        PurchaseRequest(Configuration("pro", Cycle.ANNUAL, 5)),
        ChangeRequest(
            target=Configuration("smart", Cycle.MONTHLY, 3),
            effective_now=Configuration("pro", Cycle.MONTHLY, 5),
        ),
        RenewalRequest(date(2026, 12, 10), 10, Configuration("pro", Cycle.MONTHLY, 2)),
    ],
)
def test_requests_survive_their_json(request_):
    text = request_to_json(request_, CONTEXT)
    assert json.loads(text)["version"] == 1
    assert request_from_json(request_.kind, text) == (request_, CONTEXT)
    assert request_day(text, date(2000, 1, 1)) == date(2026, 11, 28)


def test_rows_written_before_requests_were_typed_still_load():
    legacy_renewal = json.dumps(
        {
            "period_end": "2026-12-10",
            "anchor_day": 10,
            "plan": "pro",
            "cycle": "monthly",
            "seats": 2,
            "_today": "2026-12-10",
            "_actor": None,
            "_description": "Rinnovo",
            "_line_descriptions": {"new_period": "Rinnovo"},
        }
    )
    request, context = request_from_json("renewal", legacy_renewal)
    assert request == RenewalRequest(date(2026, 12, 10), 10, Configuration("pro", "monthly", 2))
    assert context == OperationContext(
        date(2026, 12, 10), None, "Rinnovo", {"new_period": "Rinnovo"}
    )
    legacy_change = json.dumps(
        {
            "target": {"plan": "pro", "cycle": "monthly", "seats": 5},
            "effective_now": {"plan": "pro", "cycle": "monthly", "seats": 5},
            "_today": "2026-11-28",
            "_actor": 3,
        }
    )
    request, context = request_from_json(OperationKind.CHANGE, legacy_change)
    assert request.effective_now == Configuration("pro", Cycle.MONTHLY, 5)
    assert (context.actor_customer_id, context.description, context.line_descriptions) == (
        3,
        "",
        {},
    )
    assert request_day(legacy_change, date(2000, 1, 1)) == date(2026, 11, 28)


def test_request_day_falls_back_on_an_unreadable_row():
    assert request_day("{}", date(2026, 1, 2)) == date(2026, 1, 2)
    assert request_day("not json", date(2026, 1, 2)) == date(2026, 1, 2)

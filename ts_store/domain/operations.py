"""Billing operations as types: their kinds, their statuses and the one table of legal moves,
and the typed request each kind carries until it is applied.

Pure (stdlib only): the store checks every status write against `OPERATION_TRANSITIONS`, the use
cases build the requests, and `request_to_json` / `request_from_json` are the only way a request
reaches or leaves the `request_json` column.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration


class OperationKind(enum.StrEnum):
    """What an operation changes once paid. Refunds are statuses of the operation they refund."""

    PURCHASE = "purchase"
    CHANGE = "change"
    RENEWAL = "renewal"


class OperationStatus(enum.StrEnum):
    PENDING = "pending"  # stored, Stripe not called yet
    CHARGING = "charging"  # claimed by one caller, which is talking to Stripe
    UNKNOWN = "unknown"  # Stripe did not answer: re-send under the same key, or look it up
    REQUIRES_ACTION = "requires_action"  # the bank asks for 3-D Secure
    SUCCEEDED = "succeeded"  # paid and applied (with its document)
    APPLIED = "applied"  # nothing to pay: applied at once
    FAILED = "failed"  # nothing charged; the lock is released
    SUPERSEDED = "superseded"  # a 3-D Secure attempt replaced by a newer confirm
    PAID_NOT_APPLIED = "paid_not_applied"  # paid too late to apply: to refund
    REFUNDING = "refunding"
    REFUNDED = "refunded"
    REFUND_FAILED = "refund_failed"  # Stripe refused the refund: staff decide


S = OperationStatus

# Every legal status change of an operation. Writing the status an operation already has is not
# a transition (e.g. a processing payment stays "charging"); anything missing here is refused.
OPERATION_TRANSITIONS: Mapping[OperationStatus, frozenset[OperationStatus]] = {
    S.PENDING: frozenset({S.CHARGING, S.APPLIED, S.FAILED}),
    S.CHARGING: frozenset({S.UNKNOWN, S.REQUIRES_ACTION, S.SUCCEEDED, S.FAILED}),
    S.UNKNOWN: frozenset({S.CHARGING, S.REQUIRES_ACTION, S.SUCCEEDED, S.FAILED}),
    S.REQUIRES_ACTION: frozenset({S.CHARGING, S.SUCCEEDED, S.FAILED, S.SUPERSEDED}),
    # A failed attempt paid late anyway: applied if the licence has not moved on, else refunded.
    S.FAILED: frozenset({S.SUCCEEDED, S.PAID_NOT_APPLIED}),
    S.SUPERSEDED: frozenset({S.PAID_NOT_APPLIED}),
    S.PAID_NOT_APPLIED: frozenset({S.REFUNDING}),
    # Stripe unreachable while refunding: back to "to refund", re-sent under the same key.
    S.REFUNDING: frozenset({S.REFUNDED, S.REFUND_FAILED, S.PAID_NOT_APPLIED}),
    S.SUCCEEDED: frozenset(),
    S.APPLIED: frozenset(),
    S.REFUNDED: frozenset(),
    S.REFUND_FAILED: frozenset(),
}

# Statuses in which an operation may still charge or has charged: its period or its licence
# version must not be charged again under another key.
OPEN_OR_PAID = frozenset({S.PENDING, S.CHARGING, S.UNKNOWN, S.SUCCEEDED, S.APPLIED})
DONE = frozenset({S.SUCCEEDED, S.APPLIED})
# Stripe's answer was lost: the reconciliation pass asks Stripe about these once stale.
UNSETTLED = frozenset({S.CHARGING, S.UNKNOWN})
COMPLETED = frozenset({S.SUCCEEDED, S.APPLIED, S.FAILED})


class IllegalTransition(Exception):
    """A status change the transition table does not allow (a bug, never a customer's doing)."""

    def __init__(self, entity: str, entity_id: int | None, from_status: str, to_status: str):
        super().__init__(f"{entity} {entity_id}: {from_status} -> {to_status} is not allowed")
        self.entity, self.entity_id = entity, entity_id
        self.from_status, self.to_status = from_status, to_status


def check_operation_transition(operation_id: int | None, from_status: str, to_status: str) -> None:
    """Raise IllegalTransition unless `from_status -> to_status` is in the table."""
    if from_status == to_status:
        return
    allowed = OPERATION_TRANSITIONS.get(OperationStatus(from_status), frozenset())
    if OperationStatus(to_status) not in allowed:
        raise IllegalTransition("operation", operation_id, from_status, to_status)


def can_move(from_status: str, to_status: str) -> bool:
    return from_status == to_status or OperationStatus(to_status) in OPERATION_TRANSITIONS.get(
        OperationStatus(from_status), frozenset()
    )


# --- typed requests -----------------------------------------------------------------------

REQUEST_VERSION = 1


@dataclass(frozen=True)
class OperationContext:
    """What every operation records beside its request: the store's day it was made on, who
    asked (None: the system, e.g. a renewal), and the texts of its billing document."""

    today: date
    actor_customer_id: int | None
    description: str
    line_descriptions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PurchaseRequest:
    """'Acquista ora': the first period of `target`, starting on the day of purchase."""

    kind: ClassVar[OperationKind] = OperationKind.PURCHASE
    target: Configuration


@dataclass(frozen=True)
class ChangeRequest:
    """A change of an active licence: `effective_now` applies at once, `target` at renewal."""

    kind: ClassVar[OperationKind] = OperationKind.CHANGE
    target: Configuration
    effective_now: Configuration


@dataclass(frozen=True)
class RenewalRequest:
    """The renewal of the period ending on `period_end`, in `configuration`."""

    kind: ClassVar[OperationKind] = OperationKind.RENEWAL
    period_end: date
    anchor_day: int
    configuration: Configuration


OperationRequest = PurchaseRequest | ChangeRequest | RenewalRequest


def _configuration_json(configuration: Configuration) -> dict[str, Any]:
    return {
        "plan": configuration.plan,
        "cycle": str(configuration.cycle),
        "seats": configuration.seats,
    }


def _configuration(data: Mapping[str, Any]) -> Configuration:
    return Configuration(str(data["plan"]), Cycle(data["cycle"]), int(data["seats"]))


def _request_body(request: OperationRequest) -> dict[str, Any]:
    if isinstance(request, PurchaseRequest):
        return {"target": _configuration_json(request.target)}
    if isinstance(request, ChangeRequest):
        return {
            "target": _configuration_json(request.target),
            "effective_now": _configuration_json(request.effective_now),
        }
    return {
        "period_end": request.period_end.isoformat(),
        "anchor_day": request.anchor_day,
        "configuration": _configuration_json(request.configuration),
    }


def request_to_json(request: OperationRequest, context: OperationContext) -> str:
    return json.dumps(
        {
            "version": REQUEST_VERSION,
            "kind": str(request.kind),
            "request": _request_body(request),
            "context": {
                "today": context.today.isoformat(),
                "actor_customer_id": context.actor_customer_id,
                "description": context.description,
                "line_descriptions": dict(context.line_descriptions),
            },
        },
        sort_keys=True,
    )


def request_from_json(kind: str, text: str) -> tuple[OperationRequest, OperationContext]:
    """The typed request and context of a stored operation.

    Tolerant of rows written before requests were typed: a plain dict with the request's fields
    beside `_today`, `_actor`, `_description` and `_line_descriptions` (a renewal kept its
    configuration flat: `plan`, `cycle`, `seats`).
    """
    data = json.loads(text)
    if "version" in data:
        body, meta = data["request"], data["context"]
        context = OperationContext(
            today=date.fromisoformat(meta["today"]),
            actor_customer_id=meta.get("actor_customer_id"),
            description=str(meta.get("description", "")),
            line_descriptions=dict(meta.get("line_descriptions") or {}),
        )
    else:
        body = data
        context = OperationContext(
            today=date.fromisoformat(data["_today"]),
            actor_customer_id=data.get("_actor"),
            description=str(data.get("_description", "")),
            line_descriptions=dict(data.get("_line_descriptions") or {}),
        )
    kind = OperationKind(kind)
    if kind == OperationKind.PURCHASE:
        return PurchaseRequest(_configuration(body["target"])), context
    if kind == OperationKind.CHANGE:
        return (
            ChangeRequest(_configuration(body["target"]), _configuration(body["effective_now"])),
            context,
        )
    configuration = body.get("configuration") or body  # legacy renewals: flat fields
    return (
        RenewalRequest(
            period_end=date.fromisoformat(body["period_end"]),
            anchor_day=int(body["anchor_day"]),
            configuration=_configuration(configuration),
        ),
        context,
    )


def request_day(text: str, fallback: date) -> date:
    """The store's day an operation was made on (its context's `today`), whatever the format."""
    try:
        data = json.loads(text)
        raw = data["context"]["today"] if "version" in data else data["_today"]
        return date.fromisoformat(raw)
    except (ValueError, KeyError, TypeError):
        return fallback

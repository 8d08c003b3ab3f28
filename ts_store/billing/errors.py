"""Errors the use cases raise: a code and its parameters, never the text.

The words the customer reads for each code live in the UI (`ts_store/ui/messages.py`), as a
service returns error codes and its front end words them. Domain errors (quote, fiscal checks,
catalogue) keep their Italian text: it travels as the `message` parameter.
"""

from __future__ import annotations

from typing import Any


class UseCaseError(Exception):
    """Base: `code` names what went wrong, `params` fill its message."""

    default_code = "unexpected"

    def __init__(self, code: str | None = None, **params: Any) -> None:
        self.code = code or self.default_code
        self.params = params
        super().__init__(f"{self.code} {params}" if params else self.code)


class InputError(UseCaseError):
    """Bad input for one field; nothing was stored or charged."""

    def __init__(self, field: str, code: str, **params: Any) -> None:
        super().__init__(code, **params)
        self.field = field


class NotAllowed(UseCaseError):
    """The customer does not own what they touched, or the licence does not allow the action."""


class ConflictError(UseCaseError):
    """The licence changed in another window or process since it was read."""

    default_code = "licence_changed"


class DatabaseUnavailable(UseCaseError):
    """The database could not be reached (down, restarting, too slow): nothing was done in this
    step. The pool replaces dead connections, so the same request works once it is back."""

    default_code = "database_unavailable"


class PaymentProblem(UseCaseError):
    """Stripe refused or could not be reached. `code` is the payments adapter's (e.g.
    `payments_unavailable`, `card_declined` with `decline_code` and `stripe_code`)."""

    @classmethod
    def from_payments(cls, error: Any) -> PaymentProblem:
        """From a `ts_store.payments.errors.PaymentsError` (the UI never sees that type)."""
        params = {
            name: getattr(error, name)
            for name in ("decline_code", "stripe_code")
            if getattr(error, name, None)
        }
        return cls(error.code, **params)


class NotBootstrapped(RuntimeError):
    """A use case ran before `ts_store.billing.bootstrap.bootstrap()` wired the services."""

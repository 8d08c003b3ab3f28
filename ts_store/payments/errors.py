"""Errors the payments adapter raises, each carrying a code (never text for the user).

Callers (billing) catch these instead of ``stripe.*Error`` so that a Stripe outage or a declined
card never reaches the page as a traceback or as English text; the UI words each code
(``ts_store/ui/messages.py``, which also holds the texts of Stripe's decline codes).
"""

from __future__ import annotations

# Our codes. A decline also carries Stripe's `decline_code` and error `code` (`stripe_code`).
CARD_DECLINED = "card_declined"
CARD_NOT_VERIFIED = "card_not_verified"
CARD_NOT_FOUND = "card_not_found"
UNAVAILABLE = "payments_unavailable"
INTERNAL = "payments_internal"


class PaymentsError(Exception):
    """Base class: ``code`` says what happened; ``str()`` may hold details for the log."""

    default_code = INTERNAL

    def __init__(self, code: str | None = None, *, detail: str | None = None) -> None:
        self.code = code or self.default_code
        super().__init__(detail or self.code)


class CardError(PaymentsError):
    """The card cannot be used: declined, not verified, or not this customer's."""

    default_code = CARD_DECLINED

    def __init__(
        self,
        code: str | None = None,
        *,
        decline_code: str | None = None,
        stripe_code: str | None = None,
        detail: str | None = None,
    ) -> None:
        # `decline_code`: Stripe's decline_code, else its error code; `stripe_code`: the error
        # code itself. A message picks the first of the two it knows.
        self.decline_code = decline_code
        self.stripe_code = stripe_code
        super().__init__(code, detail=detail)


class PaymentsUnavailable(PaymentsError):
    """Stripe could not be reached or answered with a server error: try again later.

    For a charge this means "outcome unknown": retry with the same idempotency key.
    """

    default_code = UNAVAILABLE

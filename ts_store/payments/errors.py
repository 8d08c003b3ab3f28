"""Errors the payments adapter raises, each carrying an Italian message for the user.

Callers (billing, UI) catch these instead of ``stripe.*Error`` so that a Stripe outage or
a declined card never reaches the page as a traceback or as English text.
"""

from __future__ import annotations

GENERIC_DECLINE = "La carta è stata rifiutata dalla banca."
AUTHENTICATION_FAILED = "Autenticazione 3-D Secure non riuscita."
UNAVAILABLE = "Il servizio di pagamento non è raggiungibile. Riprova tra qualche minuto."
FALLBACK = "Il pagamento non è andato a buon fine. Riprova o usa un'altra carta."
CARD_NOT_VERIFIED = "La carta non è stata verificata. Riprova o usa un'altra carta."
CARD_NOT_FOUND = "Carta non trovata. Inserisci di nuovo i dati della carta."
INTERNAL = "Errore nel servizio di pagamento. Riprova più tardi."

# Stripe decline codes (https://docs.stripe.com/declines/codes) and error codes
# (https://docs.stripe.com/error-codes). Reasons a fraudster could exploit (lost, stolen,
# fraudulent) deliberately get the generic text, as Stripe recommends.
_MESSAGES: dict[str, str] = {
    "card_declined": GENERIC_DECLINE,
    "generic_decline": GENERIC_DECLINE,
    "do_not_honor": GENERIC_DECLINE,
    "lost_card": GENERIC_DECLINE,
    "stolen_card": GENERIC_DECLINE,
    "fraudulent": GENERIC_DECLINE,
    "pickup_card": GENERIC_DECLINE,
    "insufficient_funds": "Fondi insufficienti sulla carta.",
    "expired_card": "La carta è scaduta.",
    "incorrect_cvc": "Il codice di sicurezza (CVC) non è corretto.",
    "invalid_cvc": "Il codice di sicurezza (CVC) non è corretto.",
    "incorrect_number": "Il numero della carta non è corretto.",
    "invalid_number": "Il numero della carta non è corretto.",
    "invalid_expiry_month": "La data di scadenza della carta non è valida.",
    "invalid_expiry_year": "La data di scadenza della carta non è valida.",
    "processing_error": "Errore durante l'elaborazione della carta. Riprova tra qualche minuto.",
    "authentication_required": AUTHENTICATION_FAILED,
    "payment_intent_authentication_failure": AUTHENTICATION_FAILED,
    "setup_intent_authentication_failure": AUTHENTICATION_FAILED,
}


def decline_message(decline_code: str | None, code: str | None = None) -> str:
    """Italian text for a Stripe decline: the specific ``decline_code`` wins over ``code``.

    Public so the UI can also translate errors that Stripe.js reports in the browser
    (``confirmCardSetup`` returns ``error.code`` / ``error.decline_code``).
    """
    for key in (decline_code, code):
        if key and key in _MESSAGES:
            return _MESSAGES[key]
    return FALLBACK


class PaymentsError(Exception):
    """Base class: ``message`` is safe to show to the user; ``str()`` may hold details."""

    default_message = INTERNAL

    def __init__(self, message: str | None = None, *, detail: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(detail or self.message)


class CardError(PaymentsError):
    """The card cannot be used: declined, not verified, or not this customer's."""

    default_message = FALLBACK

    def __init__(
        self,
        message: str | None = None,
        *,
        decline_code: str | None = None,
        detail: str | None = None,
    ) -> None:
        self.decline_code = decline_code
        super().__init__(message, detail=detail)


class PaymentsUnavailable(PaymentsError):
    """Stripe could not be reached or answered with a server error: try again later.

    For a charge this means "outcome unknown": retry with the same idempotency key.
    """

    default_message = UNAVAILABLE

"""Codes (and their Italian words) for Stripe declines, including shapes only real Stripe sends.

localstripe reports every decline as ``card_declined`` without ``decline_code`` and never
puts the PaymentIntent in a 402; these tests feed the gateway's translation the bodies that
real Stripe returns (https://docs.stripe.com/api/errors).
"""

from __future__ import annotations

import pytest
import stripe

from ts_store.payments import gateway as gw
from ts_store.payments.errors import CardError, PaymentsError, PaymentsUnavailable
from ts_store.ui.messages import decline_text, text


@pytest.mark.parametrize(
    ("decline_code", "code", "message"),
    [
        ("generic_decline", "card_declined", "La carta è stata rifiutata dalla banca."),
        (None, "card_declined", "La carta è stata rifiutata dalla banca."),
        ("insufficient_funds", "card_declined", "Fondi insufficienti sulla carta."),
        (None, "expired_card", "La carta è scaduta."),
        (None, "incorrect_cvc", "Il codice di sicurezza (CVC) non è corretto."),
        (None, "incorrect_number", "Il numero della carta non è corretto."),
        (
            None,
            "processing_error",
            "Errore durante l'elaborazione della carta. Riprova tra qualche minuto.",
        ),
        (
            "authentication_required",
            "authentication_required",
            "Autenticazione 3-D Secure non riuscita.",
        ),
        (None, "payment_intent_authentication_failure", "Autenticazione 3-D Secure non riuscita."),
        ("stolen_card", "card_declined", "La carta è stata rifiutata dalla banca."),
        (
            "something_new",
            None,
            "Il pagamento non è andato a buon fine. Riprova o usa un'altra carta.",
        ),
        (None, None, "Il pagamento non è andato a buon fine. Riprova o usa un'altra carta."),
    ],
)
def test_decline_message(decline_code: str | None, code: str | None, message: str) -> None:
    assert decline_text(decline_code, code) == message


def card_error(body: dict) -> stripe.CardError:
    return stripe.CardError(
        body.get("message"), body.get("param"), body.get("code"), None, 402, {"error": body}
    )


def test_real_stripe_insufficient_funds_on_attach_gets_its_own_message() -> None:
    error = gw._translate(
        card_error(
            {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds"}
        )
    )
    assert isinstance(error, CardError)
    assert (error.code, error.decline_code, error.stripe_code) == (
        "card_declined",
        "insufficient_funds",
        "card_declined",
    )
    assert decline_text(error.decline_code, error.stripe_code) == "Fondi insufficienti sulla carta."


def test_real_stripe_unknown_decline_code_keeps_the_generic_text_of_its_error_code() -> None:
    """`call_issuer` has no text of its own: the error code `card_declined` words it."""
    error = gw._translate(
        card_error({"type": "card_error", "code": "card_declined", "decline_code": "call_issuer"})
    )
    assert (error.decline_code, error.stripe_code) == ("call_issuer", "card_declined")
    assert text(error.code, decline_code=error.decline_code, stripe_code=error.stripe_code) == (
        "La carta è stata rifiutata dalla banca."
    )


def test_real_stripe_decline_on_charge_keeps_the_payment_intent() -> None:
    intent = {
        "id": "pi_1",
        "amount": 500,
        "metadata": {"op": "1"},
        "status": "requires_payment_method",
    }
    body = {"code": "card_declined", "decline_code": "insufficient_funds", "payment_intent": intent}
    outcome = gw._declined(card_error(body), 500, {"op": "1"}, "pm_1")
    assert (outcome.status, outcome.payment_intent_id, outcome.decline_code) == (
        "failed",
        "pi_1",
        "insufficient_funds",
    )
    assert decline_text(outcome.decline_code, outcome.stripe_code) == (
        "Fondi insufficienti sulla carta."
    )


def test_real_stripe_authentication_required_off_session_becomes_requires_action() -> None:
    intent = {"id": "pi_2", "amount": 900, "client_secret": "pi_2_secret_x", "metadata": {}}
    body = {
        "code": "authentication_required",
        "decline_code": "authentication_required",
        "payment_intent": intent,
    }
    outcome = gw._declined(card_error(body), 900, {}, "pm_2")
    assert (outcome.status, outcome.client_secret, outcome.payment_method_id) == (
        "requires_action",
        "pi_2_secret_x",
        "pm_2",
    )


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (stripe.APIConnectionError("down"), PaymentsUnavailable),
        (stripe.RateLimitError("slow down", None, 429), PaymentsUnavailable),
        (stripe.APIError("boom", None, 500), PaymentsUnavailable),
        (stripe.AuthenticationError("bad key", None, 401), PaymentsError),
        (stripe.InvalidRequestError("nope", None, None, None, 400), PaymentsError),
    ],
)
def test_other_stripe_errors_map_to_payments_errors(
    error: stripe.StripeError, expected: type
) -> None:
    translated = gw._translate(error)
    assert type(translated) is expected
    assert translated.code in ("payments_unavailable", "payments_internal")
    assert text(translated.code).startswith(("Il servizio di pagamento", "Errore nel servizio"))
    assert "bad key" not in text(translated.code)

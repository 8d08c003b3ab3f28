"""Every code the use cases return has its Italian words, and the words did not change."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ts_store.billing import (
    accounts,
    catalog_versions,
    changes,
    charging,
    purchase,
    reconciliation,
    renewals,
)
from ts_store.billing.errors import ConflictError, InputError, NotAllowed, UseCaseError
from ts_store.payments import errors as payment_errors
from ts_store.ui.messages import TEXTS, UNKNOWN_CODE, decline_text, message_for, text

ROOT = Path(__file__).resolve().parents[2]
# Where the code sits in each call that raises or stores one.
_CODE_ARGUMENT = {
    "InputError": 1,
    "AccountError": 1,
    "NotAllowed": 0,
    "ConflictError": 0,
    "UseCaseError": 0,
    "PaymentProblem": 0,
    "CardError": 0,
    "PaymentsError": 0,
    "_error_event": 2,
    "_fail": 2,
}


def _codes_in_source() -> set[str]:
    codes: set[str] = set()
    for folder in ("billing", "payments"):
        for path in (ROOT / "ts_store" / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                position = _CODE_ARGUMENT.get(name)
                if position is not None and len(node.args) > position:
                    argument = node.args[position]
                    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                        codes.add(argument.value)
                for keyword in node.keywords:
                    value = keyword.value
                    if keyword.arg == "failure_code" and isinstance(value, ast.Constant):
                        codes.add(value.value)
    return codes


CODE_CONSTANTS = {
    charging.PAYMENT_UNKNOWN,
    charging.LATE_PAYMENT,
    charging.SUPERSEDED,
    charging.NO_CARD,
    charging.AMOUNT_MISMATCH,
    charging.AUTHENTICATION_NOT_COMPLETED,
    charging.LICENCE_BUSY,
    charging.PAYMENT_BEING_VERIFIED,
    reconciliation.NOT_STARTED,
    reconciliation.REFUNDED,
    reconciliation.ALREADY_REFUNDED,
    reconciliation.EXTRA_CHARGE,
    reconciliation.EXTRA_REFUNDED,
    reconciliation.EXTRA_ALREADY_REFUNDED,
    purchase.ALREADY_ACTIVE,
    purchase.PROFILE_MISSING,
    purchase.SUSPENDED,
    purchase.DATA_GONE,
    purchase.NOT_FOUND,
    changes.CANCEL_PENDING,
    changes.NOT_ACTIVE,
    changes.ENDED,
    renewals.AUTHENTICATION_NEEDED,
    accounts.LOGIN_FAILED,
    payment_errors.CARD_DECLINED,
    payment_errors.CARD_NOT_VERIFIED,
    payment_errors.CARD_NOT_FOUND,
    payment_errors.UNAVAILABLE,
    payment_errors.INTERNAL,
    ConflictError.default_code,
    catalog_versions.NAME_INVALID,
    catalog_versions.NOTE_INVALID,
}


def test_every_code_raised_or_stored_has_words():
    found = _codes_in_source()
    assert len(found) > 30  # the scan sees the calls
    assert sorted((found | CODE_CONSTANTS) - set(TEXTS)) == []


# What customers read before codes existed, word for word (issue #13: behaviour unchanged).
UNCHANGED = {
    "payment_unknown": "Il servizio di pagamento non ha risposto: non sappiamo ancora se "
    "l'addebito è avvenuto. Riprova tra qualche minuto: non ti addebiteremo due volte.",
    "late_payment": "Pagamento arrivato dopo un nuovo tentativo già riuscito: non applicato, "
    "verrà rimborsato automaticamente entro poche ore.",
    "licence_busy": "Un'altra modifica di questa licenza è in corso o è appena stata fatta in "
    "un'altra finestra. Ricarica la pagina per vedere i dati aggiornati.",
    "attempt_superseded": "Questa conferma è stata sostituita da una più recente (in un'altra "
    "finestra): il suo pagamento è stato annullato, nessun addebito.",
    "no_card": "Non c'è una carta salvata per questo account: aggiungila in «Metodi di pagamento».",
    "licence_changed": "La licenza è stata modificata in un'altra finestra. Abbiamo aggiornato "
    "i dati: controlla e conferma di nuovo.",
    "already_active": "La licenza è già attiva: non serve acquistarne un'altra. Per utenti e "
    "piano usa «Aggiorna utenti» o «Cambia piano».",
    "cancel_pending": "La disdetta è in corso: riattiva l'abbonamento prima di modificare "
    "utenti o piano.",
    "licence_not_active": "La licenza non è attiva: utenti e piano si modificano solo su una "
    "licenza attiva.",
    "period_ended": "Il periodo pagato è terminato: la licenza non si può più riattivare.",
    "renewal_authentication_needed": "La banca chiede di autenticare il pagamento del rinnovo "
    "(3-D Secure), che non si può fare in automatico: sostituisci la carta in «Metodi di "
    "pagamento».",
    "payments_unavailable": "Il servizio di pagamento non è raggiungibile. Riprova tra qualche "
    "minuto.",
    "card_not_verified": "La carta non è stata verificata. Riprova o usa un'altra carta.",
    "login_failed": "Email o password non corretti.",
    "no_change": "Nessuna modifica: la configurazione è già questa.",
}


@pytest.mark.parametrize("code", sorted(UNCHANGED))
def test_the_words_customers_read_are_unchanged(code):
    assert text(code) == UNCHANGED[code]


def test_parameters_fill_the_words():
    assert text("password_too_short", min_length=10) == "Password: usa almeno 10 caratteri."
    assert text("cancel_note_too_long", max_chars=1000) == "Note: al massimo 1000 caratteri."
    assert text("quote_invalid", message="Numero utenti: almeno 3.") == "Numero utenti: almeno 3."
    assert text("card_declined", decline_code="call_issuer", stripe_code="card_declined") == (
        "La carta è stata rifiutata dalla banca."
    )
    assert decline_text("insufficient_funds") == "Fondi insufficienti sulla carta."


def test_an_input_error_names_its_field():
    error = InputError("period_start", "sandbox_date_invalid")
    assert message_for(error) == "Inizio del periodo in corso: la data non è valida (gg/mm/aaaa)."


def test_an_unknown_code_or_a_missing_parameter_never_breaks_the_page():
    assert text("no_such_code") == UNKNOWN_CODE
    assert message_for(UseCaseError()) == UNKNOWN_CODE
    assert text("password_too_short") == "Password: usa almeno … caratteri."
    assert message_for(NotAllowed("licence_not_found")) == "Licenza non trovata."

"""The Italian words for every code the use cases return: one place for what the customer reads.

Use cases raise `UseCaseError(code, **params)` and store operation outcomes as a failure code with
parameters; the pages turn them into text here (`message_for(error)`, `text(code, **params)`).
Pure Python: tests and benchmarks import it without Reflex.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ts_store.billing.errors import InputError, UseCaseError
from ts_store.domain.fiscal import FIELD_LABELS as BILLING_FIELD_LABELS
from ts_store.ui.formatting import format_cents, format_date

GENERIC_DECLINE = "La carta è stata rifiutata dalla banca."
PAYMENTS_UNAVAILABLE = "Il servizio di pagamento non è raggiungibile. Riprova tra qualche minuto."
AUTHENTICATION_FAILED = "Autenticazione 3-D Secure non riuscita."
DECLINE_FALLBACK = "Il pagamento non è andato a buon fine. Riprova o usa un'altra carta."

# Stripe decline codes (https://docs.stripe.com/declines/codes) and error codes
# (https://docs.stripe.com/error-codes). Reasons a fraudster could exploit (lost, stolen,
# fraudulent) deliberately get the generic text, as Stripe recommends.
DECLINE_TEXTS: Mapping[str, str] = {
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
    # the Stripe bridge in the page (assets/stripe_bridge.js): Stripe.js or Stripe unreachable
    "stripe_js_unavailable": PAYMENTS_UNAVAILABLE,
    "network": PAYMENTS_UNAVAILABLE,
    "payment_intent_authentication_failure": AUTHENTICATION_FAILED,
    "setup_intent_authentication_failure": AUTHENTICATION_FAILED,
}


def decline_text(decline_code: str | None, code: str | None = None) -> str:
    """Italian text for a Stripe decline: the specific ``decline_code`` wins over ``code``.

    Also for errors that Stripe.js reports in the browser (``error.code`` /
    ``error.decline_code``).
    """
    for key in (decline_code, code):
        if key and key in DECLINE_TEXTS:
            return DECLINE_TEXTS[key]
    return DECLINE_FALLBACK


# "della modifica del 28/11/2026": the payment still being verified, named by its kind.
_VERIFIED_KINDS = {
    "purchase": "dell'acquisto",
    "change": "della modifica",
    "renewal": "del rinnovo",
}


def _being_verified(params: Mapping[str, Any]) -> str:
    noun = _VERIFIED_KINDS.get(str(params.get("kind", "")), "della modifica")
    try:
        day = f" del {format_date(date.fromisoformat(str(params.get('day', ''))))}"
    except ValueError:
        day = ""
    return f"Stiamo verificando il pagamento {noun}{day}: riprova tra qualche minuto."


def _declined(params: Mapping[str, Any]) -> str:
    return decline_text(params.get("decline_code"), params.get("stripe_code"))


def _fields(params: Mapping[str, Any], key: str) -> str:
    """The label of the billing field (or fields) a parameter names, as the form shows it."""
    value = params.get(key, "")
    names = [value] if isinstance(value, str) else list(value or ())
    return ", ".join(BILLING_FIELD_LABELS.get(name, name) for name in names)


SANDBOX_FIELD_LABELS: Mapping[str, str] = {
    "catalog": "Catalogo",
    "today": "Data",
    "situation": "Situazione",
    "current_plan": "Piano attuale",
    "current_cycle": "Fatturazione attuale",
    "current_seats": "Utenti attuali",
    "period_start": "Inizio del periodo in corso",
    "target_plan": "Piano",
    "target_cycle": "Fatturazione",
    "target_seats": "Utenti",
}


def _sandbox(detail: str) -> Callable[[Mapping[str, Any]], str]:
    """'<label of the field>: <detail>' for the pricing sandbox's form."""

    def worded(params: Mapping[str, Any]) -> str:
        label = SANDBOX_FIELD_LABELS.get(params.get("field", ""), "Campo")
        return f"{label}: {detail.format_map(_Missing(params))}"

    return worded


# code -> text (str.format with the parameters) or a function of the parameters.
TEXTS: Mapping[str, str | Callable[[Mapping[str, Any]], str]] = {
    # --- payments (Stripe) ---
    "card_declined": _declined,
    "card_not_verified": "La carta non è stata verificata. Riprova o usa un'altra carta.",
    "card_not_found": "Carta non trovata. Inserisci di nuovo i dati della carta.",
    "payments_unavailable": PAYMENTS_UNAVAILABLE,
    "payments_internal": "Errore nel servizio di pagamento. Riprova più tardi.",
    # --- the database (PostgreSQL down or restarting, a lock held too long) ---
    "database_unavailable": "Il servizio non è disponibile in questo momento: riprova tra "
    "qualche minuto. Non ti addebiteremo nulla due volte.",
    # --- the charge of an operation ---
    "payment_unknown": "Il servizio di pagamento non ha risposto: non sappiamo ancora se "
    "l'addebito è avvenuto. Riprova tra qualche minuto: non ti addebiteremo due volte.",
    "late_payment": "Pagamento arrivato dopo un nuovo tentativo già riuscito: non applicato, "
    "verrà rimborsato automaticamente entro poche ore.",
    "attempt_superseded": "Questa conferma è stata sostituita da una più recente (in un'altra "
    "finestra): il suo pagamento è stato annullato, nessun addebito.",
    "no_card": "Non c'è una carta salvata per questo account: aggiungila in «Metodi di pagamento».",
    "amount_mismatch": "Importo del pagamento diverso dall'atteso: contattaci.",
    "payment_failed": "Il pagamento non è andato a buon fine.",
    "authentication_requested": "La banca chiede di confermare il pagamento (3-D Secure).",
    "authentication_not_completed": "Autenticazione 3-D Secure non completata: nessun addebito.",
    "renewal_authentication_needed": "La banca chiede di autenticare il pagamento del rinnovo "
    "(3-D Secure), che non si può fare in automatico: sostituisci la carta in «Metodi di "
    "pagamento».",
    "not_started": "Il pagamento non è partito: nessun addebito è stato fatto. Puoi confermare "
    "di nuovo.",
    "late_payment_refunded": "Pagamento arrivato in ritardo e non applicato: rimborsato per "
    "intero.",
    "late_payment_already_refunded": "Pagamento arrivato in ritardo e non applicato: era già "
    "stato rimborsato.",
    "extra_charge": "Addebito in più per la stessa operazione: verrà rimborsato automaticamente.",
    "extra_charge_refunded": "Addebito in più per la stessa operazione: rimborsato per intero.",
    "extra_charge_already_refunded": "Addebito in più per la stessa operazione: era già stato "
    "rimborsato.",
    "payment_being_verified": _being_verified,
    "licence_busy": "Un'altra modifica di questa licenza è in corso o è appena stata fatta in "
    "un'altra finestra. Ricarica la pagina per vedere i dati aggiornati.",
    "licence_changed": "La licenza è stata modificata in un'altra finestra. Abbiamo aggiornato "
    "i dati: controlla e conferma di nuovo.",
    "licence_not_found": "Licenza non trovata.",
    "operation_not_found": "Operazione non trovata.",
    "operation_invalid": "Operazione non valida.",
    # --- purchase ---
    "already_active": "La licenza è già attiva: non serve acquistarne un'altra. Per utenti e "
    "piano usa «Aggiorna utenti» o «Cambia piano».",
    "billing_profile_missing": "I tuoi dati: completa i dati di fatturazione prima di acquistare.",
    "licence_suspended": "La licenza è sospesa per un rinnovo non pagato: non serve "
    "acquistarne un'altra. Sostituisci la carta in «Metodi di pagamento» e il rinnovo viene "
    "addebitato subito.",
    "data_gone": "Questa licenza non si può più acquistare: i dati non sono più conservati.",
    "purchase_not_found": "Acquisto non trovato.",
    "billing_profile_invalid": lambda p: next(iter(p.get("errors", {}).values()), ""),
    # --- changes of an active licence ---
    "cancel_pending": "La disdetta è in corso: riattiva l'abbonamento prima di modificare "
    "utenti o piano.",
    "licence_not_active": "La licenza non è attiva: utenti e piano si modificano solo su una "
    "licenza attiva.",
    "period_ended": "Il periodo pagato è terminato: la licenza non si può più riattivare.",
    "no_change": "Nessuna modifica: la configurazione è già questa.",
    "no_scheduled_change": "Non c'è nessuna modifica programmata da annullare.",
    "cancel_already_requested": "La disdetta è già registrata.",
    "cancel_reason_invalid": "Motivo: scegli un motivo dall'elenco.",
    "cancel_note_too_long": "Note: al massimo {max_chars} caratteri.",
    "no_cancellation": "Non c'è nessuna disdetta da annullare.",
    # --- the domain's own words (quote, catalogue) travel as `message` ---
    "quote_invalid": "{message}",
    "catalog_invalid": "{message}",
    # --- accounts ---
    "login_failed": "Email o password non corretti.",
    "throttled": lambda p: _throttled(p),
    "password_too_short": "Password: usa almeno {min_length} caratteri.",
    "password_too_long": "Password: al massimo {max_length} caratteri.",
    "password_one_kind": "Password: usa lettere e numeri (o simboli), non solo lettere o solo "
    "numeri.",
    "password_invisible": "Password: usa caratteri visibili, non solo spazi, e nessun carattere "
    "invisibile o di controllo.",
    "password_guessable": "Password: è troppo facile da indovinare (è comune, una sequenza o "
    "contiene la tua email o il nome dell'azienda). Scegline una più lunga o meno prevedibile, "
    "per esempio tre o quattro parole non collegate.",
    "text_hidden_characters": "{label}: contiene caratteri invisibili o di controllo, non ammessi.",
    "email_invalid": "Email: inserisci un indirizzo email valido.",
    "email_taken": "Email: esiste già un account con questo indirizzo. Accedi.",
    "company_name_length": "Azienda: inserisci la ragione sociale (2-100 caratteri).",
    "account_not_found": "Account non trovato.",
    # --- documents, support ---
    "document_not_found": "Documento non trovato.",
    "support_subject_invalid": "Argomento: scegli un argomento dall'elenco.",
    "support_message_length": "Messaggio: scrivi almeno {min_chars} caratteri (massimo "
    "{max_chars}).",
    "support_licence_not_yours": "Licenza: la licenza indicata non è tua.",
    "support_message_hidden_characters": "Messaggio: contiene caratteri invisibili o di "
    "controllo, non ammessi.",
    # --- the product team's pricing sandbox ---
    "draft_empty": "Catalogo: incolla o scrivi il catalogo (TOML).",
    "draft_too_long": "Catalogo: al massimo {max_chars} caratteri.",
    "draft_toml_invalid": "Catalogo {source}: TOML non valido: {detail}",
    "sandbox_situation_invalid": "Situazione: scegli «Nuovo acquisto» o «Licenza attiva».",
    "sandbox_date_missing": _sandbox("scegli una data."),
    "sandbox_date_invalid": _sandbox("la data non è valida (gg/mm/aaaa)."),
    "sandbox_date_out_of_range": _sandbox("data fuori dall'intervallo gestito."),
    "sandbox_plan_invalid": _sandbox("scegli uno dei piani del catalogo ({available})."),
    "sandbox_cycle_invalid": _sandbox("scegli mensile o annuale."),
    "sandbox_seats_invalid": _sandbox("inserisci un numero intero di utenti, almeno 1."),
    # --- the product team's pages ---
    "product_team_only": "Riservato al team di prodotto.",
    # --- catalogue versions (docs/pricing-lab.md) ---
    "catalog_version_not_found": "Versione del catalogo non trovata.",
    "version_not_draft": "Questa versione è già pubblicata: non si modifica. Duplicala per "
    "prepararne una nuova.",
    "draft_changed": "Qualcuno ha salvato questa bozza dopo che l'hai aperta: ricaricala per "
    "vedere le sue modifiche.",
    "version_name_invalid": "Nome: scrivi un nome per la bozza (massimo {max_chars} caratteri).",
    "version_note_invalid": "Nota: al massimo {max_chars} caratteri.",
    "effective_on_invalid": "Data di efficacia: scegli una data valida (gg/mm/aaaa) entro 5 anni.",
    "effective_on_past": "Data di efficacia: scegli oggi o una data futura.",
    "grandfathering_invalid": "Clienti attuali: scegli come passano ai nuovi prezzi.",
    "version_already_scheduled": "C'è già una versione programmata: ritirala prima di "
    "pubblicarne un'altra.",
    "version_not_scheduled": "Si ritira solo una versione programmata, prima della sua data.",
    "simulation_months_invalid": "Mesi: scegli un numero intero da 1 a {max_months}.",
    "mail_message_not_found": "Messaggio non trovato.",
    # --- password reset ---
    "reset_link_invalid": "Questo link per cambiare la password non è valido: è scaduto (vale "
    "30 minuti) oppure è già stato usato. Chiedine uno nuovo.",
    # --- electronic invoices ---
    "einvoice.document_not_found": "Documento non trovato.",
    "einvoice.file_not_found": "File XML non trovato.",
    "einvoice.not_allowed": "Questa pagina è riservata al team prodotto.",
    "einvoice.not_rejected": "Il documento {number} non è stato scartato da SDI: si riemette "
    "solo un file scartato.",
    "einvoice.data_missing": lambda p: (
        f"Manca un dato di fatturazione per la fattura elettronica: {_fields(p, 'field')}."
    ),
    "einvoice.billing_data_invalid": lambda p: (
        f"I dati di fatturazione del cliente non sono ancora corretti ({_fields(p, 'fields')}): "
        "il cliente li corregge in «I tuoi dati di fatturazione», poi riemetti il file."
    ),
    # --- staff refunds (billing/refunds.py) ---
    "refund.not_allowed": "Solo il team prodotto può rimborsare un pagamento.",
    "refund.document_not_found": "Documento non trovato.",
    "refund.not_an_invoice": "Il documento {number} non è una fattura: si rimborsa solo una "
    "fattura.",
    "refund.no_payment": "La fattura {number} non ha un pagamento con carta da rimborsare.",
    "refund.bad_request": "Richiesta non valida: chiudi il modulo e riprova.",
    "refund.reason_too_long": "Motivo: al massimo {max} caratteri.",
    "refund.amount_not_positive": "Importo da rimborsare: scrivi un importo maggiore di zero.",
    "refund.amount_too_large": lambda p: (
        "La fattura è già stata rimborsata per intero."
        if not p.get("refundable_cents")
        else "Importo da rimborsare: al massimo "
        f"{format_cents(p['refundable_cents'])}, quanto resta della fattura."
    ),
    "refund.amount_not_exact": lambda p: (
        "Importo da rimborsare: con l'IVA al 22 % nessun imponibile dà esattamente questo "
        f"totale; scegli {format_cents(p.get('below_cents', 0))} o "
        f"{format_cents(p.get('above_cents', 0))}."
    ),
    "refund_failed": "Stripe non ha eseguito il rimborso. Controlla il pagamento nella dashboard "
    "di Stripe.",
    # --- amounts typed in euros (domain.money.parse_euros); `label` names the field ---
    "euro.empty": "{label}: scrivi un importo in euro, per esempio 27,50.",
    "euro.not_a_number": "{label}: non è un importo in euro (per esempio 27,50 oppure 1.234,00).",
    "euro.too_many_decimals": "{label}: al massimo due decimali (i centesimi).",
    "euro.negative": "{label}: l'importo non può essere negativo.",
    "euro.too_large": "{label}: importo troppo grande.",
    # --- rows stored before codes existed keep their text ---
    "legacy_message": "{message}",
    # --- the renewal job (shown in the laboratory) ---
    "renewal_configuration_missing": "configurazione di rinnovo mancante",
    "internal_error": "errore interno ({exception})",
}

UNKNOWN_CODE = (
    "Si è verificato un errore imprevisto. Riprova; se si ripete, scrivici da Contattaci."
)


def _throttled(params: Mapping[str, Any]) -> str:
    """ "Troppi tentativi": how long to wait, and until when (Rome time), from the throttle."""
    wait = int(params.get("wait_seconds") or 60)
    if wait < 60:
        span = f"{wait} secondi"
    elif wait < 2 * 3600:
        minutes = -(-wait // 60)
        span = "1 minuto" if minutes == 1 else f"{minutes} minuti"
    else:
        span = f"{-(-wait // 3600)} ore"
    retry_at = params.get("retry_at")
    until = ""
    if isinstance(retry_at, (int, float)):
        moment = datetime.fromtimestamp(retry_at, ZoneInfo("Europe/Rome"))
        until = f" (alle {moment:%H:%M})"
    return (
        f"Troppi tentativi: per sicurezza abbiamo sospeso questa operazione. Riprova tra {span}"
        f"{until}."
    )


def text(code: str | None, **params: Any) -> str:
    """The Italian text of `code` filled with `params`; a generic text for an unknown code."""
    template = TEXTS.get(code or "")
    if template is None:
        return UNKNOWN_CODE
    if callable(template):
        return template(params)
    return template.format_map(_Missing(params))


class _Missing(dict):
    """A parameter the caller forgot shows as an ellipsis, never as a crash."""

    def __missing__(self, key: str) -> str:
        return "…"


def message_for(error: UseCaseError) -> str:
    """What the customer reads for a use case's error (the field is a parameter too)."""
    params = dict(error.params)
    if isinstance(error, InputError):
        params.setdefault("field", error.field)
    return text(error.code, **params)


def result_text(result: Any, fallback: str = "payment_failed") -> str:
    """The words for a charge result's failure (`failure_code` with its parameters)."""
    return text(result.failure_code or fallback, **result.failure_params)

"""Kind + params -> subject, plain text and HTML (Jinja2, autoescaped HTML), then the MIME message.

Amounts and dates use the pages' own formatting module, so an email and the page it talks
about always show the same strings. Templates live in ts_store/mail/templates/: one body per kind
(kinds/<kind>.jinja) rendered twice, into the HTML layout with HTML macros (autoescaped: every
value and every sentence is escaped, markup comes only from the macros) and into the text
layout with text macros. Undefined params fail loudly (StrictUndefined): a message is never
sent with a hole in it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr
from pathlib import Path
from typing import Any

import jinja2

from ts_store.billing.support import STORE_EMAIL
from ts_store.domain.notifications import MessageKind
from ts_store.ui import routes
from ts_store.ui.formatting import (
    brand_label,
    format_cents,
    format_date,
    format_datetime,
    format_days,
    format_percent,
    format_users,
)
from ts_store.ui.messages import TEXTS
from ts_store.ui.messages import text as message_text

TEMPLATES = Path(__file__).parent / "templates"
STORE_NAME = "TS Store"
PRODUCT_NAME = "CRM in Cloud"
HIDDEN_LINK = "(link riservato al destinatario)"

# Subject lines (plain text, rendered without escaping). Params as in the body.
SUBJECTS: dict[MessageKind, str] = {
    MessageKind.WELCOME: "Benvenuto in TS Store: la prova di CRM in Cloud è attiva",
    MessageKind.REGISTRATION_ATTEMPT: "Tentativo di registrazione con il tuo indirizzo",
    MessageKind.SUPPORT_RECEIVED: "Abbiamo ricevuto la tua richiesta n. {{ reference }}",
    MessageKind.PASSWORD_RESET: "Scegli una nuova password per TS Store",
    MessageKind.PASSWORD_CHANGED: "La password di TS Store è stata cambiata",
    MessageKind.PURCHASE_CONFIRMED: "Acquisto confermato: licenza CRM in Cloud n. {{ licence_id }}",
    MessageKind.CHANGE_CONFIRMED: "Modifica confermata: licenza CRM in Cloud n. {{ licence_id }}",
    MessageKind.SCHEDULED_CHANGE_SAVED: "Modifica programmata per il rinnovo del "
    "{{ renewal_on | data }}",
    MessageKind.SCHEDULED_CHANGE_APPLIED: "La modifica programmata è in vigore dal "
    "{{ applied_on | data }}",
    MessageKind.RENEWAL_UPCOMING: "La licenza annuale si rinnova il {{ renewal_on | data }}",
    MessageKind.RENEWAL_PAID: "Rinnovo pagato: licenza CRM in Cloud n. {{ licence_id }}",
    MessageKind.RENEWAL_FAILED: "Pagamento del rinnovo non riuscito: aggiorna la carta",
    MessageKind.LICENCE_SUSPENDED: "Licenza CRM in Cloud n. {{ licence_id }} sospesa",
    MessageKind.PAYMENT_RECOVERED: "Pagamento ricevuto: la licenza è di nuovo attiva",
    MessageKind.TRIAL_ENDING: "{% if days_left > 1 %}La prova finisce tra {{ days_left | giorni }}"
    "{% else %}La prova finisce domani{% endif %}",
    MessageKind.TRIAL_ENDED: "La prova di CRM in Cloud è finita",
    MessageKind.CARD_EXPIRING: "La carta che termina con {{ card_last4 }} sta per scadere",
    MessageKind.CARD_REPLACED: "Carta sostituita",
    MessageKind.CANCELLATION_CONFIRMED: "Disdetta registrata: licenza attiva fino al "
    "{{ end_on | data }}",
    MessageKind.REACTIVATED: "Licenza riattivata",
    MessageKind.PRICE_CHANGE_NOTICE: "Nuovi prezzi dal rinnovo del {{ renewal_on | data }}",
    MessageKind.PRICE_CHANGE_WITHDRAWN: "Annullato: il prezzo della tua licenza non cambia",
}
FAILURE_FALLBACK = "La banca non ha autorizzato il pagamento."
CYCLE_LABELS = {"monthly": "mensile", "annual": "annuale"}
_BLANK_RUNS = re.compile(r"\n{3,}")  # the text macros' spacing, folded to one blank line


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str = "application"
    subtype: str = "pdf"


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = field(default=())


def _as_date(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _as_datetime(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _euro(cents: int) -> str:
    return format_cents(int(cents))


def _data(value: str | date) -> str:
    return format_date(_as_date(value))


def _data_ora(value: str | datetime) -> str:
    return format_datetime(_as_datetime(value))


def _cycle(value: str) -> str:
    return CYCLE_LABELS[str(value)]


def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        euro=_euro,
        data=_data,
        data_ora=_data_ora,
        utenti=lambda n: format_users(int(n)),
        giorni=lambda n: format_days(int(n)),
        ciclo=_cycle,
        carta=brand_label,
    )
    return env


@functools.cache
def _html_env() -> jinja2.Environment:
    return _environment(autoescape=True)


@functools.cache
def _text_env() -> jinja2.Environment:
    return _environment(autoescape=False)


def links(public_url: str, params: Mapping[str, Any]) -> dict[str, str]:
    """Absolute links the messages may use. The reset link exists only while its token does
    (the token is removed once the email is sent, and never shown to staff)."""
    base = public_url.rstrip("/")
    found = {
        "login": f"{base}{routes.LOGIN}",
        "myarea": f"{base}{routes.MYAREA}",
        "payment_methods": f"{base}{routes.PAYMENT_METHODS}",
        "documents": f"{base}{routes.DOCUMENTS}",
        "contact": f"{base}{routes.CONTACT}",
        "forgot_password": f"{base}{routes.FORGOT_PASSWORD}",
        "reset": HIDDEN_LINK,
    }
    token = params.get("reset_token")
    if isinstance(token, str) and token:
        found["reset"] = f"{base}{routes.reset_password_url(token)}"
    licence_id = params.get("licence_id")
    if isinstance(licence_id, int):
        found["licence"] = f"{base}{routes.licence_url(licence_id)}"
    return found


def failure_reason(code: object, params: object) -> str:
    """The Italian text of a payment failure code (ts_store/ui/messages.py), or a plain
    sentence when the code has no text of its own."""
    if isinstance(code, str) and code in TEXTS:
        return message_text(code, **(params if isinstance(params, dict) else {}))
    return FAILURE_FALLBACK


def render(kind: str, params: Mapping[str, Any], *, public_url: str) -> RenderedMail:
    """The message of `kind` with `params` (raises for an unknown kind or a missing param)."""
    message_kind = MessageKind(kind)
    context = {
        **params,
        "store_name": STORE_NAME,
        "product_name": PRODUCT_NAME,
        "store_email": STORE_EMAIL,
        "links": links(public_url, params),
    }
    if "failure_code" in params:  # why a charge failed, in the words the pages use
        context["reason"] = failure_reason(params["failure_code"], params.get("failure_params"))
    if "vat_percent" in params:  # the rate of the charge, as the pages label it
        context["vat_label"] = f"IVA {format_percent(Decimal(str(params['vat_percent'])))}"
    subject_template = _text_env().from_string(SUBJECTS[message_kind])
    subject = " ".join(subject_template.render(context).split())
    context["mail_subject"] = subject
    body = f"kinds/{message_kind}.jinja"  # one source per kind, rendered in both formats
    text = _text_env().get_template(body).render(context, layout="layout.txt", macros="macros.txt")
    html = (
        _html_env().get_template(body).render(context, layout="layout.html", macros="macros.html")
    )
    return RenderedMail(subject=subject, text=_BLANK_RUNS.sub("\n\n", text), html=html)


def build_email(
    rendered: RenderedMail,
    *,
    sender: str,
    recipient: str,
    message_id: str,
    created_at: datetime,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """The MIME message: text and HTML alternatives, attachments, the fixed Message-ID."""
    message = EmailMessage()
    name, address = parseaddr(sender)
    message["From"] = formataddr((name, address))
    message["To"] = recipient
    message["Reply-To"] = STORE_EMAIL
    message["Subject"] = rendered.subject
    message["Date"] = formatdate(created_at.timestamp(), localtime=False)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to it
    message.set_content(rendered.text, cte="quoted-printable")
    message.add_alternative(rendered.html, subtype="html", cte="quoted-printable")
    for attachment in (*rendered.attachments, *attachments):
        message.add_attachment(
            attachment.content,
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=attachment.filename,
        )
    return message

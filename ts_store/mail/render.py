"""Kind + params -> subject, plain text and HTML (Jinja2, autoescaped HTML), then the MIME message.

Amounts and dates use the pages' own formatting module, so an email and the page it talks
about always show the same strings. Templates live in ts_store/mail/templates/: one layout per
format, one body per kind. Undefined params fail loudly (StrictUndefined): a message is never
sent with a hole in it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr
from pathlib import Path
from typing import Any

import jinja2

from ts_store.billing.support import STORE_EMAIL
from ts_store.domain.notifications import MessageKind
from ts_store.ui import routes
from ts_store.ui.formatting import format_cents, format_date, format_datetime

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
}


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


def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(euro=_euro, data=_data, data_ora=_data_ora)
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
    subject_template = _text_env().from_string(SUBJECTS[message_kind])
    subject = " ".join(subject_template.render(context).split())
    context["mail_subject"] = subject
    text = _text_env().get_template(f"{message_kind}.txt").render(context)
    html = _html_env().get_template(f"{message_kind}.html").render(context)
    return RenderedMail(subject=subject, text=text, html=html)


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

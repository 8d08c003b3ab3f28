""" "Posta inviata": the product team reads the last emails the store sent (or is sending) and the
rendered message, as the customer gets it.

Product team only: the page and every handler check the role in the database again. The HTML
is shown in a sandboxed iframe (`srcdoc`, no scripts, no same-origin); links that carry a secret
(the password reset link) are never rendered here: the secret is not given to this page.
"""

from __future__ import annotations

import asyncio
import dataclasses

import reflex as rx

from ts_store.billing import notifications
from ts_store.billing.errors import NotAllowed
from ts_store.domain.notifications import OutboxStatus
from ts_store.mail.config import public_url
from ts_store.mail.render import render
from ts_store.ui.components.layout import error_callout, page_shell
from ts_store.ui.formatting import format_datetime
from ts_store.ui.product_team import product_team_member_id

LIST_LIMIT = 50
ID_MAX = 2**31 - 1
STATUS_LABELS = {
    OutboxStatus.PENDING: "In coda",
    OutboxStatus.SENDING: "In invio",
    OutboxStatus.SENT: "Inviata",
    OutboxStatus.RETRYING: "Da ritentare",
    OutboxStatus.DEAD: "Non recapitata",
}
STATUS_COLORS = {
    OutboxStatus.PENDING: "gray",
    OutboxStatus.SENDING: "blue",
    OutboxStatus.SENT: "green",
    OutboxStatus.RETRYING: "orange",
    OutboxStatus.DEAD: "red",
}
FORBIDDEN = "Questa pagina è riservata al product team."


@dataclasses.dataclass
class MailRow:
    id: str = ""
    recipient: str = ""
    subject: str = ""
    time: str = ""
    status: str = ""
    status_label: str = ""
    status_color: str = "gray"
    attempts: str = ""
    error: str = ""


def _subject(entry: notifications.MailLogEntry) -> str:
    if entry.subject:
        return entry.subject
    try:  # not sent yet: the subject it will have
        return render(entry.kind, entry.params, public_url=public_url()).subject
    except Exception:
        return entry.kind


def _row(entry: notifications.MailLogEntry) -> MailRow:
    moment = entry.sent_at or entry.created_at
    return MailRow(
        id=str(entry.id),
        recipient=entry.recipient,
        subject=_subject(entry),
        time=format_datetime(moment),
        status=entry.status,
        status_label=STATUS_LABELS.get(entry.status, entry.status),
        status_color=STATUS_COLORS.get(entry.status, "gray"),
        attempts=str(entry.attempts),
        error=entry.last_error,
    )


def _message_id(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 10:
        value = int(raw)
    else:
        return None
    return value if 1 <= value <= ID_MAX else None


class SentMailState(rx.State):
    loaded: bool = False
    allowed: bool = False
    rows: list[MailRow] = []
    selected_id: str = ""
    preview_subject: str = ""
    preview_recipient: str = ""
    preview_html: str = ""
    preview_text: str = ""
    error: str = ""

    @rx.event
    async def load(self):
        actor = await product_team_member_id(self)
        self.allowed = actor is not None
        self.rows, self.error = [], ""
        self.selected_id = self.preview_html = self.preview_text = ""
        if actor is not None:
            entries = await asyncio.to_thread(notifications.recent_mail, actor, LIST_LIMIT)
            self.rows = [_row(entry) for entry in entries]
        self.loaded = True

    @rx.event
    async def open_message(self, message_id: str):
        actor = await product_team_member_id(self)
        if actor is None:
            self.allowed = False
            self.rows, self.preview_html, self.preview_text = [], "", ""
            return
        wanted = _message_id(message_id)
        if wanted is None:
            self.error = "Messaggio: scelta non valida."
            return
        try:
            entry = await asyncio.to_thread(notifications.mail_entry, actor, wanted)
            rendered = render(entry.kind, entry.params, public_url=public_url())
        except NotAllowed:
            self.error = "Messaggio non trovato."
            return
        except Exception:
            self.error = "Messaggio: impossibile comporre l'anteprima (vedi l'errore nella lista)."
            return
        self.error = ""
        self.selected_id = str(entry.id)
        self.preview_subject = rendered.subject
        self.preview_recipient = entry.recipient
        self.preview_html = rendered.html
        self.preview_text = rendered.text


def _mail_card(row: MailRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(row.subject, weight="bold", class_name="mail-subject"),
                rx.spacer(),
                rx.badge(
                    row.status_label,
                    color_scheme=row.status_color,
                    high_contrast=True,
                    class_name="mail-status",
                ),
                width="100%",
                align="start",
                wrap="wrap",
            ),
            rx.text("A: ", rx.text.span(row.recipient, class_name="mail-recipient"), size="2"),
            rx.text(row.time, " · tentativi: ", row.attempts, size="1", color_scheme="gray"),
            rx.cond(row.error != "", rx.text(row.error, size="1", color_scheme="red")),
            rx.button(
                "Apri",
                on_click=SentMailState.open_message(row.id),
                size="1",
                variant="soft",
                id="mail-open-" + row.id,
                aria_label="Apri il messaggio: " + row.subject,
            ),
            spacing="1",
            width="100%",
            min_width="0",
        ),
        class_name="mail-row",
        width="100%",
    )


def _preview() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(
                SentMailState.preview_subject, size="4", as_="h2", id="mail-preview-subject"
            ),
            rx.text("A: ", SentMailState.preview_recipient, size="2"),
            rx.el.iframe(
                src_doc=SentMailState.preview_html,
                sandbox="",
                title="Anteprima del messaggio",
                id="mail-preview",
                style={
                    "width": "100%",
                    "height": "640px",
                    "border": "1px solid var(--gray-a5)",
                    "borderRadius": "6px",
                    "background": "white",
                },
            ),
            rx.el.details(
                rx.el.summary("Versione solo testo"),
                rx.el.pre(
                    SentMailState.preview_text,
                    id="mail-preview-text",
                    style={"whiteSpace": "pre-wrap", "fontSize": "13px"},
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def sent_mail_page() -> rx.Component:
    return page_shell(
        rx.cond(
            SentMailState.loaded,
            rx.cond(
                SentMailState.allowed,
                rx.vstack(
                    rx.text(
                        f"Gli ultimi {LIST_LIMIT} messaggi, dal più recente.",
                        size="2",
                        color_scheme="gray",
                    ),
                    rx.cond(
                        SentMailState.error != "",
                        error_callout(SentMailState.error, "mail-error"),
                    ),
                    rx.cond(SentMailState.selected_id != "", _preview()),
                    rx.cond(
                        SentMailState.rows.length() > 0,
                        rx.vstack(rx.foreach(SentMailState.rows, _mail_card), width="100%"),
                        rx.text("Nessun messaggio.", id="mail-empty"),
                    ),
                    spacing="3",
                    width="100%",
                ),
                rx.callout(FORBIDDEN, icon="lock", color_scheme="orange", id="mail-forbidden"),
            ),
            rx.center(rx.spinner(size="3"), width="100%", padding="2rem"),
        ),
        title="Posta inviata",
    )

"""MyArea home: "I miei abbonamenti" — each licence with its status, renewal and options menu."""

from __future__ import annotations

import dataclasses

import reflex as rx

from ts_store.billing.overview import LicenceOverview, licences_overview
from ts_store.domain.lifecycle import PAID_STATUSES, LicenceStatus
from ts_store.domain.periods import Cycle
from ts_store.ui import routes
from ts_store.ui.components.layout import page_shell
from ts_store.ui.components.quote_summary import AUTO_RENEWAL, CADENCES
from ts_store.ui.formatting import format_cents, format_date, format_users
from ts_store.ui.session import SessionState, customer_id_of
from ts_store.ui.theme import status_color

CYCLE_LABELS = {Cycle.MONTHLY: "mensile", Cycle.ANNUAL: "annuale"}


@dataclasses.dataclass
class MenuAction:
    label: str
    href: str
    action_id: str


@dataclasses.dataclass
class LicenceCard:
    """What one licence card shows: already formatted text, nothing to compute in the page."""

    licence_id: int = 0
    product: str = ""
    status: str = ""
    status_label: str = ""
    status_color: str = "gray"
    configuration: str = ""
    notes: list[str] = dataclasses.field(default_factory=list)
    renewal: str = ""
    scheduled: str = ""
    primary_action: MenuAction | None = None
    actions: list[MenuAction] = dataclasses.field(default_factory=list)


def licence_actions(view: LicenceOverview) -> tuple[MenuAction | None, list[MenuAction]]:
    """The primary button and the options menu: only actions that work today for this licence."""
    primary: MenuAction | None = None
    actions: list[MenuAction] = []
    if view.can_purchase:
        primary = MenuAction("Acquista ora", routes.purchase_url(view.id), f"buy-{view.id}")
    if view.can_change:
        actions += [
            MenuAction(
                "Aggiorna utenti", routes.licence_url(view.id, "utenti"), f"action-seats-{view.id}"
            ),
            MenuAction(
                "Cambia piano", routes.licence_url(view.id, "piano"), f"action-plan-{view.id}"
            ),
            MenuAction(
                "Disdici abbonamento",
                routes.licence_url(view.id, "disdetta"),
                f"action-cancel-{view.id}",
            ),
        ]
    if view.can_change:
        actions.append(
            MenuAction("Metodi di pagamento", routes.PAYMENT_METHODS, f"action-card-{view.id}")
        )
    if view.scheduled_change and view.can_change:
        actions.append(
            MenuAction(
                "Annulla modifica programmata",
                routes.licence_url(view.id, "utenti"),
                f"action-undo-{view.id}",
            )
        )
    if view.cancel_at_period_end and view.status in PAID_STATUSES:
        primary = MenuAction(
            "Riattiva", routes.licence_url(view.id, "disdetta"), f"action-reactivate-{view.id}"
        )
    if view.status in (LicenceStatus.PAST_DUE, LicenceStatus.SUSPENDED):
        # Replacing the card charges the open renewal at once (renewals.retry_past_due).
        fix_card = MenuAction(
            "Metodi di pagamento", routes.PAYMENT_METHODS, f"action-fix-card-{view.id}"
        )
        if primary is None:
            primary = fix_card
        else:
            actions.append(fix_card)
    return primary, actions


def describe_configuration(view: LicenceOverview) -> str:
    if view.plan_name is None or view.seats is None or view.cycle is None:
        return "Prova gratuita di CRM in Cloud"
    return f"Piano {view.plan_name} · {format_users(view.seats)} · {CYCLE_LABELS[view.cycle]}"


def describe_notes(view: LicenceOverview) -> list[str]:
    notes: list[str] = []
    if view.trial_days_left is not None and view.trial_ends_on is not None:
        notes.append(
            f"Prova gratuita: {view.trial_days_left} giorni rimasti "
            f"(fino al {format_date(view.trial_ends_on)})"
        )
    if view.status == LicenceStatus.TRIAL_EXPIRED and view.retention_until is not None:
        notes.append(
            "La prova è scaduta. I tuoi dati restano disponibili fino al "
            f"{format_date(view.retention_until)}: acquista la licenza per continuare."
        )
    if view.cancel_at_period_end and view.period_end is not None:
        notes.append(f"In disdetta — attiva fino al {format_date(view.period_end)}")
    if view.status == LicenceStatus.PAST_DUE:
        notes.extend(_past_due_notes(view))
    if view.status == LicenceStatus.SUSPENDED:
        notes.extend(_suspended_notes(view))
    if view.status == LicenceStatus.CANCELLED and view.ended_on is not None:
        notes.append(f"Terminata il {format_date(view.ended_on)}")
    return notes


def _open_amount(view: LicenceOverview) -> str:
    if view.open_amount_gross_cents is None:
        return "il rinnovo"
    return f"il rinnovo di {format_cents(view.open_amount_gross_cents)} (IVA inclusa)"


def _past_due_notes(view: LicenceOverview) -> list[str]:
    """Past due: what is owed, when we try again, when it is suspended, how to fix it."""
    notes = [f"Pagamento non riuscito: non siamo riusciti ad addebitare {_open_amount(view)}."]
    if view.next_retry_on is not None:
        notes.append(f"Nuovo tentativo di addebito il {format_date(view.next_retry_on)}.")
    if view.suspends_on is not None:
        notes.append(
            f"Se resta non pagato, la licenza sarà sospesa il {format_date(view.suspends_on)}."
        )
    notes.append("Sostituisci la carta in «Metodi di pagamento»: addebiteremo subito l'importo.")
    return notes


def _suspended_notes(view: LicenceOverview) -> list[str]:
    """Suspended: why, and how to get the licence back."""
    since = f" dal {format_date(view.suspended_on)}" if view.suspended_on else ""
    notes = [
        f"Licenza sospesa{since} perché non siamo riusciti ad addebitare {_open_amount(view)}.",
        "Per riattivarla sostituisci la carta in «Metodi di pagamento»: addebiteremo subito "
        "l'importo e la licenza tornerà attiva.",
    ]
    if view.retention_until is not None:
        notes.append(
            f"I tuoi dati restano disponibili fino al {format_date(view.retention_until)}."
        )
    return notes


def describe_renewal(view: LicenceOverview) -> str:
    """'Prossimo rinnovo il …: 50,00 € + IVA (61,00 € IVA inclusa) ogni mese. Rinnovo
    automatico, disdici quando vuoi.' — the amount from the domain's renewal quote."""
    if view.renewal is None:
        return ""
    return (
        f"Prossimo rinnovo il {format_date(view.renewal.on)}: "
        f"{format_cents(view.renewal.net_cents)} + IVA "
        f"({format_cents(view.renewal.gross_cents)} IVA inclusa) "
        f"{CADENCES[view.renewal.cycle]}. {AUTO_RENEWAL}"
    )


def describe_scheduled(view: LicenceOverview) -> str:
    """The scheduled change, the same on MyArea and on the licence page; in disdetta it says
    that it applies only if the customer reactivates."""
    change = view.scheduled
    if change is None:
        return ""
    what = f"piano {change.plan_name}, {format_users(change.seats)}, {CYCLE_LABELS[change.cycle]}"
    if view.cancel_at_period_end:
        return (
            f"Modifica programmata dal {format_date(change.on)} ({what}): non si applica perché "
            "la licenza è in disdetta; torna valida se riattivi l'abbonamento."
        )
    return f"Modifica programmata dal {format_date(change.on)}: {what}"


def to_card(view: LicenceOverview) -> LicenceCard:
    primary, actions = licence_actions(view)
    renewal = describe_renewal(view)
    scheduled = describe_scheduled(view)
    return LicenceCard(
        licence_id=view.id,
        product=view.product,
        status=str(view.status),
        status_label=view.status_label,
        status_color=status_color(view.status, view.cancel_at_period_end),
        configuration=describe_configuration(view),
        notes=describe_notes(view),
        renewal=renewal,
        scheduled=scheduled,
        primary_action=primary,
        actions=actions,
    )


class MyAreaState(rx.State):
    cards: list[LicenceCard] = []
    loaded: bool = False

    @rx.event
    async def load(self):
        customer_id = await customer_id_of(self)
        if customer_id is None:
            return rx.redirect(routes.login_url(routes.MYAREA))
        self.cards = [to_card(v) for v in licences_overview(customer_id)]
        self.loaded = True
        return None


def _menu(card: LicenceCard) -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.icon("ellipsis_vertical", size=16),
                "Opzioni",
                variant="soft",
                id=f"options-{card.licence_id}",
            )
        ),
        rx.menu.content(
            rx.foreach(
                card.actions,
                lambda action: rx.menu.item(
                    action.label, on_click=rx.redirect(action.href), id=action.action_id
                ),
            )
        ),
    )


def licence_card(card: LicenceCard) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.vstack(
                    rx.heading(card.product, size="4", as_="h2"),
                    rx.text(card.configuration, color_scheme="gray", class_name="licence-config"),
                    spacing="1",
                ),
                rx.spacer(),
                rx.badge(
                    card.status_label,
                    color_scheme=card.status_color,
                    high_contrast=True,
                    size="2",
                    class_name="licence-status",
                ),
                width="100%",
                align="start",
                wrap="wrap",
            ),
            rx.foreach(card.notes, lambda note: rx.text(note, size="2", class_name="licence-note")),
            rx.cond(
                card.renewal != "", rx.text(card.renewal, size="2", class_name="licence-renewal")
            ),
            rx.cond(
                card.scheduled != "",
                rx.callout(
                    card.scheduled, icon="calendar_clock", size="1", class_name="licence-scheduled"
                ),
            ),
            rx.hstack(
                rx.cond(
                    card.primary_action,
                    rx.button(  # a link drawn as a button: it goes to a page
                        rx.link(
                            card.primary_action.label,
                            href=card.primary_action.href,
                            id=card.primary_action.action_id,
                        ),
                        as_child=True,
                    ),
                ),
                rx.cond(card.actions.length() > 0, _menu(card)),
                spacing="3",
                wrap="wrap",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id=f"licence-{card.licence_id}",
        class_name="licence-card",
    )


def _no_licences() -> rx.Component:
    """No licence: say so; the product team gets its own pages instead of an empty list."""
    return rx.vstack(
        rx.text("Non ci sono licenze di CRM in Cloud su questo account.", id="no-licences"),
        rx.cond(
            SessionState.is_product_team,
            rx.hstack(
                rx.link("Laboratorio prezzi", href=routes.LAB, class_name="ts-tap"),
                rx.link("Fatture elettroniche", href=routes.EINVOICES, class_name="ts-tap"),
                rx.link("Posta inviata", href=routes.SENT_MAIL, class_name="ts-tap"),
                spacing="4",
                wrap="wrap",
                id="team-links",
            ),
        ),
        spacing="2",
    )


def myarea_page() -> rx.Component:
    return page_shell(
        rx.text(
            "Qui gestisci in autonomia la licenza di CRM in Cloud: acquisto, utenti, piano, "
            "disdetta e metodo di pagamento.",
            color_scheme="gray",
        ),
        rx.cond(
            SessionState.company_name != "",
            rx.text("Azienda: ", rx.text.strong(SessionState.company_name), size="2"),
        ),
        rx.cond(
            MyAreaState.loaded,
            rx.cond(
                MyAreaState.cards.length() > 0,
                rx.vstack(rx.foreach(MyAreaState.cards, licence_card), spacing="4", width="100%"),
                _no_licences(),
            ),
            rx.center(rx.spinner(size="3"), width="100%", padding="2rem"),
        ),
        title="I miei abbonamenti",
    )

"""Keyboard only: "Acquista ora" and "Aggiorna utenti" with Tab, Shift+Tab, Enter, Space and the
arrows (values are typed), asserting where focus lands after each step (issue #17).

No click and no `fill`: a step reached with the mouse would hide a control the keyboard cannot
reach or a focus lost to <body>.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.e2e.helpers import run_async, text_of, wait_for_text
from tests.fixtures.factories import (
    PASSWORD,
    VALID_BILLING,
    give_card,
    make_active_licence,
    make_customer,
    make_trial,
)
from ts_store.domain.fiscal import BILLING_FIELDS
from ts_store.payments.gateway import StripeGateway
from ts_store.store import documents, licences

pytestmark = [pytest.mark.e2e, pytest.mark.stripe]

HEADING = "page-title"  # the h1 of every page (layout.page_shell)


def focused(page) -> str:
    """The id of the focused element (its tag when it has none)."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e ? (e.id || e.getAttribute('placeholder') || e.tagName.toLowerCase()) : '' }"
    )


def wait_for_focus(page, element_id: str) -> None:
    page.wait_for_function(
        "id => document.activeElement && document.activeElement.id === id", arg=element_id
    )


def press_until(page, element_id: str, key: str = "Tab", limit: int = 60) -> int:
    """Press `key` until `element_id` has focus; how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        if focused(page) == element_id:
            return presses
    raise AssertionError(f"{key} never reached #{element_id}; focus is on {focused(page)!r}")


def type_into(page, element_id: str, text: str) -> None:
    assert focused(page) == element_id
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text)


def keyboard_login(page, app, email: str) -> None:
    page.goto(f"{app.url}/login")
    page.wait_for_selector("#login-submit")
    press_until(page, "login-email")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert focused(page) == "login-password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/myarea")
    wait_for_focus(page, HEADING)  # the route change moved focus to the new page's h1


def test_acquista_ora_with_the_keyboard_only(page, running_app):
    with running_app.session() as session:
        customer = make_customer(session)
        trial = make_trial(session, customer.id, trial_ends_on=date(2026, 12, 5))
    keyboard_login(page, running_app, customer.email)
    page.wait_for_selector(".licence-card")

    # MyArea: the skip link is the first stop after the heading's page, then the nav
    press_until(page, f"buy-{trial.id}")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/myarea/acquista/{trial.id}")
    page.wait_for_selector("#profile-submit")
    wait_for_focus(page, HEADING)

    # 1. I tuoi dati: a wrong Partita IVA sends focus back to it, with its message
    press_until(page, "profile-company_name")
    for index, name in enumerate(BILLING_FIELDS):
        if index:
            page.keyboard.press("Tab")
        value = "12345678901" if name == "vat_number" else VALID_BILLING[name]
        type_into(page, f"profile-{name}", value)
    page.keyboard.press("Enter")  # submits the form from its last field
    wait_for_focus(page, "profile-vat_number")
    assert page.get_attribute("#profile-vat_number", "aria-invalid") == "true"
    assert "profile-vat_number-error" in page.get_attribute(
        "#profile-vat_number", "aria-describedby"
    )
    type_into(page, "profile-vat_number", VALID_BILLING["vat_number"])
    press_until(page, "profile-submit")
    page.keyboard.press("Enter")

    # 2. Configura la licenza: focus on the h1, which names the step
    page.wait_for_selector("#purchase-seats")
    wait_for_focus(page, HEADING)
    assert "Configura la licenza" in text_of(page, f"#{HEADING}")
    press_until(page, "purchase-seats")
    for _ in range(4):
        page.keyboard.press("ArrowUp")  # "+" four times, focus stays in the field
    wait_for_text(page, "#purchase-renewal-detail", "5 utenti")
    assert focused(page) == "purchase-seats"
    assert page.input_value("#purchase-seats") == "5"
    press_until(page, "purchase-cycle-monthly")  # monthly is pre-selected
    page.keyboard.press("ArrowRight")
    assert focused(page) == "purchase-cycle-annual"
    page.keyboard.press("Space")
    wait_for_text(page, "#purchase-gross", "1.525,00")
    page.keyboard.press("Shift+Tab")
    assert focused(page) == "compare-plans"
    page.keyboard.press("Tab")
    assert focused(page) == "purchase-cycle-annual"  # the group's chosen item
    press_until(page, "configuration-submit")
    assert "1.525,00" in text_of(page, "#purchase-bar-today")
    page.keyboard.press("Enter")

    # 3. Pagamento: the card form, then "Salva la carta" with Space
    page.wait_for_selector("#card-element input[placeholder=number]")
    wait_for_focus(page, HEADING)
    card = {
        "number": "4242424242424242",
        "exp_month": "12",
        "exp_year": "30",
        "cvc": "123",
        "postal_code": "20121",
    }
    for _ in range(30):  # Tab into the card form, whichever field comes first
        page.keyboard.press("Tab")
        if focused(page) in card:
            break
    typed = set()
    while focused(page) in card:  # the card form's fields in their own order, then on
        field = focused(page)
        typed.add(field)
        page.keyboard.type(card[field])
        if focused(page) == field:  # a complete field may move on by itself (month, cvc)
            page.keyboard.press("Tab")
    assert typed == set(card)
    assert focused(page) == "save-card"
    press_until(page, "save-card")
    page.keyboard.press("Space")

    # 4. Conferma: the button says what is paid
    page.wait_for_selector("#confirm-purchase")
    wait_for_focus(page, HEADING)
    assert "Conferma" in text_of(page, f"#{HEADING}")
    press_until(page, "confirm-purchase")
    assert text_of(page, "#confirm-purchase") == "Paga 1.525,00 € e attiva"
    page.keyboard.press("Enter")

    page.wait_for_selector("#purchase-done")
    wait_for_focus(page, HEADING)
    with running_app.session() as session:
        licence = licences.get_licence(session, trial.id)
        [document] = documents.documents_of(session, customer.id)
    assert (licence.status, licence.cycle, licence.seats) == ("active", "annual", 5)
    assert document.gross_cents == 152500


def test_aggiorna_utenti_with_the_keyboard_only(page, running_app, stripe_settings):
    with running_app.session() as session:
        customer = make_customer(session)
        run_async(give_card(session, StripeGateway(stripe_settings), customer))
        licence = make_active_licence(session, customer.id, seats=2)
    keyboard_login(page, running_app, customer.email)
    page.wait_for_selector(".licence-card")

    press_until(page, f"options-{licence.id}")
    page.keyboard.press("Enter")  # opens the menu on its first item
    wait_for_focus(page, f"action-seats-{licence.id}")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/myarea/licenza/{licence.id}?sezione=utenti")
    page.wait_for_selector("#seats-input")
    wait_for_focus(page, HEADING)

    press_until(page, "seats-input")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    wait_for_text(page, "#quote-gross", "36,60")
    assert focused(page) == "seats-input"
    page.keyboard.press("ArrowDown")  # back to 4, then up again: the arrows both ways
    wait_for_text(page, "#quote-gross", "24,40")
    page.keyboard.press("ArrowUp")
    wait_for_text(page, "#quote-gross", "36,60")
    page.keyboard.press("Shift+Tab")
    assert focused(page) == "seats-minus"
    press_until(page, "confirm-change")
    assert text_of(page, "#confirm-change") == "Paga 36,60 € e aggiungi 3 utenti"
    page.keyboard.press("Enter")

    wait_for_text(page, "#licence-result", "Modifica applicata")
    wait_for_focus(page, "licence-result")  # the outcome is read at once
    with running_app.session() as session:
        assert licences.get_licence(session, licence.id).seats == 5

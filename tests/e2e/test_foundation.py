"""Foundation end to end: register, log out, log in, see the trial, write to the store.

Drives the real app (production build) in headless Chromium; screenshots of MyArea at 1280 and
390 px are kept in artifacts/screenshots/.
"""

from itertools import count

import pytest
from sqlmodel import select

from tests.e2e.helpers import login, text_of
from tests.fixtures.app import screenshots
from ts_store.store.models import Customer, SupportRequest

pytestmark = [pytest.mark.e2e, pytest.mark.stripe]
_n = count(1)


PASSWORD = "Tramonto sul lago 2026"


def _register_only(page, app, email: str, company: str) -> str:
    """The registration form sent; the neutral answer the page gives (issue #15)."""
    if page.locator("#register-done").count():  # the last answer: ask for the form again
        page.get_by_text("Registra un altro indirizzo").click()
    else:
        page.goto(f"{app.url}/registrati")
    page.wait_for_selector("#register-company_name")
    page.fill("#register-company_name", company)
    page.fill("#register-email", email)
    page.fill("#register-password", PASSWORD)
    page.click("#register-submit")
    page.wait_for_selector("#register-done")
    return text_of(page, "#register-done")


def _register(page, app, email: str, company: str) -> None:
    _register_only(page, app, email, company)
    login(page, app, email, PASSWORD)


def test_registering_a_known_email_answers_exactly_as_for_a_new_one(page, running_app):
    email = f"doppio{next(_n)}@example.it"
    first = _register_only(page, running_app, email, "Doppio S.r.l.")
    again = _register_only(page, running_app, email.upper(), "Altro Nome S.r.l.")
    assert first == again
    assert "esiste già" not in again
    with running_app.session() as session:
        stored = session.exec(select(Customer).where(Customer.email == email)).all()
    assert [c.company_name for c in stored] == ["Doppio S.r.l."]


def test_register_logout_login_and_see_the_15_day_trial(page, running_app):
    email = f"verdi{next(_n)}@example.it"
    _register(page, running_app, email, "Verdi S.p.A.")
    card = text_of(page, ".licence-card")
    assert "In prova" in card
    assert "15 giorni rimasti (fino al 13/12/2026)" in card
    screenshots(page, "myarea-trial")

    page.click("#logout-button")
    page.wait_for_url("**/login")
    page.goto(f"{running_app.url}/myarea")
    page.wait_for_url("**/login?next=/myarea")

    login(page, running_app, email, PASSWORD)
    assert "Verdi S.p.A." in text_of(page, "body")


def _failed_login(page, app, email: str) -> str:
    """The message of one failed login, in a page that showed none before it."""
    page.goto(f"{app.url}/login")
    page.fill("#login-email", email)
    page.fill("#login-password", "Sbagliata2026")
    assert page.locator("#login-error").count() == 0
    page.click("#login-submit")
    page.wait_for_selector("#login-error")
    return text_of(page, "#login-error")


def test_wrong_password_and_unknown_email_get_the_same_message_revealing_no_account(
    page, browser, running_app
):
    email = f"rossi{next(_n)}@example.it"
    _register(page, running_app, email, "Rossi S.r.l.")
    page.click("#logout-button")
    page.wait_for_url("**/login")
    wrong_password = _failed_login(page, running_app, email)
    # A new browser (its own page state), so the message read is the answer to this attempt.
    other = browser.new_context()
    try:
        unknown_email = _failed_login(other.new_page(), running_app, "nessuno@example.it")
    finally:
        other.close()
    assert wrong_password == "Email o password non corretti."
    assert unknown_email == "Email o password non corretti."


def test_contattaci_request_is_stored_and_not_visible_to_another_customer(
    page, browser, running_app
):
    email = f"neri{next(_n)}@example.it"
    _register(page, running_app, email, "Neri S.r.l.")
    page.goto(f"{running_app.url}/myarea/contattaci")
    assert "store@teamsystem.com" in text_of(page, "#store-email")
    assert "La chat di CRM in Cloud non può intervenire" in text_of(page, "body")
    page.click("#contact-subject")
    page.get_by_role("option", name="Fatturazione e pagamenti").click()
    page.fill("#contact-message", "Vorrei ricevere la fattura in PEC.")
    page.click("#contact-submit")
    page.wait_for_selector("#contact-sent")
    screenshots(page, "contattaci-sent")

    with running_app.session() as session:
        customer = session.exec(select(Customer).where(Customer.email == email)).one()
        [stored] = session.exec(
            select(SupportRequest).where(SupportRequest.customer_id == customer.id)
        ).all()
    assert stored.subject == "Fatturazione e pagamenti"
    assert stored.message == "Vorrei ricevere la fattura in PEC."
    assert f"#{stored.id}" in text_of(page, "#contact-sent")

    other = browser.new_context(viewport={"width": 390, "height": 844})
    other_page = other.new_page()
    try:
        _register(other_page, running_app, f"altro{next(_n)}@example.it", "Altro S.r.l.")
        other_page.goto(f"{running_app.url}/myarea/contattaci")
        other_page.wait_for_selector("#contact-submit")
        assert "Vorrei ricevere la fattura in PEC." not in text_of(other_page, "body")
        assert "Neri" not in text_of(other_page, "body")
    finally:
        other.close()


def test_empty_contact_message_names_the_field_and_stores_nothing(page, running_app):
    email = f"gialli{next(_n)}@example.it"
    _register(page, running_app, email, "Gialli S.r.l.")
    page.goto(f"{running_app.url}/myarea/contattaci")
    page.click("#contact-subject")
    page.get_by_role("option", name="Altro").click()
    page.fill("#contact-message", "corto")
    page.click("#contact-submit")
    page.wait_for_selector("#contact-message-error")
    assert text_of(page, "#contact-message-error").startswith("Messaggio:")
    with running_app.session() as session:
        customer = session.exec(select(Customer).where(Customer.email == email)).one()
        assert (
            session.exec(
                select(SupportRequest).where(SupportRequest.customer_id == customer.id)
            ).all()
            == []
        )


def test_plan_comparison_lists_the_catalogue_plans(page, running_app):
    page.goto(f"{running_app.url}/piani")
    for code, name in (("smart", "Smart"), ("pro", "Pro"), ("business", "Business")):
        assert name in text_of(page, f"#plan-{code}")
    assert "25,00" in text_of(page, "#plan-pro")

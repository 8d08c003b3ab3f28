"""Email end to end: the real app (production build) sends through a real SMTP server (the
project's sink); Chromium drives registration, Contattaci, "Password dimenticata?" and the
product team's "Posta inviata". Rendered emails are photographed at 1280 and 390 px."""

from __future__ import annotations

import re
from datetime import date
from itertools import count

import pytest

from tests.e2e.helpers import login, set_today, text_of
from tests.fixtures.app import ARTIFACTS, DESKTOP, MOBILE, screenshots
from tests.fixtures.factories import PASSWORD, make_customer, make_trial
from tests.fixtures.smtp import body_text

pytestmark = pytest.mark.e2e
_n = count(1)
NEW_PASSWORD = "UnaNuovaPassword2027"
RESET_LINK = re.compile(r"http://\S+/nuova-password\?token=[A-Za-z0-9_-]+")


def _to(address: str):
    return lambda message: message["To"] == address


def _about(address: str, subject_part: str):
    return lambda m: m["To"] == address and subject_part in str(m["Subject"])


def email_screenshots(browser, html: str, name: str) -> None:
    """The email's HTML as a mail client shows it, at desktop and phone width."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    for label, size in (("1280", DESKTOP), ("390", MOBILE)):
        context = browser.new_context(viewport=size, java_script_enabled=False)
        try:
            page = context.new_page()
            page.set_content(html)
            page.screenshot(path=str(folder / f"email-{name}-{label}.png"), full_page=True)
        finally:
            context.close()


@pytest.fixture
def at_article_date(running_app):
    set_today(running_app, date(2026, 11, 28))
    yield
    set_today(running_app, None)


def test_registering_sends_the_welcome_email(
    page, browser, running_app, app_mail_sink, at_article_date
):
    email = f"benvenuto{next(_n)}@example.it"
    page.goto(f"{running_app.url}/registrati")
    page.fill("#register-company_name", "Verdi S.p.A.")
    page.fill("#register-email", email)
    page.fill("#register-password", PASSWORD)
    page.click("#register-submit")
    page.wait_for_url("**/myarea")

    welcome = app_mail_sink.wait_for(_to(email))
    assert welcome["Subject"] == "Benvenuto in TS Store: la prova di CRM in Cloud è attiva"
    text = body_text(welcome)
    assert "Gentile Verdi S.p.A.," in text
    assert "Prova gratuita fino al: 13/12/2026" in text  # what MyArea shows for the trial
    assert f"{running_app.url}/myarea" in text
    email_screenshots(browser, body_text(welcome, "html"), "benvenuto")


def test_contact_request_sends_a_receipt_with_a_copy(
    page, browser, running_app, app_mail_sink, at_article_date
):
    with running_app.session() as session:
        customer = make_customer(session, company="Neri S.r.l.")
        make_trial(session, customer.id, trial_ends_on=date(2026, 12, 5))
    login(page, running_app, customer.email)
    page.goto(f"{running_app.url}/myarea/contattaci")
    page.click("#contact-subject")
    page.get_by_role("option", name="Fatturazione e pagamenti").click()
    page.fill("#contact-message", "Vorrei ricevere la fattura <in PEC> & in copia.")
    page.click("#contact-submit")
    page.wait_for_selector("#contact-sent")

    receipt = app_mail_sink.wait_for(_to(customer.email))
    reference = text_of(page, "#contact-sent").split("#")[1].split(")")[0]
    assert receipt["Subject"] == f"Abbiamo ricevuto la tua richiesta n. {reference}"
    assert "Vorrei ricevere la fattura <in PEC> & in copia." in body_text(receipt)
    assert "&lt;in PEC&gt; &amp; in copia" in body_text(receipt, "html")
    email_screenshots(browser, body_text(receipt, "html"), "contattaci")


def test_password_reset_end_to_end(page, browser, running_app, app_mail_sink, at_article_date):
    with running_app.session() as session:
        customer = make_customer(session, company="Blu S.r.l.")
        make_trial(session, customer.id, trial_ends_on=date(2026, 12, 5))

    page.goto(f"{running_app.url}/login")
    page.click("#forgot-password-link")
    page.wait_for_url("**/password-dimenticata")
    page.fill("#forgot-email", f"nessuno{next(_n)}@example.it")  # no such account
    page.click("#forgot-submit")
    page.wait_for_selector("#forgot-sent")
    neutral = text_of(page, "#forgot-sent")
    screenshots(page, "password-dimenticata-inviata")
    page.click("#forgot-again")
    page.fill("#forgot-email", customer.email)
    page.click("#forgot-submit")
    page.wait_for_selector("#forgot-sent")
    assert text_of(page, "#forgot-sent") == neutral  # the same answer either way

    reset_email = app_mail_sink.wait_for(_about(customer.email, "nuova password"))
    [link] = RESET_LINK.findall(body_text(reset_email))
    assert link.startswith(running_app.url)
    email_screenshots(browser, body_text(reset_email, "html"), "password-dimenticata")

    page.goto(link)
    page.wait_for_selector("#reset-password")
    page.fill("#reset-password", "corta1")
    page.fill("#reset-password-confirm", "corta1")
    page.click("#reset-submit")
    page.wait_for_selector("#reset-error")
    assert text_of(page, "#reset-error").startswith("Password:")
    page.fill("#reset-password", NEW_PASSWORD)
    page.fill("#reset-password-confirm", NEW_PASSWORD)
    screenshots(page, "nuova-password")
    page.click("#reset-submit")
    page.wait_for_selector("#reset-done")

    changed = app_mail_sink.wait_for(_about(customer.email, "è stata cambiata"))
    assert "abbiamo chiuso tutte le sessioni" in body_text(changed)

    page.goto(f"{running_app.url}/login")
    page.fill("#login-email", customer.email)
    page.fill("#login-password", PASSWORD)  # the old password
    page.click("#login-submit")
    page.wait_for_selector("#login-error")
    login(page, running_app, customer.email, NEW_PASSWORD)

    page.goto(link)  # the same link a second time
    page.wait_for_selector("#reset-link-invalid")
    assert "già stato usato" in text_of(page, "#reset-link-invalid")
    assert page.locator("#reset-password").count() == 0


def test_posta_inviata_shows_the_rendered_email_to_the_product_team_only(
    page, browser, running_app, app_mail_sink, at_article_date
):
    with running_app.session() as session:
        team = make_customer(session, company="Prodotto", role="product_team")
        customer = make_customer(session, company="Gialli S.r.l.")
        make_trial(session, customer.id, trial_ends_on=date(2026, 12, 5))
    page.goto(f"{running_app.url}/password-dimenticata")
    page.fill("#forgot-email", customer.email)
    page.click("#forgot-submit")
    page.wait_for_selector("#forgot-sent")
    reset_email = app_mail_sink.wait_for(_about(customer.email, "nuova password"))
    [link] = RESET_LINK.findall(body_text(reset_email))

    login(page, running_app, customer.email)  # a customer is refused
    page.goto(f"{running_app.url}/posta-inviata")
    page.wait_for_selector("#mail-forbidden")
    page.click("#logout-button")

    page.goto(f"{running_app.url}/login")
    page.fill("#login-email", team.email)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url("**/myarea")
    page.goto(f"{running_app.url}/posta-inviata")
    page.wait_for_selector(".mail-row")
    row = page.locator(".mail-row", has_text=customer.email).first
    assert "Scegli una nuova password per TS Store" in row.inner_text()
    assert "Inviata" in row.inner_text()
    row.get_by_role("button", name=re.compile("^Apri")).click()
    page.wait_for_selector("#mail-preview")
    frame = page.frame_locator("#mail-preview")
    assert "Gentile Gialli S.r.l.," in frame.locator("body").inner_text()
    assert page.get_attribute("#mail-preview", "sandbox") == ""
    token = link.rsplit("=", 1)[1]
    assert token not in page.content()  # staff never see the reset link
    assert token not in frame.locator("body").inner_html()
    screenshots(page, "posta-inviata")

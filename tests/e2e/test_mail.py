"""Email end to end: the real app (production build) sends through a real SMTP server (the
project's sink); Chromium drives registration, Contattaci, a purchase, "Password dimenticata?"
and the product team's "Posta inviata"; the renewal job runs as the cron command does.
Rendered emails are photographed at 1280 and 390 px."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from itertools import count

import pytest

from tests.billing.test_documents import _pdf_text
from tests.e2e.helpers import login, run_async, text_of, type_card, wait_for_text
from tests.fixtures.app import ARTIFACTS, DESKTOP, MOBILE, ROOT, screenshots
from tests.fixtures.factories import (
    PASSWORD,
    VALID_BILLING,
    give_card,
    make_active_licence,
    make_customer,
    make_trial,
    save_billing_profile,
)
from tests.fixtures.smtp import body_text
from ts_store.payments.gateway import StripeGateway
from ts_store.store import documents

pytestmark = [pytest.mark.e2e, pytest.mark.stripe]
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
    """The app runs on the article's date (APP_TODAY, fixed when it starts)."""
    yield


def test_registering_sends_the_welcome_email(
    page, browser, running_app, app_mail_sink, at_article_date
):
    email = f"benvenuto{next(_n)}@example.it"
    page.goto(f"{running_app.url}/registrati")
    page.fill("#register-company_name", "Verdi S.p.A.")
    page.fill("#register-email", email)
    page.fill("#register-password", "Tramonto sul lago 2026")
    page.click("#register-submit")
    page.wait_for_selector("#register-done")  # the same answer for a known address (issue #15)

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
    page.wait_for_url("**/laboratorio")
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


def _plain(text: str) -> str:
    """Amounts as the pages and the PDF write them, with an ordinary space before the €."""
    return " ".join(text.replace("\xa0", " ").split())


def test_purchase_sends_a_confirmation_whose_pdf_has_the_total_of_the_confirm_page(
    page, browser, running_app, app_mail_sink, at_article_date
):
    invoice_email = f"fatture{next(_n)}@bianchi.it"
    with running_app.session() as session:
        customer = make_customer(session, company="Bianchi S.r.l.")
        trial = make_trial(session, customer.id, trial_ends_on=date(2026, 12, 5))
    login(page, running_app, customer.email)
    page.click(f"#buy-{trial.id}")
    page.wait_for_selector("#profile-submit")
    for name, value in {**VALID_BILLING, "invoice_email": invoice_email}.items():
        page.fill(f"#profile-{name}", value)
    page.click("#profile-submit")
    page.wait_for_selector("#purchase-seats")
    page.fill("#purchase-seats", "5")
    page.click("#purchase-cycle-annual")  # monthly is pre-selected
    wait_for_text(page, "#purchase-gross", "1.525,00")
    page.click("#configuration-submit")
    type_card(page, "4242424242424242")
    page.click("#save-card")
    page.wait_for_selector("#confirm-purchase")
    total_on_confirm = _plain(text_of(page, "#purchase-gross"))  # the confirm page's total
    page.click("#confirm-purchase")
    page.wait_for_selector("#purchase-done")

    confirmation = app_mail_sink.wait_for(_to(invoice_email))
    assert confirmation["Subject"] == f"Acquisto confermato: licenza CRM in Cloud n. {trial.id}"
    with running_app.session() as session:
        [document] = documents.documents_of(session, customer.id)
    [attachment] = list(confirmation.iter_attachments())
    assert attachment.get_filename() == f"fattura-{document.number.replace('/', '-')}.pdf"
    pdf_text = _plain(_pdf_text(attachment.get_content()))
    assert total_on_confirm == "1.525,00 €"
    assert total_on_confirm in pdf_text and document.number in pdf_text
    text = _plain(body_text(confirmation))
    assert f"Totale pagato oggi: {total_on_confirm}" in text
    assert "Prossimo rinnovo: 28/11/2027" in text
    email_screenshots(browser, body_text(confirmation, "html"), "acquisto-confermato")


def _with_card(session, settings, customer, number: str) -> None:
    """A test card saved in localstripe as the customer's default (off the test's loop)."""

    async def save():
        gateway = StripeGateway(settings)
        try:
            await give_card(session, gateway, customer, number)
        finally:
            await gateway.aclose()

    run_async(save())


def _renew_as_cron(app, stripe_settings, today: date) -> str:
    """`python -m ts_store.billing renew` on the running app's database, as cron runs it."""
    env = dict(
        os.environ,
        TS_STORE_DB_URL=app.db_url,
        TS_STORE_STRIPE_SECRET_KEY=stripe_settings.secret_key,
        TS_STORE_STRIPE_PUBLISHABLE_KEY=stripe_settings.publishable_key,
        TS_STORE_STRIPE_API_BASE=stripe_settings.api_base or "",
        TS_STORE_STRIPE_JS_URL=stripe_settings.js_url,
        TS_STORE_STRIPE_WEBHOOK_SECRET=stripe_settings.webhook_secret,
    )
    done = subprocess.run(
        [sys.executable, "-m", "ts_store.billing", "renew", "--today", today.isoformat()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_declined_renewal_sends_the_failure_email_with_the_retry_date_myarea_shows(
    page, browser, running_app, app_mail_sink, session_stripe_settings, at_article_date
):
    invoice_email = f"amministrazione{next(_n)}@verdi.it"
    with running_app.session() as session:
        customer = make_customer(session, company="Verdi S.r.l.")
        save_billing_profile(
            session, customer.id, company_name="Verdi S.r.l.", invoice_email=invoice_email
        )
        _with_card(session, session_stripe_settings, customer, "4000000000000341")
        licence = make_active_licence(
            session, customer.id, period_start=date(2026, 10, 28), period_end=date(2026, 11, 28)
        )

    report = _renew_as_cron(running_app, session_stripe_settings, date(2026, 11, 28))
    assert f"licenza n. {licence.id} · Pagamento del rinnovo non riuscito" in report

    failure = app_mail_sink.wait_for(_to(invoice_email))
    assert failure["Subject"] == "Pagamento del rinnovo non riuscito: aggiorna la carta"
    text = _plain(body_text(failure))
    assert "Gentile Verdi S.r.l.," in text
    assert "sulla carta Visa che termina con 0341" in text
    assert "Importo del rinnovo: 61,00 € IVA inclusa" in text  # Pro monthly, 2 users
    assert "Prossimo tentativo: 29/11/2026" in text  # first rung of the ladder: +1 day
    assert "Sospensione se non pagato: 12/12/2026" in text  # +14 days
    assert f"{running_app.url}/myarea/metodi-di-pagamento" in text
    assert list(failure.iter_attachments()) == []

    login(page, running_app, customer.email)  # the page says the same date
    wait_for_text(page, f"#licence-{licence.id}", "Nuovo tentativo di addebito il 29/11/2026")
    email_screenshots(browser, body_text(failure, "html"), "rinnovo-non-riuscito")

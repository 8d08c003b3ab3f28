"""'Laboratorio prezzi' end to end: the product team moves the clock and watches renewals happen.

The running app charges real (localstripe) cards during the run; the customer whose card fails
then sees in MyArea why the licence is suspended and how to fix it. A customer cannot use the
laboratory. Screenshots at 1280 and 390 px are kept in artifacts/screenshots/.
"""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from tests.e2e.helpers import login, set_today, simulated_today, text_of
from tests.fixtures.app import screenshots
from tests.fixtures.factories import (
    PASSWORD,
    give_card,
    make_active_licence,
    make_customer,
    save_billing_profile,
)
from ts_store.payments.gateway import StripeGateway

pytestmark = [pytest.mark.e2e, pytest.mark.stripe]


def _with_card(session, settings, customer, number: str) -> None:
    """give_card in a thread of its own: Playwright's sync API owns this thread's event loop."""

    async def run():
        gateway = StripeGateway(settings)
        try:
            await give_card(session, gateway, customer, number)
        finally:
            await gateway.aclose()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run()).result()


def _login_as_product_team(page, app, email: str) -> None:
    page.goto(f"{app.url}/login")
    page.fill("#login-email", email)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url("**/myarea")


def test_product_team_sets_a_date_runs_renewals_and_sees_the_documents(
    page, browser, running_app, stripe_settings
):
    previous_date = simulated_today(running_app)
    set_today(running_app, date(2026, 11, 28))
    tag = uuid.uuid4().hex[:8]
    with running_app.session() as session:
        team = make_customer(
            session, f"prodotto-{tag}@example.it", "TeamSystem Store", role="product_team"
        )
        good = make_customer(session, f"bianchi-{tag}@example.it", f"Bianchi {tag} S.r.l.")
        bad = make_customer(session, f"verdi-{tag}@example.it", f"Verdi {tag} S.r.l.")
        save_billing_profile(session, good.id, company_name=f"Bianchi {tag} S.r.l.")
        save_billing_profile(session, bad.id, company_name=f"Verdi {tag} S.r.l.")
        _with_card(session, stripe_settings, good, "4242424242424242")
        _with_card(session, stripe_settings, bad, "4000000000000341")
        paid = make_active_licence(session, good.id, period_start=date(2026, 11, 10))
        unpaid = make_active_licence(session, bad.id, period_start=date(2026, 11, 10))
        team_email, bad_email = team.email, bad.email
    try:
        _login_as_product_team(page, running_app, team_email)
        page.get_by_role("link", name="Laboratorio prezzi").click()
        page.wait_for_url("**/laboratorio")
        page.wait_for_selector(f"#lab-licence-{paid.id}")
        assert text_of(page, "#lab-today") == "28/11/2026"
        row = text_of(page, f"#lab-licence-{paid.id}")
        assert "10/12/2026" in row and "50,00 € + IVA (61,00 €)" in row
        screenshots(page, "lab-before-run")

        page.fill("#lab-date", "2027-01-12")
        page.click("#lab-run")
        page.wait_for_selector("#lab-report", timeout=120_000)
        page.wait_for_function("document.querySelector('#lab-today').innerText === '12/01/2027'")

        documents = page.locator(".lab-document", has_text=f"Bianchi {tag} S.r.l.")
        assert documents.count() == 2
        texts = sorted(" ".join(documents.nth(i).inner_text().split()) for i in range(2))
        assert all("61,00 €" in text for text in texts)
        assert any("10/12/2026" in text for text in texts)
        assert any("10/01/2027" in text for text in texts)
        assert "10/02/2027" in text_of(page, f"#lab-licence-{paid.id} .lab-next-renewal")
        unpaid_row = text_of(page, f"#lab-licence-{unpaid.id}")
        assert "Sospesa" in unpaid_row and "Sospesa dal 24/12/2026" in unpaid_row
        assert "61,00 € da incassare" in unpaid_row
        assert page.locator(".lab-document", has_text=f"Verdi {tag} S.r.l.").count() == 0
        screenshots(page, "lab-after-run")

        page.click("#logout-button")
        page.wait_for_url("**/login")
        login(page, running_app, bad_email)
        card = text_of(page, f"#licence-{unpaid.id}")
        assert "Sospesa" in card
        assert "Licenza sospesa dal 24/12/2026" in card and "61,00 € (IVA inclusa)" in card
        assert "sostituisci la carta" in card
        fix = page.locator(f"#action-fix-card-{unpaid.id}")  # the primary button: pay, not rebuy
        assert fix.inner_text() == "Metodi di pagamento"
        assert page.locator(f"#buy-{unpaid.id}").count() == 0
        assert page.get_by_role("link", name="Laboratorio prezzi").count() == 0
        screenshots(page, "myarea-suspended")

        page.goto(f"{running_app.url}/laboratorio")
        page.wait_for_selector("#lab-forbidden")
        assert page.locator("#lab-licences").count() == 0
        assert f"Bianchi {tag}" not in text_of(page, "body")
    finally:
        set_today(running_app, previous_date)


def test_product_team_tries_a_draft_price_and_sees_the_article_rateo_at_the_new_price(
    page, running_app
):
    previous_date = simulated_today(running_app)
    set_today(running_app, date(2026, 11, 28))
    tag = uuid.uuid4().hex[:8]
    with running_app.session() as session:
        team = make_customer(session, f"prezzi-{tag}@example.it", "TeamSystem", role="product_team")
        team_email = team.email
    try:
        _login_as_product_team(page, running_app, team_email)
        page.goto(f"{running_app.url}/laboratorio")
        page.wait_for_selector("#sandbox-catalog")
        live = page.input_value("#sandbox-catalog")
        assert "monthly_cents = 2500" in live
        assert page.input_value("#sandbox-today") == "2026-11-28"

        page.fill("#sandbox-catalog", live.replace("monthly_cents = 2500", "monthly_cents = 3000"))
        page.fill("#sandbox-period_start", "2026-11-10")
        page.fill("#sandbox-current_seats", "2")
        page.fill("#sandbox-target_seats", "5")
        page.click("#sandbox-calculate")
        page.wait_for_selector("#sandbox-summary")

        assert text_of(page, "#sandbox-result-title") == (
            "Modifica nel periodo in corso (fino al 10/12/2026)"
        )
        assert (
            text_of(page, ".sandbox-line") == "Utenti aggiunti: 3 utenti × 30,00 € × 12/30 giorni"
        )
        assert text_of(page, "#sandbox-gross") == "43,92 €"
        assert text_of(page, "#sandbox-renewal-gross") == "183,00 €"  # 5 × 30,00 + IVA
        assert "30,00 €" in text_of(page, "#sandbox-plans")
        screenshots(page, "lab-sandbox")

        page.fill("#sandbox-catalog", live.replace("monthly_cents = 2500", "monthly_cents = -1"))
        page.click("#sandbox-calculate")
        page.wait_for_selector("#sandbox-error")
        assert "piano 'pro'" in text_of(page, "#sandbox-error")
        assert "campo 'monthly_cents'" in text_of(page, "#sandbox-error")
        assert page.locator("#sandbox-summary").count() == 0

        page.click("#sandbox-restore")
        page.wait_for_function(
            "document.querySelector('#sandbox-catalog').value.includes('monthly_cents = 2500')"
        )
    finally:
        set_today(running_app, previous_date)

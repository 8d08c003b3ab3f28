"""Managing an active licence in Chromium: the article's 2 → 5 users, a scheduled downgrade
undone, a cancellation and its reactivation (issue #5)."""

import pytest

from tests.e2e.helpers import login, text_of, wait_for_text
from tests.fixtures.app import screenshots
from tests.fixtures.factories import make_customer
from ts_store.store import documents, licences

pytestmark = [pytest.mark.e2e, pytest.mark.stripe]


def test_article_scenario_2_to_5_users_shows_the_rateo_and_applies(
    page, running_app, article_customer
):
    customer, licence = article_customer
    login(page, running_app, customer.email)
    page.click(f"#options-{licence.id}")
    page.click(f"#action-seats-{licence.id}")
    page.wait_for_selector("#seats-input")
    for _ in range(3):
        page.click("#seats-plus")
    wait_for_text(page, "#quote-gross", "36,60")

    assert text_of(page, ".quote-line") == "Utenti aggiunti: 3 utenti × 25,00 € × 12/30 giorni"
    assert text_of(page, "#quote-net") == "30,00 €"
    assert text_of(page, "#quote-vat") == "6,60 €"
    assert text_of(page, "#quote-gross") == "36,60 €"
    assert text_of(page, "#quote-renewal-title") == "Dal 10/12/2026 pagherai ogni mese"
    assert text_of(page, "#quote-renewal-net") == "125,00 €"
    assert text_of(page, "#quote-renewal-gross") == "152,50 €"
    screenshots(page, "aggiorna-servizi-preview")

    page.click("#confirm-change")
    wait_for_text(page, "#licence-result", "Modifica applicata")
    assert "5 utenti" in text_of(page, "#licence-current")
    with running_app.session() as session:
        assert licences.get_licence(session, licence.id).seats == 5
        [document] = documents.documents_of(session, customer.id)
        assert document.gross_cents == 3660
    screenshots(page, "aggiorna-servizi-applied")

    page.goto(f"{running_app.url}/myarea/documenti")
    page.wait_for_selector(".document-row")
    row = text_of(page, ".document-row")
    assert document.number in row and "36,60 €" in row and "30,00 €" in row
    page.click("#show-" + document.number.replace("/", "-"))
    page.wait_for_selector("#document-detail")
    assert "3 × 25,00 € × 12/30 giorni" in text_of(page, "#document-detail")
    with page.expect_download() as download:
        page.click("#download-pdf")
    assert download.value.suggested_filename == f"fattura-{document.number.replace('/', '-')}.pdf"
    screenshots(page, "documenti")


def test_downgrade_is_scheduled_then_undone(page, running_app, article_customer):
    customer, licence = article_customer
    login(page, running_app, customer.email)
    page.goto(f"{running_app.url}/myarea/licenza/{licence.id}?sezione=piano")
    page.wait_for_selector("#choose-plan-smart")
    page.click("#choose-plan-smart")
    wait_for_text(page, "#quote-scheduled", "Dal 10/12/2026 la licenza passa a: piano Smart")
    assert "Nessun addebito oggi." in text_of(page, "#quote-summary")
    page.click("#confirm-change")
    wait_for_text(page, "#licence-result", "Modifica salvata")
    assert "piano Smart" in text_of(page, "#licence-scheduled")
    screenshots(page, "cambia-piano-scheduled")

    page.goto(f"{running_app.url}/myarea")
    page.wait_for_selector(".licence-scheduled")
    assert "Modifica programmata dal 10/12/2026: piano Smart" in text_of(page, ".licence-scheduled")

    page.goto(f"{running_app.url}/myarea/licenza/{licence.id}")
    page.click("#undo-scheduled")
    wait_for_text(page, "#licence-result", "Modifica programmata annullata")
    with running_app.session() as session:
        assert licences.get_licence(session, licence.id).renewal_plan == "pro"


def test_cancel_then_reactivate(page, running_app, article_customer):
    customer, licence = article_customer
    login(page, running_app, customer.email)
    page.goto(f"{running_app.url}/myarea/licenza/{licence.id}?sezione=disdetta")
    page.wait_for_selector("#confirm-cancel")
    assert "attiva fino al 10/12/2026" in text_of(page, "body")
    assert "fino al 08/02/2027 (60 giorni)" in text_of(page, "body")
    page.click("#confirm-cancel")
    wait_for_text(page, "#cancel-pending", "In disdetta — attiva fino al 10/12/2026")
    screenshots(page, "disdetta")

    page.goto(f"{running_app.url}/myarea")
    page.wait_for_selector(f"#action-reactivate-{licence.id}")
    assert "In disdetta" in text_of(page, f"#licence-{licence.id}")
    page.click(f"#action-reactivate-{licence.id}")
    page.wait_for_selector("#reactivate")
    page.click("#reactivate")
    wait_for_text(page, "#licence-result", "Abbonamento riattivato")
    with running_app.session() as session:
        assert licences.get_licence(session, licence.id).cancel_at_period_end is False


def test_another_customers_licence_page_shows_nothing(page, running_app, article_customer):
    _, licence = article_customer
    with running_app.session() as session:
        intruder = make_customer(session)
    page.goto(f"{running_app.url}/login")
    page.fill("#login-email", intruder.email)
    page.fill("#login-password", "Password2026")
    page.click("#login-submit")
    page.wait_for_url("**/myarea")
    page.goto(f"{running_app.url}/myarea/licenza/{licence.id}")
    page.wait_for_selector("#licence-load-error")
    assert text_of(page, "#licence-load-error") == "Licenza non trovata."

"""'Bozza del catalogo' end to end: the product team drafts Pro at 27 €/month keeping the annual
discount, reads Confronto, Impatto sui clienti (checked against figures computed here from the
licences in the database) and Anteprima; a customer is turned away. Each section is saved at
1280 and 390 px in artifacts/screenshots/ (catalog-<section>-<width>.png)."""

from __future__ import annotations

import uuid
from datetime import date
from fractions import Fraction

import pytest
import sqlalchemy as sa

from tests.e2e.helpers import login, text_of, wait_for_text
from tests.fixtures.app import ARTIFACTS, DESKTOP, MOBILE
from tests.fixtures.factories import PASSWORD, make_active_licence, make_customer
from ts_store.domain.money import round_half_up
from ts_store.domain.periods import Cycle
from ts_store.ui.formatting import format_cents

pytestmark = [pytest.mark.e2e, pytest.mark.stripe]

LIVE = {"smart": (1500, 15000), "pro": (2500, 25000), "business": (4000, 40000)}
DRAFT = {**LIVE, "pro": (2700, 27000)}


def _expected_mrr(app) -> tuple[str, str]:
    """MRR before and after (policy b), from every live licence, not in disdetta."""
    with app.session() as session:
        rows = session.execute(
            sa.text(
                "SELECT renewal_plan, renewal_cycle, renewal_seats FROM licence "
                "WHERE status IN ('active', 'past_due') AND NOT cancel_at_period_end "
                "AND plan IS NOT NULL AND data_removed_on IS NULL"
            )
        ).all()
    before = after = Fraction(0)
    for plan, cycle, seats in rows:
        index, months = (1, 12) if cycle == "annual" else (0, 1)
        before += Fraction(seats * LIVE[plan][index], months)
        after += Fraction(seats * DRAFT[plan][index], months)
    return tuple(  # as inner_text().split() reads them: the no-break space becomes a space
        format_cents(round_half_up(value)).replace("\xa0", " ") for value in (before, after)
    )


def screenshots(page, name: str) -> None:
    """The section at 1280 and 390 px in artifacts/screenshots/ (not committed); a long page
    needs time to lay out again after a resize before a full-page capture."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    for label, size in (("1280", DESKTOP), ("390", MOBILE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(600)
        page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def _no_horizontal_scroll(page) -> None:
    page.set_viewport_size(MOBILE)
    page.wait_for_timeout(200)
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size(DESKTOP)
    assert width <= MOBILE["width"]


def test_product_team_drafts_compares_measures_and_previews(page, running_app):
    tag = uuid.uuid4().hex[:8]
    with running_app.session() as session:
        team = make_customer(session, f"prodotto-{tag}@example.it", "Store", role="product_team")
        client = make_customer(session, f"rossi-{tag}@example.it", f"Rossi {tag} S.r.l.")
        make_active_licence(
            session, client.id, plan="pro", seats=4, period_start=date(2026, 11, 20)
        )
        make_active_licence(
            session,
            client.id,
            plan="pro",
            cycle=Cycle.ANNUAL,
            seats=3,
            period_start=date(2026, 6, 1),
        )
        team_email, client_email = team.email, client.email
    page.goto(f"{running_app.url}/login")
    page.fill("#login-email", team_email)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url("**/laboratorio")  # the product team lands on its own page
    page.get_by_role("link", name="Bozza del catalogo").click()
    page.wait_for_url("**/laboratorio/catalogo")

    # Bozza: Pro at 27 €/month, the annual price follows at the same discount
    page.wait_for_selector("#draft-monthly-1")
    assert page.input_value("#draft-monthly-1") == "25,00"
    page.fill("#draft-monthly-1", "27")
    page.wait_for_function("document.querySelector('#draft-annual-1').value === '270,00'")
    wait_for_text(page, "#draft-plan-1 .draft-discount", "16,67")
    page.fill("#draft-max_seats-0", "abc")
    wait_for_text(page, "#draft-plan-0", "Piano Smart, utenti massimi: scrivi un numero")
    page.fill("#draft-max_seats-0", "5")
    page.wait_for_selector("#draft-valid")
    page.fill("#draft-name", f"Pro a 27 € {tag}")
    page.click("#draft-save")
    wait_for_text(page, "#draft-saved", f"Bozza «Pro a 27 € {tag}» salvata")
    screenshots(page, "catalog-bozza")
    _no_horizontal_scroll(page)

    # Confronto
    page.click("#section-confronto")
    page.wait_for_selector("#compare-table .compare-row")
    row = page.locator(".compare-row", has_text="Pro, mensile, 5 utenti").first
    cells = " ".join(row.inner_text().split())
    assert "125,00 €" in cells and "135,00 €" in cells and "+10,00 €" in cells
    screenshots(page, "catalog-confronto")
    _no_horizontal_scroll(page)

    # Impatto sui clienti: figures computed here from the database
    page.click("#section-impatto")
    page.click("#impact-compute")
    page.wait_for_selector("#impact-summary")
    before, after = _expected_mrr(running_app)
    total = " ".join(page.locator(".impact-bucket", has_text="Totale").inner_text().split())
    assert before in total and after in total, (before, after, total)
    assert f"Rossi {tag} S.r.l." in text_of(page, "#impact-top")
    with page.expect_download() as download:
        page.click("#impact-csv")
    assert download.value.suggested_filename == "impatto-bozza.csv"
    screenshots(page, "catalog-impatto")
    _no_horizontal_scroll(page)

    # Anteprima: /piani with the draft, under its banner
    page.click("#section-anteprima")
    page.wait_for_selector("#preview-plan-pro")
    assert "nulla viene salvato né addebitato" in text_of(page, "#preview-banner")
    assert "27,00 €" in text_of(page, "#preview-plan-pro")
    page.fill("#preview-buy-seats", "2")
    wait_for_text(page, "#preview-buy-gross", "65,88")
    wait_for_text(page, "#preview-change-net", "40,50")
    page.get_by_role("tab", name="Cambia piano").click()
    page.click("#preview-choose-business")
    wait_for_text(page, "#preview-change-renewal-detail", "Piano Business")
    screenshots(page, "catalog-anteprima")
    _no_horizontal_scroll(page)

    # a customer is turned away
    page.context.clear_cookies()
    login(page, running_app, client_email)
    page.goto(f"{running_app.url}/laboratorio/catalogo")
    page.wait_for_selector("#catalog-lab-forbidden")

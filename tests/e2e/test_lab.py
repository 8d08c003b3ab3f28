"""'Laboratorio prezzi' end to end: versions, publishing with notice, renewals and purchases.

Issue #14's "Done when", as the product team: a draft "Pro 27 €/mese" keeping the annual
discount; published in "Pubblica" with an effective date 10 days ahead and policy (b); then the
renewal command (`renew --today`) charges a licence renewing before the date at the old price and
one renewing after it at the new; a purchase after the date pays the new price. The live store
runs on its real date (TS_STORE_TODAY at start); "Simulazione" runs on a copy and changes
nothing. Screenshots of each section at 1280 and 390 px in artifacts/screenshots/.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import select

from tests.e2e.helpers import login, text_of
from tests.fixtures.app import ROOT, screenshots
from tests.fixtures.factories import (
    PASSWORD,
    give_card,
    make_active_licence,
    make_customer,
    make_trial,
    save_billing_profile,
)
from ts_store.billing import catalog_versions, purchase
from ts_store.billing.bootstrap import bootstrap
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration
from ts_store.payments.gateway import StripeGateway
from ts_store.store.db import using_database
from ts_store.store.models import BillingOperation, Licence

pytestmark = [pytest.mark.e2e, pytest.mark.stripe]

EFFECTIVE = date(2026, 12, 8)  # 10 days after the app's date, 28/11/2026


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
    page.wait_for_url("**/laboratorio")  # the product team lands on its own page


def _renew(app, settings, today: date) -> str:
    env = dict(
        os.environ,
        TS_STORE_DB_URL=app.db_url,
        TS_STORE_STRIPE_SECRET_KEY=settings.secret_key,
        TS_STORE_STRIPE_PUBLISHABLE_KEY=settings.publishable_key,
        TS_STORE_STRIPE_API_BASE=settings.api_base or "",
        TS_STORE_STRIPE_JS_URL=settings.js_url,
        TS_STORE_STRIPE_WEBHOOK_SECRET=settings.webhook_secret,
    )
    command = [sys.executable, "-m", "ts_store.billing", "renew", "--today", today.isoformat()]
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _renewals(app, licence_id: int) -> list[tuple[str, int]]:
    with app.session() as session:
        rows = session.exec(
            select(BillingOperation)
            .where(BillingOperation.licence_id == licence_id, BillingOperation.kind == "renewal")
            .order_by(BillingOperation.id)
        ).all()
    return [
        (op.idempotency_key.split(":")[2], op.amount_cents)
        for op in rows
        if op.status == "succeeded"
    ]


class _On:
    def __init__(self, day: date) -> None:
        self.day = day

    def today(self) -> date:
        return self.day


def _buy_after_the_date(app, settings, customer_id: int, licence_id: int, version: int):
    """The purchase use case, as the app runs it, on a day after the effective date."""

    async def run():
        gateway = StripeGateway(settings)
        try:
            with using_database(app.db_url):
                bootstrap(gateway=gateway, clock=_On(date(2026, 12, 9)))
                return await purchase.purchase(
                    customer_id=customer_id,
                    licence_id=licence_id,
                    expected_version=version,
                    target=Configuration("pro", Cycle.MONTHLY, 2),
                    idempotency_key=f"e2e-after-{uuid.uuid4().hex}",
                )
        finally:
            await gateway.aclose()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result()


def test_product_team_publishes_pro_27_and_renewals_and_purchases_follow_the_date(
    page, running_app, stripe_settings
):
    tag = uuid.uuid4().hex[:8]
    with running_app.session() as session:
        team = make_customer(
            session, f"listino-{tag}@example.it", "TeamSystem", role="product_team"
        )
        early = make_customer(session, f"presto-{tag}@example.it", f"Presto {tag} S.r.l.")
        late = make_customer(session, f"tardi-{tag}@example.it", f"Tardi {tag} S.r.l.")
        buyer = make_customer(session, f"nuovo-{tag}@example.it", f"Nuovo {tag} S.r.l.")
        for customer in (early, late, buyer):
            save_billing_profile(session, customer.id, company_name=customer.company_name)
            _with_card(session, stripe_settings, customer, "4242424242424242")
        before = make_active_licence(session, early.id, period_start=date(2026, 11, 5))
        after = make_active_licence(
            session, late.id, cycle=Cycle.ANNUAL, period_start=date(2026, 1, 10)
        )
        trial = make_trial(session, buyer.id, trial_ends_on=date(2026, 12, 12))
        team_id, team_email = team.id, team.email

    # The draft "Pro 27 €/mese" keeping the annual discount (16,7 %: 250 → 270 €/anno).
    with using_database(running_app.db_url):
        draft = catalog_versions.create_draft(team_id, f"Pro 27 €/mese {tag}")
        content = draft.content.replace("monthly_cents = 2500", "monthly_cents = 2700", 1)
        content = content.replace("annual_cents = 25000", "annual_cents = 27000", 1)
        draft = catalog_versions.save_draft(
            team_id, draft.id, draft.revision, draft.name, "", content
        )
    try:
        _login_as_product_team(page, running_app, team_email)
        page.goto(f"{running_app.url}/laboratorio")
        page.wait_for_selector(f"#version-{draft.id}")
        assert text_of(page, "#lab-today") == "28/11/2026"
        assert "Bozza" in text_of(page, f"#version-{draft.id}")
        screenshots(page, "14-versions")

        page.select_option("#publish-draft", str(draft.id))
        page.fill("#publish-date", EFFECTIVE.isoformat())
        page.click("#publish-policy-move_at_renewal")
        page.locator("#lab-publish").scroll_into_view_if_needed()
        page.click("#publish-submit")
        page.wait_for_selector("#publish-message")
        assert "in vigore dal 08/12/2026" in text_of(page, "#publish-message")
        assert "Programmata" in text_of(page, f"#version-{draft.id}")
        page.locator("#lab-publish").scroll_into_view_if_needed()
        screenshots(page, "14-publish")

        # Simulazione: on a copy; the live licences stay as they are.
        page.fill("#simulation-months", "2")
        page.click("#simulation-run")
        page.wait_for_selector("#simulation-result", timeout=120_000)
        assert "nulla è stato salvato né addebitato" in text_of(page, "#simulation-title")
        assert "Chiamate a Stripe: 0" in text_of(page, "#simulation-result")
        page.locator("#lab-simulation").scroll_into_view_if_needed()
        screenshots(page, "14-simulation")
        with running_app.session() as session:
            assert session.get(Licence, before.id).period_end == date(2026, 12, 5)
        assert _renewals(running_app, before.id) == []

        # The renewal command on the days of the two renewals.
        _renew(running_app, stripe_settings, date(2026, 12, 5))
        _renew(running_app, stripe_settings, date(2027, 1, 10))
        assert _renewals(running_app, before.id)[0] == ("2026-12-05", 6100)  # 2 × 25 € + IVA
        assert _renewals(running_app, after.id) == [("2027-01-10", 65880)]  # 2 × 270 € + IVA

        with running_app.session() as session:
            version = session.get(Licence, trial.id).version
        result = _buy_after_the_date(running_app, stripe_settings, buyer.id, trial.id, version)
        assert result.done
        with running_app.session() as session:
            [operation] = session.exec(
                select(BillingOperation).where(BillingOperation.licence_id == trial.id)
            ).all()
            assert operation.amount_cents == 6588  # 2 × 27 € + IVA
            assert operation.catalog_version_id == draft.id

        page.click("#logout-button")
        page.wait_for_url("**/login")
        login(page, running_app, f"presto-{tag}@example.it")
        page.goto(f"{running_app.url}/laboratorio")
        page.wait_for_selector("#lab-forbidden")
        assert page.locator("#lab-publish").count() == 0
    except Exception:
        print(running_app.log_tail())
        raise
    finally:
        _take_back(running_app, draft.id)


def _take_back(app, version_id: int) -> None:
    """The session's later tests run on 28/11/2026 with the first catalogue and no notices:
    the test's version is set aside in the database (the renewal command, run for January, has
    already put it in force, so it can no longer be withdrawn from the page)."""
    with app.session() as session:
        session.execute(
            sa.text("UPDATE catalog_version SET status = 'withdrawn' WHERE id = :id"),
            {"id": version_id},
        )
        session.execute(sa.text("UPDATE catalog_version SET status = 'published' WHERE id = 1"))
        session.execute(
            sa.text(
                "UPDATE price_change_notice SET withdrawn_on = '2026-11-28'"
                " WHERE catalog_version_id = :id"
            ),
            {"id": version_id},
        )
        session.commit()


def test_product_team_tries_a_draft_price_and_sees_the_article_rateo_at_the_new_price(
    page, running_app
):
    tag = uuid.uuid4().hex[:8]
    with running_app.session() as session:
        team = make_customer(session, f"prezzi-{tag}@example.it", "TeamSystem", role="product_team")
        team_email = team.email
    _login_as_product_team(page, running_app, team_email)  # lands on Laboratorio prezzi
    page.wait_for_selector("#sandbox-catalog")
    # the live catalogue arrives with the page's load event, after the textarea is drawn
    page.wait_for_function(
        "document.querySelector('#sandbox-catalog').value.includes('monthly_cents')"
    )
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
    assert text_of(page, ".sandbox-line") == "Utenti aggiunti: 3 utenti × 30,00 € × 12/30 giorni"
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

"""WCAG 2.1 AA checked by axe-core in every page state, at 1280 and 390 px (issue #17).

axe-core comes from npm (scripts/setup.sh puts it in .tools/). Each test walks one group of
states, runs axe in each at both widths, and fails listing every violation it found; all the
results also go to artifacts/axe/, with a summary table by rule and impact (artifacts/axe/
summary.md) that the closing note of issue #17 quotes.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.e2e.helpers import login, run_async, type_card
from tests.fixtures.app import ARTIFACTS, DESKTOP, MOBILE, ROOT
from tests.fixtures.factories import (
    PASSWORD,
    VALID_BILLING,
    give_card,
    make_active_licence,
    make_customer,
    make_trial,
    save_billing_profile,
)
from ts_store.billing.password_reset import token_hash
from ts_store.payments.gateway import StripeGateway
from ts_store.store import licences, password_resets
from ts_store.store.models import utcnow

pytestmark = [pytest.mark.e2e, pytest.mark.stripe]

AXE_JS = Path(os.environ.get("AXE_JS", ROOT / ".tools/node_modules/axe-core/axe.min.js"))
# The "Done when": WCAG 2.1 A/AA rules, plus four best-practice rules by name.
WCAG_TAGS = {"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}
BEST_PRACTICE_RULES = {"region", "landmark-one-main", "page-has-heading-one", "heading-order"}
# localstripe's fake Card Element is a test double of Stripe's iframe (not our markup, never
# shipped): axe skips it. Real Stripe.js renders the card fields in its own accessible iframe.
EXCLUDE = [["#card-element"]]
OUT = ARTIFACTS / "axe"


def _axe(page) -> list[dict]:
    """The violations axe finds in the page as it is now, filtered to the issue's rules."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # evaluated through DevTools, not added as an inline <script>: the store's CSP
        # (rightly) blocks inline scripts it did not build
        page.evaluate(AXE_JS.read_text())
    result = page.evaluate(
        "async (exclude) => await axe.run({exclude}, {resultTypes: ['violations']})", EXCLUDE
    )
    return [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]],
            "summary": v["nodes"][0].get("failureSummary", ""),
        }
        for v in result["violations"]
        if v["id"] in BEST_PRACTICE_RULES or WCAG_TAGS & set(v["tags"])
    ]


class AxeWalk:
    """Runs axe in each state at both widths; remembers everything for the report."""

    def __init__(self, page, group: str, phone_shots: bool = False) -> None:
        self.page, self.group, self.found = page, group, []
        self.phone_shots = phone_shots  # a 390 px screenshot per state, for the closing note

    def check(self, state: str) -> None:
        self.page.wait_for_timeout(400)  # tab and callout transitions end before colours are read
        for width, size in (("1280", DESKTOP), ("390", MOBILE)):
            self.page.set_viewport_size(size)
            self.page.wait_for_timeout(200)
            if self.phone_shots and width == "390":
                (OUT / "shots").mkdir(parents=True, exist_ok=True)
                name = "".join(c if c.isalnum() else "-" for c in state.lower())
                self.page.screenshot(path=str(OUT / "shots" / f"{self.group}-{name}.png"))
            for violation in _axe(self.page):
                self.found.append({"state": state, "width": width, **violation})
            _record_state(state, width)
        self.page.set_viewport_size(DESKTOP)

    def assert_clean(self) -> None:
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / f"{self.group}.json").write_text(json.dumps(self.found, indent=1))
        _write_summary()
        lines = [
            f"{v['state']} @{v['width']}: {v['rule']} ({v['impact']}) ×{len(v['nodes'])} "
            f"{v['nodes'][:3]} — {v['help']}"
            for v in self.found
        ]
        assert not lines, "axe violations:\n" + "\n".join(lines)


_STATES: set[tuple[str, str]] = set()


def _record_state(state: str, width: str) -> None:
    _STATES.add((state, width))
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "states.txt", "a") as states:
        states.write(f"{state}\t{width}\n")


def _write_summary() -> None:
    """artifacts/axe/summary.md: violations (nodes) by rule and by impact, over every group."""
    found = [v for path in sorted(OUT.glob("*.json")) for v in json.loads(path.read_text())]
    states = {tuple(line.split("\t")) for line in (OUT / "states.txt").read_text().splitlines()}
    by_rule, by_impact, rule_states = Counter(), Counter(), {}
    for v in found:
        by_rule[v["rule"]] += len(v["nodes"])
        by_impact[v["impact"]] += len(v["nodes"])
        rule_states.setdefault(v["rule"], set()).add((v["state"], v["width"]))
    total = sum(by_rule.values())
    lines = [
        f"{len(states)} page states × width ({len({s for s, _ in states})} states at 1280 and "
        f"390 px); {total} violations (nodes)",
        "",
        "| rule | violations | states×widths |",
        "|---|---|---|",
        *[f"| {r} | {n} | {len(rule_states[r])} |" for r, n in by_rule.most_common()],
        "",
        "| impact | violations |",
        "|---|---|",
        *[f"| {i} | {n} |" for i, n in by_impact.most_common()],
    ]
    (OUT / "summary.md").write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module", autouse=True)
def _fresh_report():
    if OUT.exists():
        shutil.rmtree(OUT)
    yield


def _login_any(page, app, email: str, lands_on: str = "/myarea") -> None:
    page.goto(f"{app.url}/login")
    page.fill("#login-email", email)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"**{lands_on}")


def _logout(page) -> None:
    page.context.clear_cookies()
    page.evaluate("window.localStorage.clear(); window.sessionStorage.clear()")


def test_logged_out_pages_have_no_axe_violations(page, running_app):
    walk = AxeWalk(page, "logged-out")
    url = running_app.url
    page.goto(f"{url}/login")
    page.wait_for_selector("#login-submit")
    walk.check("login")
    page.fill("#login-email", "nessuno@example.it")
    page.fill("#login-password", "Sbagliata2026")
    page.click("#login-submit")  # the error shown
    page.wait_for_selector("#login-error")
    walk.check("login, errore")

    page.goto(f"{url}/registrati")
    page.wait_for_selector("#register-submit")
    walk.check("registrati")
    page.fill("#register-company_name", "Rossi S.r.l.")
    page.fill("#register-email", f"rossi-{uuid.uuid4().hex[:8]}@example.it")
    page.fill("#register-password", "corta")  # refused by the server: too short
    page.click("#register-submit")
    page.wait_for_selector("[id^=register-][id$=-error]")
    walk.check("registrati, errori")

    page.goto(f"{url}/password-dimenticata")
    page.wait_for_selector("#forgot-submit")
    walk.check("password dimenticata")
    page.goto(f"{url}/nuova-password?token=sconosciuto")
    page.wait_for_selector("#reset-link-invalid")
    walk.check("nuova password, link non valido")
    with running_app.session() as session:
        customer = make_customer(session)
        token = uuid.uuid4().hex
        now = utcnow()
        password_resets.add_reset(
            session,
            customer_id=customer.id,
            token_hash=token_hash(token),
            now=now,
            expires_at=now + timedelta(minutes=30),
        )
        session.commit()
    page.goto(f"{url}/nuova-password?token={token}")
    page.wait_for_selector("#reset-password")
    walk.check("nuova password")

    page.goto(f"{url}/piani")
    page.wait_for_selector("#plan-pro")
    walk.check("piani")
    walk.assert_clean()


def _licence_in(session, customer_id: int, state: str):
    """A licence of `customer_id` in `state`, written as the renewal job would leave it."""
    if state == "trial":
        return make_trial(session, customer_id, trial_ends_on=date(2026, 12, 5))
    if state == "trial_expired":
        return make_trial(
            session,
            customer_id,
            trial_ends_on=date(2026, 11, 20),
            status="trial_expired",
            ended_on=date(2026, 11, 20),
        )
    overdue = {"period_start": date(2026, 10, 10), "period_end": date(2026, 11, 10)}
    extra = {
        "active": {},
        "in_disdetta": {"cancel_at_period_end": True},
        "past_due": {
            "status": "past_due",
            "past_due_since": date(2026, 11, 10),
            "next_retry_on": date(2026, 11, 30),
            **overdue,
        },
        "suspended": {
            "status": "suspended",
            "past_due_since": date(2026, 11, 10),
            "suspended_on": date(2026, 11, 24),
            **overdue,
        },
        "cancelled": {"status": "cancelled", "ended_on": date(2026, 11, 10), **overdue},
    }[state]
    fields = {
        "customer_id": customer_id,
        "status": "active",
        "plan": "pro",
        "cycle": "monthly",
        "seats": 2,
        "renewal_plan": "pro",
        "renewal_cycle": "monthly",
        "renewal_seats": 2,
        "anchor_day": 10,
        "period_start": date(2026, 11, 10),
        "period_end": date(2026, 12, 10),
        **extra,
    }
    licence = licences.add_licence(session, **fields)
    session.commit()
    return licence


LICENCE_STATES = ["trial", "trial_expired", "active", "in_disdetta", "past_due", "suspended"]


def test_myarea_in_each_licence_state_has_no_axe_violations(page, running_app, stripe_settings):
    walk = AxeWalk(page, "myarea")
    for state in [*LICENCE_STATES, "cancelled"]:
        with running_app.session() as session:
            customer = make_customer(session)
            if state in ("past_due", "suspended", "active", "in_disdetta"):
                run_async(give_card(session, StripeGateway(stripe_settings), customer))
            _licence_in(session, customer.id, state)
        _login_any(page, running_app, customer.email)
        page.wait_for_selector(".licence-card")
        walk.check(f"I miei abbonamenti, {state}")
        if state in ("past_due", "suspended"):
            page.goto(f"{running_app.url}/myarea/metodi-di-pagamento")
            page.wait_for_selector("#current-card")
            walk.check(f"Metodi di pagamento, {state}")
        _logout(page)
    walk.assert_clean()


def test_purchase_wizard_steps_have_no_axe_violations(page, running_app):
    walk = AxeWalk(page, "wizard", phone_shots=True)
    with running_app.session() as session:
        customer = make_customer(session)
        trial = make_trial(session, customer.id, trial_ends_on=date(2026, 12, 5))
    login(page, running_app, customer.email)
    page.goto(f"{running_app.url}/myarea/acquista/{trial.id}")
    page.wait_for_selector("#profile-submit")
    walk.check("Acquista ora 1 I tuoi dati")
    page.fill("#profile-vat_number", "12345678901")
    page.click("#profile-submit")
    page.wait_for_selector("#profile-vat_number-error")
    walk.check("Acquista ora 1, errori")
    for name, value in VALID_BILLING.items():
        page.fill(f"#profile-{name}", value)
    page.click("#profile-submit")
    page.wait_for_selector("#purchase-seats")
    walk.check("Acquista ora 2 Configura")
    page.click("#configuration-submit")
    type_card(page, "4242424242424242")
    walk.check("Acquista ora 3 Pagamento")
    page.click("#save-card")
    page.wait_for_selector("#confirm-purchase")
    walk.check("Acquista ora 4 Conferma")
    page.click("#confirm-purchase")
    page.wait_for_selector("#purchase-done")
    walk.check("Acquista ora, attivata")
    walk.assert_clean()


def test_licence_tabs_and_customer_pages_have_no_axe_violations(page, running_app, stripe_settings):
    walk = AxeWalk(page, "licence", phone_shots=True)
    with running_app.session() as session:
        customer = make_customer(session)
        run_async(give_card(session, StripeGateway(stripe_settings), customer))
        save_billing_profile(session, customer.id)
        licence = make_active_licence(session, customer.id)
    login(page, running_app, customer.email)
    url = f"{running_app.url}/myarea/licenza/{licence.id}"
    page.goto(f"{url}?sezione=utenti")
    page.wait_for_selector("#seats-input")
    walk.check("Gestione licenza, Aggiorna servizi")
    page.click("#seats-plus")
    page.wait_for_selector("#quote-gross")
    walk.check("Gestione licenza, Aggiorna servizi con anteprima")
    page.goto(f"{url}?sezione=piano")
    page.wait_for_selector("#choose-plan-smart")
    walk.check("Gestione licenza, Cambia piano")
    page.goto(f"{url}?sezione=disdetta")
    page.wait_for_selector("#confirm-cancel")
    walk.check("Gestione licenza, Disdici")
    page.click("#confirm-cancel")
    page.wait_for_selector("#cancel-pending")
    walk.check("Gestione licenza, in disdetta")

    for path, ready, name in (
        ("/myarea/documenti", "h1", "Documenti"),
        ("/myarea/metodi-di-pagamento", "#current-card", "Metodi di pagamento"),
        ("/myarea/dati-di-fatturazione", "#billing-submit, form", "Dati di fatturazione"),
        ("/myarea/contattaci", "#contact-submit", "Contattaci"),
        ("/piani", "#plan-pro", "Confronta i piani, con accesso"),
    ):
        page.goto(f"{running_app.url}{path}")
        page.wait_for_selector(ready)
        walk.check(name)
    page.goto(f"{running_app.url}/myarea/contattaci")
    page.wait_for_selector("#contact-submit")
    page.click("#contact-submit")
    page.wait_for_selector("[id^=contact-][id$=-error]")
    walk.check("Contattaci, errori")
    walk.assert_clean()


def test_product_team_pages_have_no_axe_violations(page, running_app):
    walk = AxeWalk(page, "team")
    with running_app.session() as session:
        email = f"team-{uuid.uuid4().hex[:8]}@example.it"
        team = make_customer(session, email, role="product_team")
    _login_any(page, running_app, team.email, lands_on="/laboratorio")  # not an empty MyArea
    page.wait_for_selector("#lab-today")
    walk.check("Prodotto, atterraggio su Laboratorio prezzi")
    for path, ready, name in (
        ("/myarea", "#team-links", "Prodotto, I miei abbonamenti senza licenze"),
        ("/laboratorio", "#lab-today", "Laboratorio prezzi"),
        ("/posta-inviata", "h1", "Posta inviata"),
        ("/fatture-elettroniche", "h1", "Fatture elettroniche"),
    ):
        page.goto(f"{running_app.url}{path}")
        page.wait_for_selector(ready)
        page.wait_for_timeout(500)
        walk.check(name)
    walk.assert_clean()

"""Security headers on the real app's port (issue #15, finding 2): every page, a static file,
the webhook; and a page of another origin cannot frame MyArea (clickjacking). The e2e page
fixture also fails any test whose pages report a Content-Security-Policy violation."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from tests.e2e.helpers import login
from tests.fixtures.app import CSP_VIOLATIONS
from tests.fixtures.factories import make_customer, make_trial

pytestmark = [pytest.mark.e2e, pytest.mark.stripe]

PAGES = [
    "/",
    "/login/",
    "/registrati/",
    "/myarea/acquista/1/",
    "/myarea/metodi-di-pagamento/",
    "/myarea/documenti/",
    "/piani/",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_answers_with_the_security_headers(running_app, path):
    response = httpx.get(f"{running_app.url}{path}", timeout=10, follow_redirects=True)
    assert response.status_code == 200
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["permissions-policy"]
    csp = headers["content-security-policy"]
    for directive in ("frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"):
        assert directive in csp
    script_sources = csp.split("script-src ")[1].split(";")[0].split()
    keywords = [s for s in script_sources if s.startswith("'")]
    assert [s for s in keywords if not s.startswith("'sha256-")] == ["'self'", "'unsafe-eval'"]
    assert len(keywords) > 2  # the build's own inline scripts, by hash
    origins = [s for s in script_sources if not s.startswith("'")]
    assert all("stripe" in s or "127.0.0.1" in s for s in origins)
    assert "strict-transport-security" not in headers  # served over http here


def test_webhook_answer_has_the_headers(running_app):
    response = httpx.post(f"{running_app.url}/stripe/webhook", content=b"{}", timeout=10)
    assert response.status_code == 400
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_cors_preflight_answer_has_the_headers(running_app):
    response = httpx.options(
        f"{running_app.url}/stripe/webhook",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert "access-control-allow-methods" in response.headers  # Reflex's CORS middleware answered
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/login/", "/registrati/"])
def test_an_inline_script_the_build_did_not_make_is_blocked_and_reported(
    browser, running_app, path
):
    """The page's own inline scripts run (the form appears); one added later does not."""
    context = browser.new_context()
    try:
        seen = len(CSP_VIOLATIONS)
        page = context.new_page()
        page.goto(f"{running_app.url}{path}")
        page.wait_for_selector("form")
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.__injected = 1";
                document.body.appendChild(script);
                const image = document.createElement("img");
                image.setAttribute("onerror", "window.__handler = 1");
                image.src = "data:,not-an-image";
                document.body.appendChild(image);
            }"""
        )
        page.wait_for_timeout(500)
        assert page.evaluate("[window.__injected, window.__handler]") == [None, None]
        reported = CSP_VIOLATIONS[seen:]
        assert len([v for v in reported if v.startswith("script-src")]) == 2, reported
    finally:
        CSP_VIOLATIONS[seen:] = []  # expected here; no other test should count them
        context.close()


def test_another_origin_cannot_frame_myarea(browser, running_app, tmp_path):
    with running_app.session() as session:
        customer = make_customer(session)
        make_trial(session, customer.id, trial_ends_on=date(2026, 12, 20))
    context = browser.new_context()
    try:
        page = context.new_page()
        login(page, running_app, customer.email)
        attacker = tmp_path / "attacker.html"
        attacker.write_text(
            f'<iframe id="victim" src="{running_app.url}/myarea/documenti/"></iframe>'
        )
        page.goto(attacker.as_uri())
        page.wait_for_timeout(2_000)
        [frame] = [f for f in page.frames if f != page.main_frame]
        assert "Documenti" not in (
            frame.evaluate("document.body && document.body.innerText")
            if not frame.url.startswith("chrome-error")
            else ""
        )
        assert frame.url.startswith("chrome-error") or frame.url == "about:blank"
    finally:
        context.close()

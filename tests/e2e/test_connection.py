"""The connection notice: when the socket to the server drops, an Italian banner says so, and it
goes away by itself once Reflex reconnects. (The app has no toast library: this banner replaces
Reflex's connection toast.)"""

from __future__ import annotations

from datetime import date

import pytest

from tests.e2e.helpers import login
from tests.fixtures.app import ARTIFACTS
from tests.fixtures.factories import make_customer, make_trial
from ts_store.ui.components.connection_notice import CONNECTION_LOST_TEXT

pytestmark = [pytest.mark.e2e, pytest.mark.stripe]


def test_server_unreachable_shows_italian_notice_and_reconnect_clears_it(page, running_app):
    with running_app.session() as session:
        customer = make_customer(session)
        make_trial(session, customer.id, trial_ends_on=date(2026, 12, 13))
    sockets = {"blocked": False, "open": []}

    def route(ws):
        if sockets["blocked"]:
            ws.close(code=1011, reason="server unreachable (test)")
            return
        ws.connect_to_server()
        sockets["open"].append(ws)

    page.route_web_socket("**/_event/**", route)
    login(page, running_app, customer.email)
    assert page.locator("#connection-notice").count() == 0

    sockets["blocked"] = True
    for ws in sockets["open"]:
        ws.close(code=1011, reason="server unreachable (test)")
    notice = page.wait_for_selector("#connection-notice", timeout=30_000)
    assert CONNECTION_LOST_TEXT in notice.inner_text()
    page.screenshot(path=str(ARTIFACTS / "screenshots" / "connection-lost-1280.png"))

    sockets["blocked"] = False
    page.wait_for_selector("#connection-notice", state="detached", timeout=60_000)
    page.wait_for_selector(".licence-card")  # the page works again after reconnecting

"""Every test that needs the local Stripe server says so with the `stripe` marker (issue #13).

The check (tests/fixtures/localstripe.py) fails such a test at setup when the marker is missing,
so `-m "not stripe"` never starts localstripe behind the runner's back.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.fixtures.localstripe import STRIPE_SERVER_FIXTURE, missing_stripe_marker


def _item(fixtures: tuple[str, ...], markers: tuple[str, ...]):
    return SimpleNamespace(
        fixturenames=fixtures,
        get_closest_marker=lambda name: pytest.mark.stripe.mark if name in markers else None,
    )


def test_a_test_reaching_localstripe_through_a_fixture_without_the_marker_is_caught():
    assert missing_stripe_marker(_item(("session", "gateway", STRIPE_SERVER_FIXTURE), ()))


def test_the_marker_satisfies_the_check():
    assert not missing_stripe_marker(_item(("gateway", STRIPE_SERVER_FIXTURE), ("stripe",)))


def test_a_test_without_localstripe_needs_no_marker():
    assert not missing_stripe_marker(_item(("session",), ()))


@pytest.mark.stripe
def test_the_app_gateway_fixture_closure_reaches_the_server(request, app_gateway_env):
    """The fixture closure pytest computes includes the server behind app_gateway_env."""
    assert STRIPE_SERVER_FIXTURE in request.node.fixturenames
    assert not missing_stripe_marker(request.node)

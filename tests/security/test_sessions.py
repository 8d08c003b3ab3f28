"""Sessions (issue #15, finding 4): no raw token in the state store, private state files,
sliding expiry with an absolute maximum, every session ended on logout-everywhere and on a
password change, a Secure cookie under https."""

from __future__ import annotations

import os
import pickle
import stat
import subprocess
import sys
from datetime import timedelta

import reflex as rx
from sqlmodel import select

from tests.fixtures.factories import PASSWORD, make_customer
from ts_store.billing import accounts
from ts_store.store.models import AuthSession, utcnow
from ts_store.ui.session import SessionState, is_anonymous


def _login(session) -> tuple[int, str]:
    customer = make_customer(session)
    return customer.id, accounts.login(email=customer.email, password=PASSWORD).token


def _session_state(token: str = "") -> tuple[rx.State, SessionState]:
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(SessionState.get_full_name().split("."))
    state.session_token = token
    return root, state


def test_pickled_session_state_holds_the_hash_never_the_token(session):
    customer_id, token = _login(session)
    _, state = _session_state(token)
    assert state._authenticated_customer_id() == customer_id
    pickled = pickle.dumps(state)
    assert token.encode() not in pickled
    restored = pickle.loads(pickled)
    assert restored.session_token == ""
    assert restored._session_ref == accounts.session_ref(token)


def test_state_restored_from_the_store_is_still_logged_in_by_its_reference(session):
    customer_id, token = _login(session)
    _, state = _session_state(token)
    restored = pickle.loads(pickle.dumps(state))
    assert restored._authenticated_customer_id() == customer_id


def test_hydrate_forgets_the_reference_so_a_cleared_cookie_logs_out(session):
    _, token = _login(session)
    root, state = _session_state(token)
    state._authenticated_customer_id()
    root._reset_client_storage()  # what Reflex does on hydrate, before the browser's cookies
    assert state._authenticated_customer_id() is None


def test_non_text_token_is_treated_as_logged_out(session):
    _, state = _session_state()
    state.session_token = ["not", "text"]
    assert state._authenticated_customer_id() is None


def test_logged_out_tree_is_anonymous_and_logged_in_is_not(session):
    _, token = _login(session)
    root, _ = _session_state()
    assert is_anonymous(root)
    root, _ = _session_state(token)
    assert not is_anonymous(root)


def _row(session, token) -> AuthSession:
    session.expire_all()
    return session.exec(
        select(AuthSession).where(AuthSession.token_hash == accounts.session_ref(token))
    ).one()


def test_use_slides_the_idle_expiry(session):
    _, token = _login(session)
    first = _row(session, token).expires_at
    later = utcnow() + timedelta(hours=6)
    assert accounts.signed_in(token, now=later) is not None
    assert _row(session, token).expires_at >= first + timedelta(hours=5)


def test_idle_longer_than_the_idle_limit_ends_the_session(session):
    _, token = _login(session)
    later = utcnow() + accounts.SESSION_IDLE + timedelta(minutes=1)
    assert accounts.signed_in(token, now=later) is None


def test_sliding_never_passes_the_absolute_maximum(session):
    _, token = _login(session)
    now = utcnow()
    step = accounts.SESSION_IDLE - timedelta(hours=1)
    while now < utcnow() + accounts.SESSION_LIFETIME - step:
        now += step
        assert accounts.signed_in(token, now=now) is not None
    created = _row(session, token).created_at
    assert _row(session, token).expires_at <= created + accounts.SESSION_LIFETIME
    beyond = created + accounts.SESSION_LIFETIME + timedelta(seconds=1)
    assert accounts.signed_in(token, now=beyond) is None


def test_logout_everywhere_ends_every_browser(session):
    customer = make_customer(session)
    tokens = [accounts.login(email=customer.email, password=PASSWORD).token for _ in range(3)]
    other = make_customer(session)
    other_token = accounts.login(email=other.email, password=PASSWORD).token
    _, state = _session_state(tokens[0])
    SessionState.logout_everywhere.fn(state)
    assert [accounts.signed_in(t) for t in tokens] == [None] * 3
    assert accounts.signed_in(other_token) is not None
    assert state.session_token == "" and state._session_ref == ""


def test_cookie_is_secure_when_the_public_url_is_https():
    code = "from ts_store.ui.session import SECURE_COOKIE; print(SECURE_COOKIE)"
    outputs = {}
    for url in ("https://store.example.it", "http://127.0.0.1:3000"):
        env = dict(os.environ, TS_STORE_PUBLIC_URL=url)
        result = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        outputs[url] = result.stdout.strip()
    assert outputs == {"https://store.example.it": "True", "http://127.0.0.1:3000": "False"}


def test_cookie_lives_as_long_as_the_absolute_maximum():
    cookie = SessionState.get_fields()["session_token"].default_value()
    assert cookie.max_age == int(accounts.SESSION_LIFETIME.total_seconds())
    assert cookie.same_site == "strict"


def test_state_file_mode_is_private(tmp_path):
    from ts_store.ui.state_manager import _write_private

    path = tmp_path / "x.pkl"
    path.write_bytes(b"old")
    os.chmod(path, 0o644)
    _write_private(path, b"new", None)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes() == b"new"

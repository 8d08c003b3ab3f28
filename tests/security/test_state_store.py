"""The session state store (issue #15, finding 3): a size cap per state, anonymous sessions that
expire quickly, files only the app's user can read, and no raw session token in them; on disk
and on Redis (a private redis-server, tests/fixtures/redis_server.py)."""

from __future__ import annotations

import os
import stat
import time

import pytest
import redis
import redis.asyncio
from reflex.istate.manager.token import BaseStateToken
from reflex_base.event.context import EventContext

from tests.fixtures.factories import PASSWORD, make_customer
from tests.fixtures.redis_server import RedisServer
from ts_store.billing import accounts
from ts_store.ui.pages.contact import ContactState
from ts_store.ui.session import SessionState, is_anonymous
from ts_store.ui.state_manager import BoundedStateManagerRedis, ThrottledPurgeStateManagerDisk


@pytest.fixture
def manager(tmp_path, monkeypatch):
    monkeypatch.setenv("REFLEX_STATES_WORKDIR", str(tmp_path))
    made = ThrottledPurgeStateManagerDisk(
        token_expiration=3_600, anonymous_expiration=600, is_anonymous=is_anonymous
    )
    made._write_debounce_seconds = 0  # write at once, as the test reads the files
    yield made
    if made._write_queue_task is not None:
        made._write_queue_task.cancel()


def _files(manager) -> list:
    return sorted(manager.states_directory.glob("*.pkl"))


async def _touch(manager, ident: str, token: str = "", message: str = "") -> None:
    with EventContext(token=ident, state_manager=manager, enqueue_impl=None):  # as in an event
        await _modify(manager, ident, token, message)


async def _modify(manager, ident: str, token: str, message: str) -> None:
    async with manager.modify_state(BaseStateToken(ident=ident, cls=ContactState)) as root:
        session_state = await root.get_state(SessionState)
        session_state.session_token = token
        contact = await root.get_state(ContactState)
        contact.sent_reference = message or "x"


async def test_state_files_are_private_and_hold_no_raw_token(manager, session):
    customer = make_customer(session)
    token = accounts.login(email=customer.email, password=PASSWORD).token
    await _touch(manager, "tab-1", token=token)
    files = _files(manager)
    assert files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert token.encode() not in path.read_bytes()


async def test_anonymous_session_expires_after_the_short_limit(manager):
    await _touch(manager, "anonymous-tab")
    last_touched, _ = manager._token_last_touched["anonymous-tab"]
    assert time.time() - last_touched >= 3_600 - 600 - 5  # purged 600 s after its last use
    mtimes = {path.stat().st_mtime for path in _files(manager)}
    assert all(time.time() - mtime >= 3_000 for mtime in mtimes)


async def test_logged_in_session_keeps_the_full_expiry(manager, session):
    customer = make_customer(session)
    token = accounts.login(email=customer.email, password=PASSWORD).token
    await _touch(manager, "logged-in-tab", token=token)
    last_touched, _ = manager._token_last_touched["logged-in-tab"]
    assert time.time() - last_touched < 5
    assert all(time.time() - p.stat().st_mtime < 60 for p in _files(manager))


async def test_anonymous_files_are_swept_by_the_regular_purge(manager):
    await _touch(manager, "anonymous-tab")
    manager.token_expiration = 3_000  # the backdated files are now older than the limit
    manager._last_purge = None
    manager._purge_expired_states()
    assert _files(manager) == []


async def test_state_over_the_cap_is_reset_not_stored(manager):
    manager.max_state_bytes = 64 * 1024
    await _touch(manager, "big-tab", message="x" * 200_000)
    sizes = [os.path.getsize(p) for p in _files(manager)]
    assert max(sizes) < 64 * 1024
    root = manager.states["big-tab"]
    assert (await root.get_state(ContactState)).sent_reference == ""


# --- the same bounds on Redis (several workers, issue #18) -----------------------------------


@pytest.fixture(scope="module")
def redis_server():
    server = RedisServer()
    yield server
    server.stop()


@pytest.fixture
async def redis_manager(redis_server):
    client = redis.asyncio.Redis.from_url(redis_server.url)
    await client.flushdb()
    made = BoundedStateManagerRedis(
        redis=client, token_expiration=3_600, anonymous_expiration=600, is_anonymous=is_anonymous
    )
    yield made
    await made.close()


async def _stored(manager) -> dict[bytes, tuple[int, bytes]]:
    """Every key in Redis: (seconds to live, value); the lock keys left out."""
    keys = [k for k in await manager.redis.keys("*") if not k.endswith(b"_lock")]
    return {k: (await manager.redis.ttl(k), await manager.redis.get(k)) for k in keys}


async def test_redis_anonymous_session_keys_live_the_short_limit(redis_manager):
    await _touch(redis_manager, "anonymous-tab")
    stored = await _stored(redis_manager)
    assert stored
    assert all(0 < ttl <= 600 for ttl, _ in stored.values())


async def test_redis_logged_in_session_keeps_the_full_expiry_and_no_raw_token(
    redis_manager, session
):
    customer = make_customer(session)
    token = accounts.login(email=customer.email, password=PASSWORD).token
    await _touch(redis_manager, "logged-in-tab", token=token)
    stored = await _stored(redis_manager)
    assert stored
    assert all(3_000 < ttl <= 3_600 for ttl, _ in stored.values())
    assert not [key for key, (_, value) in stored.items() if token.encode() in value]


async def test_redis_state_over_the_cap_is_reset_not_stored(redis_manager):
    redis_manager.max_state_bytes = 64 * 1024
    await _touch(redis_manager, "big-tab", message="x" * 200_000)
    stored = await _stored(redis_manager)
    assert stored and max(len(value) for _, value in stored.values()) < 64 * 1024
    token = BaseStateToken(ident="big-tab", cls=ContactState)
    async with redis_manager.modify_state(token) as root:
        assert (await root.get_state(ContactState)).sent_reference == ""

"""The throttled disk state manager: expired state files still go, at most once per interval."""

from __future__ import annotations

import os
import time

import pytest
import redis.asyncio
from reflex.istate.manager.disk import StateManagerDisk
from reflex.istate.manager.redis import StateManagerRedis

from ts_store.ui.state_manager import (
    BoundedStateManagerRedis,
    ThrottledPurgeStateManagerDisk,
    install_bounded_state_manager,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def states_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("REFLEX_STATES_WORKDIR", str(tmp_path))
    return tmp_path


def _state_file(folder, name: str, age_seconds: float):
    path = folder / f"{name}.pkl"
    path.write_bytes(b"state")
    old = time.time() - age_seconds
    os.utime(path, (old, old))
    return path


def test_expired_file_is_removed_at_start_and_fresh_file_kept(states_dir):
    expired = _state_file(states_dir, "expired", age_seconds=3_600)
    fresh = _state_file(states_dir, "fresh", age_seconds=1)
    ThrottledPurgeStateManagerDisk(token_expiration=600, clock=FakeClock())
    assert not expired.exists()
    assert fresh.exists()


@pytest.mark.parametrize(
    ("seconds_later", "removed"),
    [(59, False), (60, True)],
    ids=["within_the_interval_nothing_is_listed", "after_the_interval_expired_files_go"],
)
def test_sweep_runs_at_most_once_per_interval(states_dir, seconds_later, removed):
    clock = FakeClock()
    manager = ThrottledPurgeStateManagerDisk(
        token_expiration=600, clock=clock, purge_interval_seconds=60
    )
    expired_since_start = _state_file(states_dir, "late", age_seconds=3_600)
    clock.now += seconds_later
    manager._purge_expired_states()
    assert expired_since_start.exists() is not removed


def test_the_app_runs_on_the_throttled_disk_manager():
    from ts_store.ts_store import app

    assert type(app.state_manager) is ThrottledPurgeStateManagerDisk


class FakeApp:
    """Just what install_bounded_state_manager touches on rx.App."""

    def __init__(self, manager) -> None:
        self._state_manager = manager

    @property
    def state_manager(self):
        return self._state_manager


def test_a_non_disk_manager_is_left_as_configured():
    sentinel = object()
    app = FakeApp(sentinel)
    install_bounded_state_manager(app)
    assert app.state_manager is sentinel


def test_a_plain_disk_manager_is_replaced(states_dir):
    app = FakeApp(StateManagerDisk())
    install_bounded_state_manager(app)
    assert type(app.state_manager) is ThrottledPurgeStateManagerDisk


def test_a_redis_manager_is_replaced_keeping_its_client_and_expirations():
    client = redis.asyncio.Redis()  # not connected: nothing is sent here
    plain = StateManagerRedis(redis=client, token_expiration=7_200, lock_expiration=20_000)
    app = FakeApp(plain)
    install_bounded_state_manager(app)
    bounded = app.state_manager
    assert type(bounded) is BoundedStateManagerRedis
    assert bounded.redis is client
    assert (bounded.token_expiration, bounded.lock_expiration) == (7_200, 20_000)
    assert bounded.anonymous_expiration == 15 * 60

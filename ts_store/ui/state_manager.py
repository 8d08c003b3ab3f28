"""Reflex's state managers, bounded: on disk a sweep once a minute, private files, a size cap
per state and anonymous sessions that expire quickly; on Redis (several workers, issue #18) the
same size cap and the same short life for anonymous sessions.

Why each change:
- The sweep of expired state files runs once a minute instead of on every pass of the write loop:
  Reflex 0.10.1's disk manager lists and stats every file in its states directory on every pass,
  and at 300 preview events/s from 200 sessions py-spy put ~45 % of the worker's busy time in that
  sweep (benchmarks/backend_throughput.py).
- State files are written 0600 (Reflex writes them with the process umask, 0644 here): they hold
  what a customer typed (issue #15, finding 4).
- A state that pickles to more than `max_state_bytes` is reset to its defaults instead of being
  kept and written: with every event argument bounded (ts_store/ui/event_guard.py) only a bug can
  get there, and a session's total is then at most this cap times the number of page states
  (finding 3: 8 events of 500 KB made a 4.5 MB state file).
- A session without a login expires after `anonymous_expiration` seconds instead of the hour a
  logged-in one keeps (finding 3: new client tokens are free, each a set of files).
- On Redis the cap applies to each state as it is written, and an anonymous session's keys get
  `anonymous_expiration` as their time to live instead of `redis_token_expiration`.
Reading, writing order, locking and Reflex's own expiry are otherwise unchanged.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import reflex as rx
from reflex.istate.manager.disk import StateManagerDisk
from reflex.istate.manager.redis import StateManagerRedis
from reflex.istate.manager.token import BaseStateToken
from reflex.state import BaseState
from reflex.utils.misc import run_in_thread

logger = logging.getLogger("ts_store.ui.state_manager")

PURGE_INTERVAL_SECONDS = 60.0
MAX_STATE_BYTES = 256 * 1024  # one page state, pickled
ANONYMOUS_EXPIRATION_SECONDS = 15 * 60


def _never_anonymous(_root: BaseState) -> bool:
    return False


def _write_private(path: Path, data: bytes, mtime: float | None) -> None:
    """Write `data` readable by this user only (also tightening a file an older run left 0644)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
    finally:
        os.close(fd)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


def _reset_own_fields(state: BaseState) -> None:
    """This state's vars back to their defaults (its substates untouched)."""
    cls = type(state)
    for name, field in cls.__fields__.items():
        if field._owner is cls and not name.startswith("router"):
            setattr(state, name, field.default_value())


def _capped(state: BaseState, pickled: bytes, max_bytes: int, serialize) -> bytes:
    """`pickled`, or, when it is over `max_bytes`, the state reset to its defaults, pickled."""
    if len(pickled) <= max_bytes:
        return pickled
    logger.warning(
        "State %s of a session pickles to %d bytes (max %d): reset, not stored",
        type(state).__name__,
        len(pickled),
        max_bytes,
    )
    _reset_own_fields(state)
    return serialize(state)


def _loaded_tree(root: BaseState) -> list[BaseState]:
    states, stack = [], [root]
    while stack:
        state = stack.pop()
        states.append(state)
        stack.extend(state.substates.values())
    return states


@dataclasses.dataclass
class ThrottledPurgeStateManagerDisk(StateManagerDisk):
    """StateManagerDisk with a throttled sweep, private files, a size cap, short anonymous life."""

    purge_interval_seconds: float = PURGE_INTERVAL_SECONDS
    clock: Callable[[], float] = time.monotonic
    max_state_bytes: int = MAX_STATE_BYTES
    anonymous_expiration: int = ANONYMOUS_EXPIRATION_SECONDS
    is_anonymous: Callable[[BaseState], bool] = _never_anonymous
    _last_purge: float | None = dataclasses.field(default=None, init=False)
    _anonymous: set[str] = dataclasses.field(default_factory=set, init=False)

    def _purge_expired_states(self) -> None:
        now = self.clock()
        if self._last_purge is not None and now - self._last_purge < self.purge_interval_seconds:
            return
        self._last_purge = now
        super()._purge_expired_states()

    def _backdate_seconds(self) -> float:
        """How far an anonymous session's last touch is moved back so it expires early."""
        return max(0, self.token_expiration - self.anonymous_expiration)

    async def set_state(self, token, state, **context) -> None:
        if isinstance(state, BaseState) and state.parent_state is None:
            key = self._coerce_token(token).cache_key
            if self.is_anonymous(state):
                self._anonymous.add(key)
            else:
                self._anonymous.discard(key)
        await super().set_state(token, state, **context)
        key = self._coerce_token(token).cache_key
        if key in self._anonymous and key in self._token_last_touched:
            touched, stored_token = self._token_last_touched[key]
            self._token_last_touched[key] = (touched - self._backdate_seconds(), stored_token)

    def _purge_token(self, token) -> None:
        self._anonymous.discard(token.cache_key)
        super()._purge_token(token)

    async def set_state_for_substate(self, token, substate) -> None:
        if token.get_and_reset_touched_state(substate):
            pickled = token.serialize(substate)
            if pickled and isinstance(substate, BaseState):
                pickled = _capped(substate, pickled, self.max_state_bytes, token.serialize)
            if pickled:
                path = self.token_path(token.with_cls(type(substate)))
                self.states_directory.mkdir(parents=True, exist_ok=True)
                mtime = (
                    time.time() - self._backdate_seconds()
                    if token.cache_key in self._anonymous
                    else None
                )
                await run_in_thread(lambda: _write_private(path, pickled, mtime))
        if isinstance(token, BaseStateToken) and isinstance(substate, BaseState):
            for child in substate.substates.values():
                await self.set_state_for_substate(token, child)


@dataclasses.dataclass
class BoundedStateManagerRedis(StateManagerRedis):
    """StateManagerRedis with the disk manager's size cap and short anonymous life."""

    max_state_bytes: int = MAX_STATE_BYTES
    anonymous_expiration: int = ANONYMOUS_EXPIRATION_SECONDS
    is_anonymous: Callable[[BaseState], bool] = _never_anonymous

    def _collect_state_writes(self, token, base_state) -> list[tuple[str, bytes]]:
        """Reflex's own walk of the touched states, each pickle capped."""
        writes = []
        for state in _loaded_tree(base_state):
            if state._was_touched and (pickled := state._serialize()):
                pickled = _capped(state, pickled, self.max_state_bytes, BaseState._serialize)
                writes.append((token._state_key(type(state)), pickled))
        return writes

    async def set_state(self, token, state, *, lock_id=None, **context) -> None:
        await super().set_state(token, state, lock_id=lock_id, **context)
        anonymous = (
            isinstance(state, BaseState) and state.parent_state is None and self.is_anonymous(state)
        )
        if anonymous and self.anonymous_expiration < self.token_expiration:
            token = self._coerce_token(token)
            pipeline = self.redis.pipeline(transaction=False)
            for loaded in _loaded_tree(state):
                pipeline.expire(token._state_key(type(loaded)), self.anonymous_expiration)
            await pipeline.execute()


def install_bounded_state_manager(
    app: rx.App, is_anonymous: Callable[[BaseState], bool] = _never_anonymous
) -> None:
    """Swap the app's disk or Redis state manager for the bounded one (memory untouched).

    The event processor reads `app.state_manager` when the backend starts, after this runs.
    """
    manager = app.state_manager
    if type(manager) is StateManagerDisk:
        app._state_manager = ThrottledPurgeStateManagerDisk(is_anonymous=is_anonymous)
    elif type(manager) is StateManagerRedis:
        app._state_manager = BoundedStateManagerRedis(
            redis=manager.redis,
            token_expiration=manager.token_expiration,
            lock_expiration=manager.lock_expiration,
            lock_warning_threshold=manager.lock_warning_threshold,
            oplock_hold_time_ms=manager.oplock_hold_time_ms,
            is_anonymous=is_anonymous,
        )

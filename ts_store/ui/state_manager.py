"""Reflex's disk state manager, with its sweep of expired state files run once a minute.

Why: Reflex 0.10.1's disk manager lists and stats every file in its states directory on every
pass of its write loop, and with sessions writing continuously that loop passes many times a
second. At 300 preview events/s from 200 sessions py-spy put ~45 % of the worker's busy time
in that sweep (benchmarks/backend_throughput.py). Expired files only need removing eventually,
so the sweep is throttled; reading, writing and the in-memory expiry are Reflex's own, unchanged.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import reflex as rx
from reflex.istate.manager.disk import StateManagerDisk

PURGE_INTERVAL_SECONDS = 60.0


@dataclasses.dataclass
class ThrottledPurgeStateManagerDisk(StateManagerDisk):
    """StateManagerDisk whose sweep of expired state files runs at most once per interval."""

    purge_interval_seconds: float = PURGE_INTERVAL_SECONDS
    clock: Callable[[], float] = time.monotonic
    _last_purge: float | None = dataclasses.field(default=None, init=False)

    def _purge_expired_states(self) -> None:
        now = self.clock()
        if self._last_purge is not None and now - self._last_purge < self.purge_interval_seconds:
            return
        self._last_purge = now
        super()._purge_expired_states()


def throttle_disk_state_purge(app: rx.App) -> None:
    """Swap the app's disk state manager for the throttled one (memory and Redis untouched).

    The event processor reads `app.state_manager` when the backend starts, after this runs.
    """
    if type(app.state_manager) is StateManagerDisk:
        app._state_manager = ThrottledPurgeStateManagerDisk()

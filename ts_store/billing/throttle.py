"""Throttling of login, registration, password reset and Contattaci (issue #15, finding 1).

Counted with `limits` (a maintained rate-limiting library): in memory by default, in Redis when
`REFLEX_REDIS_URL` is set (keys under `ts_store:throttle`, accounts hashed), so with Redis every
worker sees the same counts and a lock survives a restart.

- Login counts failures, per account and per client address. From the 5th failure of an account
  in a day (the 20th of an address) each failure locks it for twice as long as the previous
  one: 1, 2, 4, 8 … minutes, at most a day (exponential back-off). A successful login clears
  the account's failures (not the address's: one right password must not reset an address
  that sprays many accounts).
- Registration, reset requests and Contattaci count every attempt against fixed windows per
  account and per address (a few per ten minutes, more per hour and per day).
The caller is told when to retry (`Throttled.params["retry_at"]`, worded in Italian by the UI).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import math
import os
import time

from limits import RateLimitItem, RateLimitItemPerMinute, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from ts_store.billing.errors import InputError

log = logging.getLogger(__name__)

REDIS_URL_ENV = "REFLEX_REDIS_URL"
KEY_PREFIX = "ts_store:throttle"


@dataclasses.dataclass(frozen=True)
class Rule:
    """Fixed windows per account and per client address, for actions counted per attempt."""

    per_account: tuple[str, ...]
    per_address: tuple[str, ...]


RULES: dict[str, Rule] = {
    "register": Rule(
        per_account=("3/10 minutes", "10/day"),
        per_address=("10/10 minutes", "30/hour", "100/day"),
    ),
    "password_reset": Rule(
        per_account=("3/10 minutes", "10/day"),
        per_address=("10/10 minutes", "30/hour", "100/day"),
    ),
    "contact": Rule(
        per_account=("3/10 minutes", "10/hour", "30/day"),
        per_address=("10/10 minutes", "30/hour", "100/day"),
    ),
}
FAILURES_BEFORE_LOCK = {"account": 5, "address": 20}  # login failures in a day
LONGEST_LOCK_MINUTES = 24 * 60
_FAILURE_COUNTER = parse("1000000/day")  # a counter of failures over a day


def lock_minutes(failures: int, threshold: int) -> int:
    """Minutes of lock after the `failures`-th failure: 0 before the threshold, then doubling."""
    if failures < threshold:
        return 0
    return min(2 ** min(failures - threshold, 20), LONGEST_LOCK_MINUTES)


class Throttled(InputError):
    """Too many attempts: nothing was done; `retry_at` (epoch seconds) says when to retry.
    `field` is where the form shows it."""

    def __init__(self, field: str, retry_at: float) -> None:
        wait = max(1, math.ceil(retry_at - time.time()))
        super().__init__(field, "throttled", retry_at=retry_at, wait_seconds=wait)


class Throttle:
    """One limiter over one storage: the calls the use cases make."""

    def __init__(self, storage: Storage, address_factor: int = 1) -> None:
        self.storage = storage
        self.limiter = FixedWindowRateLimiter(storage)
        self.address_factor = address_factor
        self._items = {
            action: (
                [parse(tier) for tier in rule.per_account],
                [_scaled(parse(tier), address_factor) for tier in rule.per_address],
            )
            for action, rule in RULES.items()
        }

    def _threshold(self, kind: str) -> int:
        factor = self.address_factor if kind == "address" else 1
        return FAILURES_BEFORE_LOCK[kind] * factor

    @staticmethod
    def _identities(account: str | None, address: str | None) -> list[tuple[str, str]]:
        found = []
        if account:  # no email in Redis keys
            found.append(("account", hashlib.sha256(account.encode()).hexdigest()[:32]))
        if address:
            found.append(("address", address[:64]))
        return found

    # --- login: failures and exponential locks -------------------------------------------

    def _failures(self, action: str, kind: str, key: str) -> int:
        _, remaining = self.limiter.get_window_stats(_FAILURE_COUNTER, f"{action}:fail:{kind}", key)
        return _FAILURE_COUNTER.amount - remaining

    def _lock_item(self, minutes: int) -> RateLimitItem:
        return RateLimitItemPerMinute(1, minutes)

    def check_locked(
        self, action: str, *, account: str | None, address: str | None, field: str = "form"
    ) -> None:
        """Raise Throttled while the account or the address is locked by its failures."""
        retry_at = 0.0
        for kind, key in self._identities(account, address):
            minutes = lock_minutes(self._failures(action, kind, key), self._threshold(kind))
            if minutes:
                lock = self._lock_item(minutes)
                if not self.limiter.test(lock, f"{action}:lock:{kind}", key):
                    reset, _ = self.limiter.get_window_stats(lock, f"{action}:lock:{kind}", key)
                    retry_at = max(retry_at, reset)
        if retry_at:
            log.warning("Throttled %s (locked)", action)
            raise Throttled(field, retry_at)

    def failed(self, action: str, *, account: str | None, address: str | None) -> None:
        """One more failure; from the threshold on, a lock twice as long as the last one."""
        for kind, key in self._identities(account, address):
            self.limiter.hit(_FAILURE_COUNTER, f"{action}:fail:{kind}", key)
            minutes = lock_minutes(self._failures(action, kind, key), self._threshold(kind))
            if minutes:
                self.limiter.hit(self._lock_item(minutes), f"{action}:lock:{kind}", key)

    def succeeded(self, action: str, *, account: str | None) -> None:
        """A success clears the account's failures (the address keeps its own)."""
        for kind, key in self._identities(account, None):
            self.limiter.clear(_FAILURE_COUNTER, f"{action}:fail:{kind}", key)

    # --- actions counted per attempt -----------------------------------------------------

    def attempt(
        self, action: str, *, account: str | None, address: str | None, field: str = "form"
    ) -> None:
        """Count this attempt, or raise Throttled (nothing counted) when a window is full."""
        per_account, per_address = self._items[action]
        windows = []
        for kind, key in self._identities(account, address):
            items = per_account if kind == "account" else per_address
            windows.extend((item, f"{action}:{kind}", key) for item in items)
        retry_at = 0.0
        for item, scope, key in windows:
            if not self.limiter.test(item, scope, key):
                reset, _ = self.limiter.get_window_stats(item, scope, key)
                retry_at = max(retry_at, reset)
        if retry_at:
            log.warning("Throttled %s", action)
            raise Throttled(field, retry_at)
        for item, scope, key in windows:
            self.limiter.hit(item, scope, key)


def storage_uri() -> str:
    return os.environ.get(REDIS_URL_ENV, "").strip() or "memory://"


def make_storage(uri: str, key_prefix: str = KEY_PREFIX) -> Storage:
    if uri.startswith(("redis://", "rediss://", "unix://")):
        return storage_from_string(uri, key_prefix=key_prefix)
    return storage_from_string(uri)


ADDRESS_FACTOR_ENV = "TS_STORE_THROTTLE_ADDRESS_FACTOR"


def _scaled(item: RateLimitItem, factor: int) -> RateLimitItem:
    return item if factor == 1 else type(item)(item.amount * factor, item.multiples)


def address_factor() -> int:
    """How many people may share one client address (an office behind one NAT, a test stack on
    loopback): the per-address limits are multiplied by it; per-account limits never are."""
    raw = os.environ.get(ADDRESS_FACTOR_ENV, "").strip() or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= 1000:
        raise ValueError(f"{ADDRESS_FACTOR_ENV} must be a whole number from 1 to 1000, not {raw!r}")
    return int(raw)


def from_environment() -> Throttle:
    """The throttle of a process: memory, or Redis when REFLEX_REDIS_URL is set (bootstrap)."""
    return Throttle(make_storage(storage_uri()), address_factor())

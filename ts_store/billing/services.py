"""What the use cases need from outside, installed once per process by `bootstrap`.

Kept apart from `bootstrap.py` so that every use case module can read the services without
importing the others (bootstrap imports them all to wire their appliers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from ts_store.billing.errors import NotBootstrapped
from ts_store.billing.throttle import Throttle
from ts_store.domain.catalog import Catalog
from ts_store.domain.operations import OperationContext, OperationKind, OperationRequest
from ts_store.payments.gateway import StripeGateway
from ts_store.store.models import Licence

# What a paid (or free) operation of one kind changes on its licence.
Applier = Callable[[Licence, OperationRequest, OperationContext], dict[str, Any]]


class Clock(Protocol):
    def today(self) -> date: ...


@dataclass(frozen=True)
class Services:
    appliers: Mapping[OperationKind, Applier]
    gateway: StripeGateway
    clock: Clock
    catalog: Callable[[], Catalog]
    throttle: Throttle

    def applier(self, kind: OperationKind) -> Applier:
        try:
            return self.appliers[OperationKind(kind)]
        except KeyError:
            raise NotBootstrapped(f"no applier wired for operation kind {kind!r}") from None


_installed: list[Services] = []
# A simulation runs with its own services (a gateway that never calls Stripe, its own clock) in
# its own context, while the process's stay installed for everyone else.
_in_context: ContextVar[Services | None] = ContextVar("ts_store_services", default=None)


@contextmanager
def installed_here(services: Services) -> Iterator[None]:
    """Use `services` in this context only (this task and what it starts)."""
    token = _in_context.set(services)
    try:
        yield
    finally:
        _in_context.reset(token)


def install(services: Services) -> None:
    _installed[:] = [services]


def uninstall() -> None:
    _installed.clear()


def services() -> Services:
    """The process's services (or this context's); fails loudly when nothing was bootstrapped."""
    here = _in_context.get()
    if here is not None:
        return here
    if not _installed:
        raise NotBootstrapped(
            "TS Store billing is not bootstrapped: call "
            "ts_store.billing.bootstrap.bootstrap() first (the app, every command and the test "
            "fixtures do)"
        )
    return _installed[0]

"""Every event handler of every State of the app, found by importing the UI's modules.

A new page module or a new handler is covered by the attack suite without editing it.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any

import reflex as rx
from reflex_base.registry import RegistrationContext

import ts_store.ui
import ts_store.ui.pages


@dataclass(frozen=True)
class AppHandler:
    name: str  # the full name the browser sends
    short_name: str
    state: type[rx.State]
    handler: Any  # reflex EventHandler

    @property
    def ours(self) -> bool:
        return self.state.__module__.startswith("ts_store.")


def _import_ui() -> None:
    for package in (ts_store.ui, ts_store.ui.pages):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)


def app_handlers() -> list[AppHandler]:
    _import_ui()
    found = []
    for name, registered in RegistrationContext.get().event_handlers.items():
        state = registered.states[0]
        module = state.__module__
        if not (module.startswith("ts_store.") or module.startswith("reflex.")):
            continue  # states defined by tests
        found.append(AppHandler(name, name.rpartition(".")[2], state, registered.handler))
    return sorted(found, key=lambda h: h.name)


HANDLERS = app_handlers()
OUR_HANDLERS = [h for h in HANDLERS if h.ours and h.short_name != "setvar"]

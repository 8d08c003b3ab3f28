"""One guard in front of every event handler: what the browser sends is checked before Reflex
queues it.

Why: every event handler is a public endpoint (a client can name any handler with any payload),
and a value of the wrong type or size used to reach the handler and end as a traceback, or in the
session's state (issue #15, findings 3 and 8). Instead of checks repeated in each handler, the
guard reads each handler's signature once: the payload must name exactly its parameters, and each
value must match its annotation (`str`, `int`, `bool`, `dict`, `list[str]`, unions, enums) within
the sizes below. Anything else is refused before a state is loaded or created: the browser gets an
Italian alert, the log one line without a traceback, and nothing is stored.

It wraps the socket's `on_event` (Reflex 0.10.1 `EventNamespace.on_event`, which also receives the
connect packet's boot event), the single door events come through. `Annotated[str, TextLimit(n)]`
raises the text limit for an argument that needs more (the lab's catalogue draft).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import logging
import math
import re
import types as pytypes
import typing
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Annotated, Any

import reflex as rx
from reflex.state import State, StateUpdate
from reflex_base.event import Event
from reflex_base.registry import RegistrationContext
from reflex_base.utils.form import FORM_DATA_ENTRIES_KEY

logger = logging.getLogger("ts_store.ui.event_guard")

MAX_EVENT_BYTES = 256 * 1024  # the whole event as JSON (name, payload, route)
MAX_TEXT_CHARS = 5_000  # one text argument or form field (Contattaci's longest message)
MAX_INT = 2**31 - 1  # ids and counts: PostgreSQL's integer
MAX_DICT_KEYS = 40
MAX_KEY_CHARS = 200  # a client storage var's full name is ~90
MAX_LIST_ITEMS = 20
MAX_FORM_FIELDS = 200  # fields of one submitted form
MAX_STATES = 1_000  # hashes the page sends on connect: one per state of the app
_INT_TEXT = re.compile(r"-?[0-9]{1,10}")
_FLOAT_TEXT = re.compile(r"-?[0-9]{1,12}(\.[0-9]{1,6})?")

# Reflex's own handlers whose annotation is wider than what a browser sends.
_CLIENT_STORAGE_HANDLERS = frozenset({"update_vars_internal", "hydrate_and_load"})
_REFUSED_HANDLERS = frozenset({"setvar"})  # this app never sets vars by name from the page


@dataclasses.dataclass(frozen=True)
class MaxItems:
    """`Annotated[list[str], MaxItems(1000)]`: the longest list this argument accepts."""

    items: int


@dataclasses.dataclass(frozen=True)
class TextLimit:
    """`Annotated[str, TextLimit(50_000)]`: the longest text this argument accepts."""

    chars: int


class Refused(Exception):
    """The event does not match its handler: `reason` says why (for the log only)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@functools.cache
def _parameters(fn: Callable) -> tuple[dict[str, inspect.Parameter], dict[str, Any]]:
    """A handler's parameters after `self`, and their annotations (extras kept)."""
    params = dict(list(inspect.signature(fn).parameters.items())[1:])
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception:  # an unresolvable annotation: the value is checked as Any
        hints = {}
    return params, hints


def _plain(value: Any, limit: int, depth: int = 0) -> None:
    """A JSON value the page could send, bounded: scalars, flat lists and dicts of them."""
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, (int, float, str)):
        _scalar(value, limit)
        return
    if depth == 0 and isinstance(value, dict):
        _mapping(value, limit, lambda v: _plain(v, limit, depth + 1))
        return
    if depth == 0 and isinstance(value, list):
        _sequence(value, lambda v: _plain(v, limit, depth + 1))
        return
    raise Refused(f"unexpected {type(value).__name__}")


def _scalar(value: Any, limit: int) -> None:
    if isinstance(value, str):
        if len(value) > limit:
            raise Refused(f"text of {len(value)} characters (max {limit})")
    elif isinstance(value, int):
        if abs(value) > MAX_INT:
            raise Refused("integer out of range")
    elif isinstance(value, float) and (not math.isfinite(value) or abs(value) > MAX_INT):
        raise Refused("number out of range")


def _mapping(value: dict, limit: int, check_value: Callable[[Any], None]) -> None:
    if len(value) > MAX_DICT_KEYS:
        raise Refused(f"{len(value)} keys (max {MAX_DICT_KEYS})")
    for key, item in value.items():
        if not isinstance(key, str) or len(key) > MAX_KEY_CHARS:
            raise Refused("bad key")
        check_value(item)


def _sequence(
    value: list, check_item: Callable[[Any], None], max_items: int = MAX_LIST_ITEMS
) -> None:
    if len(value) > max_items:
        raise Refused(f"{len(value)} items (max {max_items})")
    for item in value:
        check_item(item)


def _form_entries(value: Any, limit: int, check_item: Callable[[Any], None]) -> None:
    """A form as Reflex 0.10 sends it: {FORM_DATA_ENTRIES_KEY: [[name, value], ...]}."""
    entries = value[FORM_DATA_ENTRIES_KEY]
    if not isinstance(entries, list) or len(entries) > MAX_FORM_FIELDS:
        raise Refused("form entries")
    for entry in entries:
        if not (isinstance(entry, list) and len(entry) == 2):
            raise Refused("form entry is not a pair")
        name, item = entry
        if not isinstance(name, str) or len(name) > MAX_KEY_CHARS:
            raise Refused("bad form field name")
        check_item(item)


def check_value(
    value: Any, hint: Any, limit: int = MAX_TEXT_CHARS, max_items: int = MAX_LIST_ITEMS
) -> None:
    """Raise `Refused` unless `value` is what a browser may send for an argument typed `hint`."""
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        base, *extras = typing.get_args(hint)
        for extra in extras:
            if isinstance(extra, TextLimit):
                limit = extra.chars
            if isinstance(extra, MaxItems):
                max_items = extra.items
        check_value(value, base, limit, max_items)
        return
    if hint is Any or hint is inspect.Parameter.empty or hint is object:
        _plain(value, limit)
        return
    if origin in (typing.Union, pytypes.UnionType):
        reasons = []
        for alternative in typing.get_args(hint):
            try:
                check_value(value, alternative, limit)
                return
            except Refused as refused:
                reasons.append(refused.reason)
        raise Refused(" / ".join(reasons))
    if hint is type(None):
        if value is not None:
            raise Refused("expected nothing")
        return
    if hint is bool:
        if not isinstance(value, bool):
            raise Refused("expected true/false")
        return
    if hint is int:
        # Reflex turns a text of digits into the int; "²" or 10²³ never reach the handler.
        if isinstance(value, str) and _INT_TEXT.fullmatch(value):
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise Refused("expected an integer")
        _scalar(value, limit)
        return
    if hint is float:
        if isinstance(value, str) and _FLOAT_TEXT.fullmatch(value):
            value = float(value)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise Refused("expected a number")
        _scalar(float(value), limit)
        return
    if hint is str:
        if not isinstance(value, str):
            raise Refused("expected text")
        _scalar(value, limit)
        return
    if isinstance(hint, type) and issubclass(hint, Enum):
        if value not in {member.value for member in hint}:
            raise Refused("not one of the choices")
        return
    if hint is dict or origin is dict:
        if not isinstance(value, dict):
            raise Refused("expected an object")
        args = typing.get_args(hint)
        item_hint = args[1] if len(args) == 2 else Any
        if set(value) == {FORM_DATA_ENTRIES_KEY}:
            _form_entries(
                value,
                limit,
                lambda v: (
                    check_value(v, item_hint, limit)
                    if item_hint is not Any
                    else _plain(v, limit, depth=1)
                ),
            )
            return
        _mapping(
            value,
            limit,
            lambda v: (
                check_value(v, item_hint, limit)
                if item_hint is not Any
                else _plain(v, limit, depth=1)
            ),
        )
        return
    if hint is list or origin is list:
        if not isinstance(value, list):
            raise Refused("expected a list")
        args = typing.get_args(hint)
        item_hint = args[0] if args else Any
        _sequence(
            value,
            lambda v: (
                check_value(v, item_hint, limit)
                if item_hint is not Any
                else _plain(v, limit, depth=1)
            ),
            max_items,
        )
        return
    raise Refused(f"type {hint!r} is not accepted from the page")


def check_arguments(fn: Callable, payload: Any) -> None:
    """The payload names exactly the handler's parameters, each value within its annotation."""
    if not isinstance(payload, dict):
        raise Refused("payload is not an object")
    params, hints = _parameters(fn)
    extra = set(payload) - set(params)
    if extra or any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params.values()):
        raise Refused(f"unexpected arguments {sorted(map(str, extra))[:5]}")
    for name, param in params.items():
        if name not in payload:
            if param.default is inspect.Parameter.empty:
                raise Refused(f"missing argument {name}")
            continue
        try:
            check_value(payload[name], hints.get(name, Any))
        except Refused as refused:
            raise Refused(f"{name}: {refused.reason}") from None


def _check_client_storage(payload: dict) -> None:
    """Reflex's hydrate and client storage events: only the app's cookie/storage vars, as text."""
    check_arguments(_client_storage_signature, payload)
    for key in payload.get("vars") or {}:
        state_name, _, var_name = key.rpartition(".")
        try:
            state_cls = State.get_class_substate(state_name)
        except Exception:
            raise Refused("unknown state in vars") from None
        if not state_cls._is_client_storage(var_name.removesuffix("_rx_state_")):
            raise Refused("not a client storage var")


def _client_storage_signature(
    self,
    vars: dict[str, str | None] | None = None,
    hashes: Annotated[list[str], MaxItems(MAX_STATES), TextLimit(128)] | None = None,
) -> None:
    """The shape of `update_vars_internal` / `hydrate_and_load` as the browser sends them."""


def check_event(data: Any, handlers: Mapping[str, Any]) -> Event:
    """The event the socket received, checked against its registered handler; or `Refused`."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            raise Refused("not JSON") from None
    if not isinstance(data, dict):
        raise Refused("event is not an object")
    try:
        size = len(json.dumps(data, ensure_ascii=False, default=str))
    except (TypeError, ValueError, RecursionError):
        raise Refused("event cannot be encoded") from None
    if size > MAX_EVENT_BYTES:
        raise Refused(f"event of {size} bytes (max {MAX_EVENT_BYTES})")
    name = data.get("name")
    registered = handlers.get(name) if isinstance(name, str) else None
    if registered is None:
        raise Refused("unknown handler")
    router_data = data.get("router_data", {})
    if not isinstance(router_data, dict):
        raise Refused("route is not an object")
    payload = data.get("payload", {})
    short_name = name.rpartition(".")[2]
    if short_name in _REFUSED_HANDLERS:
        raise Refused("handler not callable from the page")
    if short_name in _CLIENT_STORAGE_HANDLERS:
        _check_client_storage(payload)
    else:
        check_arguments(registered.handler.fn, payload)
    return data


REFUSED_TEXT = (
    "La richiesta inviata dalla pagina non è valida e non è stata eseguita. "
    "Ricarica la pagina e riprova."
)


def install_event_guard(app: rx.App) -> None:
    """Put the guard in front of the app's socket: every event, including the connect's boot."""
    namespace = app.event_namespace
    original_on_event = namespace.on_event

    async def guarded_on_event(sid: str, data: Any) -> None:
        try:
            handlers = RegistrationContext.get().event_handlers
            checked = check_event(data, handlers)
        except Refused as refused:
            name = data.get("name") if isinstance(data, dict) else None
            logger.warning(
                "Refused event %.120r from session %s: %s", name, sid, refused.reason[:200]
            )
            token = namespace.sid_to_token.get(sid)
            if token is not None:
                alert = Event.from_event_type(rx.window_alert(REFUSED_TEXT))
                await namespace.emit_update(StateUpdate(events=alert), token)
            return
        await original_on_event(sid, checked)

    namespace.on_event = guarded_on_event  # python-socketio looks handlers up on the instance

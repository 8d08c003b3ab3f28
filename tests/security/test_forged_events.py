"""Forged events against every handler of every State: the guard refuses them before any state
is loaded (issue #15, findings 3 and 8: wrong types, oversized values, extra arguments)."""

from __future__ import annotations

import inspect

import pytest
from reflex_base.registry import RegistrationContext

from tests.security.handlers import HANDLERS, OUR_HANDLERS, AppHandler
from ts_store.ui.event_guard import MAX_EVENT_BYTES, Refused, _parameters, check_event

REGISTERED = RegistrationContext.get().event_handlers

HUGE_TEXT = "x" * 500_000  # finding 3: 500 KB per check_field
NESTED = {"a": {"b": {"c": 1}}}
HOSTILE_FOR_EVERY_TYPE = {
    "huge_text": HUGE_TEXT,
    "int_10_pow_23": 10**23,
    "int_10_pow_30": 10**30,
    "nested_object": NESTED,
    "long_list": list(range(1_000)),
    "float_infinity": float("inf"),
}


def _ids(handlers: list[AppHandler]) -> list[str]:
    return [f"{h.state.__name__}.{h.short_name}" for h in handlers]


def _refused(event) -> bool:
    try:
        check_event(event, REGISTERED)
    except Refused:
        return True
    return False


def test_the_suite_sees_every_page_state():
    states = {h.state.__name__ for h in OUR_HANDLERS}
    assert {"SessionState", "PurchaseState", "LicenceState", "ContactState"} <= states
    assert len(OUR_HANDLERS) >= 60


@pytest.mark.parametrize("handler", HANDLERS, ids=_ids(HANDLERS))
def test_extra_argument_is_refused(handler: AppHandler):
    params, _ = _parameters(handler.handler.fn)
    payload = {name: "" for name in params} | {"__proto__": "1"}
    assert _refused({"name": handler.name, "payload": payload})


@pytest.mark.parametrize("handler", HANDLERS, ids=_ids(HANDLERS))
@pytest.mark.parametrize("payload", [[], "x", 1, None], ids=["list", "text", "number", "null"])
def test_payload_that_is_not_an_object_is_refused(handler: AppHandler, payload):
    assert _refused({"name": handler.name, "payload": payload})


WITH_ARGUMENTS = [h for h in HANDLERS if _parameters(h.handler.fn)[0]]


@pytest.mark.parametrize("handler", WITH_ARGUMENTS, ids=_ids(WITH_ARGUMENTS))
@pytest.mark.parametrize("kind", sorted(HOSTILE_FOR_EVERY_TYPE))
def test_hostile_value_in_every_argument_is_refused(handler: AppHandler, kind: str):
    params, _ = _parameters(handler.handler.fn)
    for name in params:
        payload = {other: _valid_sample(handler, other) for other in params}
        payload[name] = HOSTILE_FOR_EVERY_TYPE[kind]
        assert _refused({"name": handler.name, "payload": payload}), (handler.name, name)


@pytest.mark.parametrize("handler", OUR_HANDLERS, ids=_ids(OUR_HANDLERS))
def test_missing_required_argument_is_refused(handler: AppHandler):
    params, _ = _parameters(handler.handler.fn)
    required = [n for n, p in params.items() if p.default is inspect.Parameter.empty]
    if not required:
        assert not _refused({"name": handler.name, "payload": {}})
        return
    assert _refused({"name": handler.name, "payload": {}})


@pytest.mark.parametrize("handler", OUR_HANDLERS, ids=_ids(OUR_HANDLERS))
def test_well_typed_event_passes_the_guard(handler: AppHandler):
    params, _ = _parameters(handler.handler.fn)
    payload = {name: _valid_sample(handler, name) for name in params}
    assert not _refused({"name": handler.name, "payload": payload})


@pytest.mark.parametrize(
    "value",
    ["²", "10²³", "1e3", " 7", "0x10", "99999999999", True, 1.5],
    ids=[
        "superscript_two",
        "ten_to_23_superscript",
        "exponent",
        "leading_space",
        "hex",
        "eleven_digits",
        "boolean",
        "fraction",
    ],
)
def test_id_arguments_refuse_non_integers(value):
    documents_show = next(h for h in OUR_HANDLERS if h.name.endswith("documents_state.show"))
    assert _refused({"name": documents_show.name, "payload": {"document_id": value}})


def test_id_argument_accepts_digits_as_reflex_sends_them():
    documents_show = next(h for h in OUR_HANDLERS if h.name.endswith("documents_state.show"))
    assert not _refused({"name": documents_show.name, "payload": {"document_id": "42"}})


@pytest.mark.parametrize(
    "state", sorted({h.state for h in HANDLERS}, key=lambda s: s.__name__), ids=lambda s: s.__name__
)
def test_setvar_is_refused_on_every_state(state):
    name = f"{state.get_full_name()}.setvar"
    assert _refused({"name": name, "payload": {"var_name": "is_product_team", "value": True}})


@pytest.mark.parametrize(
    "event",
    [
        {"name": "ts_store.unknown.handler", "payload": {}},
        {"name": 42, "payload": {}},
        {"payload": {}},
        "not json",
        ["a", "list"],
        {"name": OUR_HANDLERS[0].name, "payload": {}, "router_data": "x"},
        {
            "name": OUR_HANDLERS[0].name,
            "payload": {},
            "router_data": {"pad": "x" * MAX_EVENT_BYTES},
        },
    ],
    ids=[
        "unknown_name",
        "name_not_text",
        "no_name",
        "text_not_json",
        "list_event",
        "route_not_object",
        "event_over_256_kb",
    ],
)
def test_malformed_event_is_refused(event):
    assert _refused(event)


SESSION_STATE = "reflex___state____state.ts_store___ui___session____session_state"


@pytest.mark.parametrize(
    "vars_",
    [
        {"reflex___state____state.nope.session_token_rx_state_": "x"},
        {f"{SESSION_STATE}.is_product_team_rx_state_": True},
        {f"{SESSION_STATE}.session_token_rx_state_": 7},
        {f"{SESSION_STATE}.session_token_rx_state_": ["t"]},
    ],
    ids=["unknown_state", "not_a_cookie_var", "token_not_text_number", "token_not_text_list"],
)
def test_client_storage_events_accept_only_the_apps_cookies_as_text(vars_):
    for short in ("update_vars_internal", "hydrate_and_load"):
        handler = next(h for h in HANDLERS if h.short_name == short)
        assert _refused({"name": handler.name, "payload": {"vars": vars_}})


def test_client_storage_event_with_the_session_cookie_passes():
    handler = next(h for h in HANDLERS if h.short_name == "update_vars_internal")
    key = f"{SESSION_STATE}.session_token_rx_state_"
    assert not _refused({"name": handler.name, "payload": {"vars": {key: "abc"}}})


def _valid_sample(handler: AppHandler, name: str):
    """A value the page could legitimately send for this argument."""
    _, hints = _parameters(handler.handler.fn)
    hint = str(hints.get(name, ""))
    if "bool" in hint:
        return True
    if "int" in hint:
        return 1
    if "dict" in hint:
        return {}
    return "a"


class FakeNamespace:
    """What install_event_guard touches on Reflex's EventNamespace."""

    def __init__(self) -> None:
        self.forwarded: list = []
        self.emitted: list = []
        self.sid_to_token = {"sid-1": "tab-1"}

    async def on_event(self, sid, data):
        self.forwarded.append(data)

    async def emit_update(self, update, token):
        self.emitted.append((update, token))


class FakeApp:
    def __init__(self) -> None:
        self.event_namespace = FakeNamespace()


async def test_installed_guard_forwards_a_good_event_and_answers_a_forged_one_in_italian():
    from ts_store.ui.event_guard import REFUSED_TEXT, install_event_guard

    app = FakeApp()
    namespace = app.event_namespace
    install_event_guard(app)
    show = next(h for h in OUR_HANDLERS if h.name.endswith("documents_state.show"))
    good = {"name": show.name, "payload": {"document_id": 3}}
    await namespace.on_event("sid-1", good)
    await namespace.on_event("sid-1", {"name": show.name, "payload": {"document_id": "10³⁰"}})
    assert namespace.forwarded == [good]
    [(update, token)] = namespace.emitted
    assert token == "tab-1"
    assert "Ricarica la pagina e riprova" in str(update.events) and "alert" in str(update.events)
    assert REFUSED_TEXT.startswith("La richiesta inviata dalla pagina non è valida")


FORM = "__reflex_form_data__"  # how Reflex 0.10 sends a submitted form


def _login_submit() -> AppHandler:
    return next(h for h in OUR_HANDLERS if h.name.endswith("login_state.submit"))


def test_form_as_the_page_sends_it_passes():
    entries = [["email", "mario@rossi.it"], ["password", "Tramonto sul lago 2026"]]
    assert not _refused({"name": _login_submit().name, "payload": {"form_data": {FORM: entries}}})


@pytest.mark.parametrize(
    "entries",
    [
        [["email", ["nested"]]],
        [["email", "x" * 500_000]],
        [["email", "a", "b"]],
        "not a list",
        [[1, "a"]],
        [["f", "v"]] * 1_000,
    ],
    ids=["list_value", "huge_value", "triple", "entries_not_list", "name_not_text", "too_many"],
)
def test_forged_form_is_refused(entries):
    assert _refused({"name": _login_submit().name, "payload": {"form_data": {FORM: entries}}})


def test_connect_event_with_one_hash_per_state_passes():
    handler = next(h for h in HANDLERS if h.short_name == "hydrate_and_load")
    hashes = ["0" * 32] * len({h.state for h in HANDLERS})
    assert not _refused({"name": handler.name, "payload": {"vars": {}, "hashes": hashes}})

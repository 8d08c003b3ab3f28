"""Run localstripe (a fake Stripe API for development and tests) on the loopback interface.

The stock ``localstripe`` command listens on every interface (it accepts any ``sk_`` key,
so that would expose it to the network) and pickles its state to a fixed file in /tmp
(shared by every checkout on the machine). This wrapper binds to loopback only and keeps
the state in memory, or in the file given with ``--state``. It also makes localstripe honour
``Idempotency-Key`` as Stripe does (stock localstripe ignores it, so a retried charge became a
second charge): see ``honour_idempotency_keys`` and docs/stripe.md.

    python tools/localstripe_server.py --port 8420 [--host 127.0.0.1] [--state PATH]

``--port 0`` picks a free port; the ready line printed on stdout says which one:
``localstripe ready on http://127.0.0.1:PORT``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import ipaddress
import json
import logging
import os
import pickle
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

READY_PREFIX = "localstripe ready on "
IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60  # Stripe prunes keys once they are 24 hours old
IDEMPOTENCY_KEY_MAX_LENGTH = 255  # Stripe's limit
_IDEMPOTENCY_PREFIX = "_idempotency:"  # no localstripe object key starts with "_"


def redirect_state(state_path: Path | None) -> None:
    """Replace localstripe's hard-coded /tmp/localstripe.pickle by ``state_path`` (or nothing)."""
    from localstripe.resources import Store

    if state_path is None:
        Store.try_load_from_disk = lambda self: None
        Store.dump_to_disk = lambda self: None
        return

    def try_load_from_disk(self: Store) -> None:
        try:
            with state_path.open("rb") as f:
                old = pickle.load(f)  # our own file, written below
        except FileNotFoundError:
            return
        self.clear()
        self.update(old)

    def dump_to_disk(self: Store) -> None:
        # Write then rename, so a crash never leaves a truncated pickle behind.
        fd, tmp = tempfile.mkstemp(dir=state_path.parent, prefix=state_path.name + ".")
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(dict(self), f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, state_path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    Store.try_load_from_disk = try_load_from_disk
    Store.dump_to_disk = dump_to_disk


def card_brand(number: str) -> str:
    """The brand Stripe reports for a card number (the prefixes of the test cards we use)."""
    if number.startswith(("34", "37")):
        return "amex"
    if number.startswith(tuple(str(p) for p in range(51, 56))) or (
        len(number) >= 4 and 2221 <= int(number[:4]) <= 2720
    ):
        return "mastercard"
    return "visa"


def report_real_card_brands() -> None:
    """localstripe says 'visa' for every card; Stripe derives the brand from the number."""
    from localstripe.resources import PaymentMethod

    original_init = PaymentMethod.__init__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        if getattr(self, "type", None) == "card" and getattr(self, "_card_number", None):
            self.card["brand"] = card_brand(self._card_number)

    PaymentMethod.__init__ = __init__


def list_objects_from_an_index() -> None:
    """localstripe lists the objects of a type by scanning its whole store (every object of
    every type), and every charge it answers with lists its refunds that way, several times
    over: with the 10,000-licence renewal benchmark (issue #18) a PaymentIntent took ~60 ms of
    localstripe's CPU once 3,000 were stored, and more with each one. Keep each type's objects
    in an index of their own, updated with the store, and list from it: the same objects in
    the same (insertion) order."""
    from localstripe.errors import UserError
    from localstripe.resources import List, Store, StripeObject, store

    by_type: dict[str, dict[str, Any]] = {}

    def kind(key: object) -> str | None:
        return key.split(":", 1)[0] if isinstance(key, str) and ":" in key else None

    class IndexedStore(Store):
        def __setitem__(self, key, value):
            super().__setitem__(key, value)
            if (name := kind(key)) is not None:
                by_type.setdefault(name, {})[key] = value

        def __delitem__(self, key):
            super().__delitem__(key)
            if (name := kind(key)) is not None:
                by_type.get(name, {}).pop(key, None)

        def clear(self):
            super().clear()
            by_type.clear()

        def update(self, *args, **kwargs):
            for key, value in dict(*args, **kwargs).items():
                self[key] = value

    for key, value in store.items():  # nothing yet at start; kept for safety
        if (name := kind(key)) is not None:
            by_type.setdefault(name, {})[key] = value
    store.__class__ = IndexedStore

    def _api_list_all(cls, url, limit=None, starting_after=None, **kwargs):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs.keys()))
        listed = List(url, limit=limit, starting_after=starting_after)
        listed._list = list(by_type.get(cls.object, {}).values())
        return listed

    StripeObject._api_list_all = classmethod(_api_list_all)


def list_payment_intents_by_customer() -> None:
    """Stripe's GET /v1/payment_intents takes ``customer`` and ``created`` filters (``created``
    an integer or a dict of ``gt``/``gte``/``lt``/``lte``); localstripe refuses both."""
    from localstripe.errors import UserError
    from localstripe.resources import PaymentIntent

    list_all = PaymentIntent._api_list_all.__func__

    def _api_list_all(
        cls, url, customer=None, created=None, limit=None, starting_after=None, **kwargs
    ):
        listed = list_all(cls, url, limit=limit, starting_after=starting_after, **kwargs)
        if customer is not None:
            listed._list = [intent for intent in listed._list if intent.customer == customer]
        if created is not None:
            keep = _created_filter(created)
            listed._list = [intent for intent in listed._list if keep(intent.created)]
        # Newest first, as Stripe lists; the id breaks ties within one second (stable paging).
        listed._list.sort(key=lambda intent: (intent.created, intent.id), reverse=True)
        return listed

    def _created_filter(created):
        bounds = created if isinstance(created, dict) else {"eq": created}
        tests = {
            "gt": lambda a, b: a > b,
            "gte": lambda a, b: a >= b,
            "lt": lambda a, b: a < b,
            "lte": lambda a, b: a <= b,
            "eq": lambda a, b: a == b,
        }
        try:
            checks = [(tests[op], int(value)) for op, value in bounds.items()]
        except (KeyError, TypeError, ValueError):
            raise UserError(400, "Invalid created filter") from None
        return lambda value: all(test(value, bound) for test, bound in checks)

    PaymentIntent._api_list_all = classmethod(_api_list_all)


def honour_idempotency_keys(ttl_seconds: float = IDEMPOTENCY_TTL_SECONDS) -> None:
    """Answer a POST that carries ``Idempotency-Key`` as Stripe does (docs/stripe.md).

    The first answer (status and body) is saved under (API key, idempotency key) with a
    fingerprint of method, path and parameters, in localstripe's store (so ``--state`` keeps
    it across a restart). The same key again: the saved answer with ``Idempotent-Replayed:
    true`` if the parameters match, Stripe's 400 ``idempotency_error`` if they do not. A twin
    that arrives while the first is still running gets 409 ``idempotency_key_in_use`` (the
    stripe library retries that). Keys expire after ``ttl_seconds``.

    Like Stripe, only answers the endpoint produced are saved: not a 401 (authentication runs
    inside), not a 409, not a crash of localstripe itself (aiohttp's 500).
    """
    from aiohttp import web
    from localstripe.errors import UserError
    from localstripe.resources import store
    from localstripe.server import app, get_post_data

    in_flight: set[str] = set()
    last_pruned = [0.0]

    def prune(now: float) -> None:
        if now - last_pruned[0] < 60:
            return
        last_pruned[0] = now
        for slot in [k for k in store if k.startswith(_IDEMPOTENCY_PREFIX)]:
            if now - store[slot]["created"] > ttl_seconds:
                del store[slot]

    @web.middleware
    async def idempotency(request: web.Request, handler: Any) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or key is None or not request.path.startswith("/v1/"):
            return await handler(request)
        if not key or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
            raise UserError(400, "Idempotency-Key must be 1 to 255 characters long")
        slot = _idempotency_slot(request.headers.get("Authorization", ""), key)
        if slot in in_flight:
            return _idempotency_in_use(key)
        in_flight.add(slot)  # before the body is read: a twin may arrive meanwhile
        try:
            data = await get_post_data(request, remove_auth=False)
            fingerprint = _fingerprint(request.method, request.path, request.query_string, data)
            now = time.time()
            saved = store.get(slot)
            if saved is not None and now - saved["created"] <= ttl_seconds:
                if saved["fingerprint"] != fingerprint:
                    return _idempotency_mismatch(key)
                return _replay(saved, key)
            try:
                response = await handler(request)
            except UserError as error:
                response = error.to_response()
            if (
                isinstance(response, web.Response)
                and isinstance(response.body, bytes)
                and response.status not in (401, 409)
            ):
                prune(now)
                store[slot] = {
                    "created": now,
                    "fingerprint": fingerprint,
                    "status": response.status,
                    "content_type": response.content_type,
                    "body": response.body,
                }
            return response
        finally:
            in_flight.discard(slot)

    # After localstripe's error middleware (which turns errors into answers), before its
    # authentication middleware (the first to read the body, where a request can wait).
    app.middlewares.insert(1, idempotency)


def _idempotency_slot(authorization: str, key: str) -> str:
    """Keys are scoped to the account, i.e. to the API key the request authenticates with."""
    digest = hashlib.sha256(f"{authorization}\0{key}".encode()).hexdigest()
    return _IDEMPOTENCY_PREFIX + digest


def _fingerprint(method: str, path: str, query: str, data: Any) -> str:
    """What must match for a replay: parameters compared as values, not as encoded bytes."""
    canonical = json.dumps([method, path, query, data or {}], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(saved: dict[str, Any], key: str) -> Any:
    from aiohttp import web

    return web.Response(
        status=saved["status"],
        body=saved["body"],
        content_type=saved["content_type"],
        headers={"Idempotent-Replayed": "true", "Idempotency-Key": key},
    )


def _idempotency_error(status: int, error: dict[str, str]) -> Any:
    from localstripe.errors import json_response

    return json_response({"error": error}, status=status)


def _idempotency_mismatch(key: str) -> Any:
    return _idempotency_error(
        400,
        {
            "type": "idempotency_error",
            "message": (
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to "
                "execute a different request."
            ),
        },
    )


def _idempotency_in_use(key: str) -> Any:
    return _idempotency_error(
        409,
        {
            "type": "invalid_request_error",
            "code": "idempotency_key_in_use",
            "message": (
                f"There is currently another in-progress request using the idempotency key "
                f"'{key}'. Please try again later."
            ),
        },
    )


def _loopback_socket(host: str, port: int) -> socket.socket:
    address = "127.0.0.1" if host == "localhost" else host
    if not ipaddress.ip_address(address).is_loopback:
        raise SystemExit(f"refusing to listen on {host}: localstripe must stay on loopback")
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((address, port))
    return sock


async def serve(sock: socket.socket, *, access_log: bool) -> None:
    """Serve localstripe's aiohttp app on ``sock`` until SIGTERM or SIGINT."""
    from aiohttp import web
    from localstripe.server import app

    runner = web.AppRunner(
        app, access_log=logging.getLogger("aiohttp.access") if access_log else None
    )
    await runner.setup()
    await web.SockSite(runner, sock).start()
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"{READY_PREFIX}http://{shown}:{port}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8420, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address")
    parser.add_argument("--state", type=Path, help="pickle file for the state (default: memory)")
    parser.add_argument("--access-log", action="store_true", help="log every request")
    parser.add_argument(
        "--idempotency-ttl",
        type=float,
        default=IDEMPOTENCY_TTL_SECONDS,
        help="seconds an Idempotency-Key is remembered (Stripe: 24 h; tests shorten it)",
    )
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    redirect_state(args.state.resolve() if args.state else None)
    list_objects_from_an_index()
    report_real_card_brands()
    list_payment_intents_by_customer()
    honour_idempotency_keys(args.idempotency_ttl)
    if args.state:
        from localstripe.resources import store

        store.try_load_from_disk()

    sock = _loopback_socket(args.host, args.port)
    asyncio.run(serve(sock, access_log=args.access_log))
    print("localstripe stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

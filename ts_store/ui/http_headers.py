"""Security headers on every response of the app's port (issue #15, finding 2).

An ASGI middleware, installed as the last of the app's `api_transformer`s so it wraps the pages,
the static files, the socket's handshake and the webhook alike:

- `Content-Security-Policy`: scripts from the app itself and Stripe.js only, plus the inline
  scripts of the page being served, each allowed by its SHA-256 (computed from the HTML as it
  leaves, so a page can never carry a script the server did not build); frames from Stripe
  only; `frame-ancestors 'none'` (no clickjacking), `object-src 'none'`, `base-uri 'none'`,
  `form-action 'self'`. `'unsafe-eval'` stays: Reflex 0.10's page runs the scripts the server
  sends (`rx.call_script`, `rx.call_function`: the Stripe bridge, alerts) through `eval`
  (reflex_base/.templates/web/utils/state.js). Styles allow inline ones (Radix sets them).
- `X-Content-Type-Options: nosniff`, `Referrer-Policy: strict-origin-when-cross-origin`,
  `Permissions-Policy` (no camera, microphone, geolocation…; `payment` for Stripe only),
  `X-Frame-Options: DENY` for older browsers, and `Strict-Transport-Security` when the store's
  public URL is https.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STRIPE_SCRIPT_ORIGINS = ("https://js.stripe.com",)
STRIPE_FRAME_ORIGINS = ("https://js.stripe.com", "https://hooks.stripe.com")
STRIPE_CONNECT_ORIGINS = ("https://api.stripe.com",)
MAX_HTML_BYTES = 4 * 1024 * 1024  # a page bigger than this is sent without inline hashes
_INLINE_SCRIPT = re.compile(
    rb"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL
)


def origin_of(url: str) -> str | None:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def inline_script_hashes(html: bytes) -> list[str]:
    """The CSP source of each inline <script> of an HTML page, in order, without repeats."""
    seen: dict[str, None] = {}
    for match in _INLINE_SCRIPT.finditer(html):
        digest = base64.b64encode(hashlib.sha256(match.group(1)).digest()).decode()
        seen[f"'sha256-{digest}'"] = None
    return list(seen)


class SecurityHeaders:
    """The headers, computed once for the app's settings; the CSP per page (its hashes)."""

    def __init__(self, *, stripe_urls: Iterable[str] = (), https: bool = False) -> None:
        stripe_local = sorted(
            {o for o in map(origin_of, stripe_urls) if o and "stripe.com" not in o}
        )  # the local Stripe server under make run and the tests
        self.script_src = ["'self'", "'unsafe-eval'", *STRIPE_SCRIPT_ORIGINS, *stripe_local]
        self.frame_src = [*STRIPE_FRAME_ORIGINS, *stripe_local]
        self.connect_src = ["'self'", *STRIPE_CONNECT_ORIGINS, *stripe_local]
        self.https = https
        fixed = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
            (
                b"permissions-policy",
                b"camera=(), microphone=(), geolocation=(), usb=(), serial=(), bluetooth=(), "
                b'interest-cohort=(), payment=(self "https://js.stripe.com")',
            ),
            (b"x-frame-options", b"DENY"),
        ]
        if https:
            fixed.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
        self.fixed = fixed

    def csp(self, scheme: str, host: str, script_hashes: Iterable[str] = ()) -> str:
        socket = f"{'wss' if scheme in ('https', 'wss') else 'ws'}://{host}" if host else ""
        directives = {
            "default-src": ["'self'"],
            "script-src": [*self.script_src, *script_hashes],
            "style-src": ["'self'", "'unsafe-inline'"],
            "img-src": ["'self'", "data:", "blob:", "https://*.stripe.com"],
            "font-src": ["'self'", "data:"],
            "connect-src": [*self.connect_src, *([socket] if socket else [])],
            "frame-src": self.frame_src,
            "frame-ancestors": ["'none'"],
            "object-src": ["'none'"],
            "base-uri": ["'none'"],
            "form-action": ["'self'"],
        }
        return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """For `rx.App(api_transformer=[..., headers.middleware])`."""
        return _HeadersMiddleware(app, self)


class _HeadersMiddleware:
    def __init__(self, app: ASGIApp, headers: SecurityHeaders) -> None:
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
        scheme = scope.get("scheme", "http")
        held: Message | None = None  # the start of an HTML page, sent with the whole body
        body: list[bytes] = []

        def start(message: Message, hashes: Iterable[str] = ()) -> Message:
            names = {name.lower() for name, _ in message.get("headers", [])}
            extra = [(n, v) for n, v in self.headers.fixed if n not in names]
            csp = self.headers.csp(scheme, host, hashes).encode()
            headers = [
                *[(n, v) for n, v in message.get("headers", []) if n.lower() != b"content-length"],
                *extra,
                (b"content-security-policy", csp),
            ]
            return {**message, "headers": headers}

        async def send_with_headers(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                if content_type.startswith(b"text/html"):
                    held = message
                    return
                await send(_with_length(start(message), message))
                return
            if held is not None and message["type"] == "http.response.pathsend":
                # Granian sends static files by path: read the page to hash its scripts
                page = await anyio.Path(message["path"]).read_bytes()
                first = start(held, inline_script_hashes(_decoded(held, page)))
                first["headers"].append((b"content-length", str(len(page)).encode()))
                held = None
                await send(first)
                await send({"type": "http.response.body", "body": page, "more_body": False})
                return
            if held is not None and message["type"] == "http.response.body":
                body.append(message.get("body", b""))
                more = message.get("more_body", False)
                if more and sum(map(len, body)) <= MAX_HTML_BYTES:
                    return
                page = b"".join(body)
                if more:  # too big to hold: sent as it comes, with no inline script allowed
                    first = start(held)
                else:
                    first = start(held, inline_script_hashes(_decoded(held, page)))
                    first["headers"].append((b"content-length", str(len(page)).encode()))
                held = None
                await send(first)
                await send({"type": "http.response.body", "body": page, "more_body": more})
                return
            await send(message)

        await self.app(_gzip_at_most(scope), receive, send_with_headers)


def _gzip_at_most(scope: Scope) -> Scope:
    """Ask the static files for gzip or nothing: the hashes are read from the page's text, and
    Python reads gzip but not brotli or zstd (which Reflex may have precompressed too)."""
    headers = []
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            value = b"gzip" if b"gzip" in value.lower() else b"identity"
        headers.append((name, value))
    return {**scope, "headers": headers}


def _decoded(start: Message, body: bytes) -> bytes:
    encoding = dict(start.get("headers", [])).get(b"content-encoding", b"").lower()
    if encoding == b"gzip":
        try:
            return gzip.decompress(body)
        except (OSError, EOFError):
            return b""
    return body


def _with_length(message: Message, original: Message) -> Message:
    """Keep the original Content-Length on a response whose body passes through unchanged."""
    length = [(n, v) for n, v in original.get("headers", []) if n.lower() == b"content-length"]
    return {**message, "headers": [*message["headers"], *length]}

"""Security headers on every response of the app's port (issue #15, finding 2; docs/security.md).

An ASGI middleware wrapped around the whole backend (`HardenedApp` in ts_store/app_factory.py),
outside Reflex's own CORS middleware, so the pages, the static files, the socket's handshake, the
webhook and the CORS preflight answers all carry them:

- `Content-Security-Policy`: scripts from the app itself and Stripe.js only, plus the inline
  scripts of our own build, each allowed by its SHA-256 (React Router's prerendered pages carry
  about nine: its context, the module loader, React's streaming runtime). The hashes are read
  from the built pages on disk, never from the answer being sent, so a script that reached a page
  any other way does not run. Frames from Stripe only; `frame-ancestors 'none'` (no
  clickjacking), `object-src 'none'`, `base-uri 'none'`, `form-action 'self'`; connections to
  the app, its websocket and Stripe's API. One allowance Reflex 0.10 forces: `'unsafe-eval'` (its
  page runs the scripts the server sends, `rx.call_script` / `rx.call_function`, through `eval`:
  reflex_base/.templates/web/utils/state.js).
- `X-Content-Type-Options: nosniff`, `Referrer-Policy: strict-origin-when-cross-origin`,
  `Permissions-Policy` (no camera, microphone, geolocation…; `payment` for Stripe only),
  `X-Frame-Options: DENY` for older browsers, and `Strict-Transport-Security` when the store's
  public URL is https.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

import reflex as rx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STRIPE_SCRIPT_ORIGINS = ("https://js.stripe.com",)
STRIPE_FRAME_ORIGINS = ("https://js.stripe.com", "https://hooks.stripe.com")
STRIPE_CONNECT_ORIGINS = ("https://api.stripe.com",)


# An inline script of a built page: no `src`, its text exactly as served (React escapes "</").
INLINE_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
SRC_ATTRIBUTE = re.compile(rb"\bsrc\s*=", re.I)


def inline_script_hashes(pages: bytes) -> set[str]:
    """`'sha256-…'` of every inline script in `pages` (HTML), as CSP Level 2 spells them."""
    hashes = set()
    for attributes, body in INLINE_SCRIPT.findall(pages):
        if SRC_ATTRIBUTE.search(attributes):
            continue
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        hashes.add(f"'sha256-{digest}'")
    return hashes


def built_pages_hashes(static_dir: Path) -> list[str]:
    """The inline scripts of every page of the frontend build under `static_dir`, sorted."""
    hashes: set[str] = set()
    for page in static_dir.rglob("*.html"):
        hashes |= inline_script_hashes(page.read_bytes())
    return sorted(hashes)


def origin_of(url: str) -> str | None:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


class SecurityHeaders:
    """The headers, computed once for the app's settings (the websocket's origin per request)."""

    def __init__(
        self,
        *,
        stripe_urls: Iterable[str] = (),
        https: bool = False,
        static_dir: Callable[[], Path | None] = lambda: None,
    ) -> None:
        """`static_dir` finds the frontend build (asked at the first answer: in production the
        build is complete before the backend serves anything)."""
        stripe_local = sorted(
            {o for o in map(origin_of, stripe_urls) if o and "stripe.com" not in o}
        )  # the local Stripe server under make run and the tests
        self.script_src = [
            "'self'",
            "'unsafe-eval'",
            *STRIPE_SCRIPT_ORIGINS,
            *stripe_local,
        ]
        self._static_dir = static_dir
        self._build_hashes: list[str] | None = None
        self.frame_src = [*STRIPE_FRAME_ORIGINS, *stripe_local]
        self.connect_src = ["'self'", *STRIPE_CONNECT_ORIGINS, *stripe_local]
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

    def build_hashes(self) -> list[str]:
        """The hashes of the build's inline scripts, read once per process."""
        if self._build_hashes is None:
            folder = self._static_dir()
            self._build_hashes = built_pages_hashes(folder) if folder and folder.is_dir() else []
        return self._build_hashes

    def csp(self, scheme: str, host: str) -> str:
        socket = f"{'wss' if scheme in ('https', 'wss') else 'ws'}://{host}" if host else ""
        directives = {
            "default-src": ["'self'"],
            "script-src": [*self.script_src, *self.build_hashes()],
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
        csp = self.headers.csp(scope.get("scheme", "http"), host).encode()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in self.headers.fixed if n not in present]
                message = {
                    **message,
                    "headers": [
                        *message.get("headers", []),
                        *extra,
                        (b"content-security-policy", csp),
                    ],
                }
            await send(message)

        await self.app(scope, receive, send_with_headers)


def frontend_build_dir() -> Path:
    """Where Reflex's production server reads the built pages (reflex/utils/exec.py,
    `get_frontend_mount`)."""
    from reflex.utils.prerequisites import get_web_dir
    from reflex_base import constants
    from reflex_base.config import get_config

    static = get_web_dir() / constants.Dirs.STATIC
    return (static / get_config().frontend_path.strip("/")).resolve()


@dataclasses.dataclass()
class HardenedApp(rx.App):
    """`rx.App` whose whole backend is wrapped in the security headers: Reflex adds its CORS
    middleware outside every `api_transformer`, so only out here do its preflight answers get
    them too."""

    security_headers: SecurityHeaders | None = None

    def __call__(self) -> ASGIApp:
        backend = super().__call__()
        if self.security_headers is None:
            return backend
        return self.security_headers.middleware(backend)

"""Security headers on every response of the app's port (issue #15, finding 2).

An ASGI middleware, installed as the last of the app's `api_transformer`s so it wraps the pages,
the static files, the socket's handshake and the webhook alike:

- `Content-Security-Policy`: scripts from the app itself and Stripe.js only; frames from Stripe
  only; `frame-ancestors 'none'` (no clickjacking), `object-src 'none'`, `base-uri 'none'`,
  `form-action 'self'`; connections to the app, its websocket and Stripe's API.
  Two allowances Reflex 0.10 needs, written down in docs/security.md: `'unsafe-eval'` (its page
  runs the scripts the server sends, `rx.call_script` / `rx.call_function`, through `eval`:
  reflex_base/.templates/web/utils/state.js) and `'unsafe-inline'` for scripts (React Router's
  streamed page carries inline scripts, and hashing the served HTML was not enough: Chromium
  still reported inline scripts blocked on /login/ and /registrati/ in the e2e run).
- `X-Content-Type-Options: nosniff`, `Referrer-Policy: strict-origin-when-cross-origin`,
  `Permissions-Policy` (no camera, microphone, geolocation…; `payment` for Stripe only),
  `X-Frame-Options: DENY` for older browsers, and `Strict-Transport-Security` when the store's
  public URL is https.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

STRIPE_SCRIPT_ORIGINS = ("https://js.stripe.com",)
STRIPE_FRAME_ORIGINS = ("https://js.stripe.com", "https://hooks.stripe.com")
STRIPE_CONNECT_ORIGINS = ("https://api.stripe.com",)


def origin_of(url: str) -> str | None:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


class SecurityHeaders:
    """The headers, computed once for the app's settings (the websocket's origin per request)."""

    def __init__(self, *, stripe_urls: Iterable[str] = (), https: bool = False) -> None:
        stripe_local = sorted(
            {o for o in map(origin_of, stripe_urls) if o and "stripe.com" not in o}
        )  # the local Stripe server under make run and the tests
        self.script_src = [
            "'self'",
            "'unsafe-inline'",
            "'unsafe-eval'",
            *STRIPE_SCRIPT_ORIGINS,
            *stripe_local,
        ]
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

    def csp(self, scheme: str, host: str) -> str:
        socket = f"{'wss' if scheme in ('https', 'wss') else 'ws'}://{host}" if host else ""
        directives = {
            "default-src": ["'self'"],
            "script-src": self.script_src,
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

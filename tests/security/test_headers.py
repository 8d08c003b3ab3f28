"""Security headers (issue #15, finding 2) from the middleware the app installs, checked on
Starlette's TestClient: pages, static files, gzip pages, the webhook's answers."""

from __future__ import annotations

import base64
import gzip
import hashlib
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ts_store.ui.http_headers import SecurityHeaders, inline_script_hashes

INLINE = b"window.__ctx = {a: 1};"
PAGE = b"<html><head><script src='/app.js'></script><script>" + INLINE + b"</script></head></html>"


class _Client:
    """httpx over ASGI, as tests/payments/test_webhook.py talks to a Starlette app."""

    def __init__(self, app) -> None:
        self.app = app

    async def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:3000") as c:
            return await c.request(method, path, **kwargs)

    async def get(self, path: str, **kwargs) -> httpx.Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs) -> httpx.Response:
        return await self.request("POST", path, **kwargs)


def _build(tmp_path) -> Path:
    """A frontend build of two pages: the page the test app serves, and another."""
    (tmp_path / "login").mkdir()
    (tmp_path / "login" / "index.html").write_bytes(PAGE)
    (tmp_path / "other.html").write_bytes(b"<script type='module'>import '/x.js';</script>")
    return tmp_path


def _client(https: bool = False, build: Path | None = None) -> _Client:
    async def page(_request):
        return HTMLResponse(PAGE)

    async def injected(_request):
        return HTMLResponse(PAGE.replace(b"</head>", b"<script>steal()</script></head>"))

    async def zipped(_request):
        return Response(
            gzip.compress(PAGE), media_type="text/html", headers={"content-encoding": "gzip"}
        )

    async def script(_request):
        return PlainTextResponse("console.log(1)", media_type="text/javascript")

    async def webhook(_request):
        return JSONResponse({"error": "invalid signature"}, status_code=400)

    app = Starlette(
        routes=[
            Route("/login/", page),
            Route("/zipped/", zipped),
            Route("/injected/", injected),
            Route("/app.js", script),
            Route("/stripe/webhook", webhook, methods=["POST"]),
        ]
    )
    headers = SecurityHeaders(
        stripe_urls=["http://127.0.0.1:8420/js.stripe.com/v3/", "http://127.0.0.1:8420"],
        https=https,
        static_dir=lambda: build,
    )
    return _Client(headers.middleware(app))


def _directives(csp: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in csp.split("; ")}


@pytest.mark.parametrize(
    "path", ["/login/", "/zipped/", "/app.js"], ids=["page", "gzip_page", "script"]
)
async def test_every_response_has_the_headers(path):
    response = await _client().get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response.headers["permissions-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    csp = _directives(response.headers["content-security-policy"])
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert "strict-transport-security" not in response.headers


async def test_webhook_answer_has_the_headers_too():
    response = await _client().post("/stripe/webhook", content=b"{}")
    assert response.status_code == 400
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def _sha256(script: bytes) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"


async def test_scripts_only_from_self_stripe_and_the_builds_own_inline_scripts(tmp_path):
    build = _build(tmp_path)
    for path in ("/login/", "/zipped/"):
        response = await _client(build=build).get(path)
        assert response.content == PAGE
        csp = _directives(response.headers["content-security-policy"])
        assert csp["script-src"] == [
            "'self'",
            "'unsafe-eval'",
            "https://js.stripe.com",
            "http://127.0.0.1:8420",
            *sorted([_sha256(INLINE), _sha256(b"import '/x.js';")]),
        ]
        assert "'unsafe-inline'" not in csp["script-src"]
        assert csp["frame-src"] == [
            "https://js.stripe.com",
            "https://hooks.stripe.com",
            "http://127.0.0.1:8420",
        ]
        assert "ws://127.0.0.1:3000" in csp["connect-src"]


async def test_hsts_only_when_the_store_is_served_over_https():
    response = await _client(https=True).get("/login/")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")


async def test_file_sent_by_path_as_granian_sends_it_gets_the_headers(tmp_path):
    script = tmp_path / "app.js"
    script.write_bytes(b"console.log(1)")

    async def app(scope, receive, send):
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/javascript")],
            }
        )
        await send({"type": "http.response.pathsend", "path": str(script)})

    sent = []

    async def record(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/app.js", "headers": []}
    await SecurityHeaders().middleware(app)(scope, None, record)
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.pathsend"]
    assert b"x-content-type-options" in dict(sent[0]["headers"])


def test_inline_script_hashes_skip_scripts_with_a_source():
    page = b"<script src='/a.js'></script><SCRIPT async>one()</SCRIPT ><script\nid=x>two()</script>"
    assert inline_script_hashes(page) == {_sha256(b"one()"), _sha256(b"two()")}


async def test_hashes_come_from_the_build_not_from_the_answer(tmp_path):
    """A script that reached an answer some other way is not allowed by hashing the answer."""
    response = await _client(build=_build(tmp_path)).get("/injected/")
    assert b"steal()" in response.content
    script_src = _directives(response.headers["content-security-policy"])["script-src"]
    assert _sha256(INLINE) in script_src
    assert _sha256(b"steal()") not in script_src


async def test_no_build_means_no_inline_script_at_all():
    response = await _client(build=None).get("/login/")
    csp = _directives(response.headers["content-security-policy"])
    assert not [s for s in csp["script-src"] if s.startswith("'sha256-")]


async def test_cors_preflight_answer_has_the_headers_too():
    """Reflex answers preflights from a CORS middleware outside every api_transformer; the app
    wraps the headers around it (HardenedApp), as here."""

    async def never(_request):
        raise AssertionError("a preflight does not reach the app")

    inner = CORSMiddleware(
        Starlette(routes=[Route("/stripe/webhook", never, methods=["POST"])]),
        allow_origins=["http://127.0.0.1:3000"],
        allow_methods=["*"],
        allow_headers=["*"],
        allow_credentials=True,
    )
    client = _Client(SecurityHeaders().middleware(inner))
    response = await client.request(
        "OPTIONS",
        "/stripe/webhook",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 400  # a foreign origin: refused by the CORS middleware
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]

"""Mail settings from the environment (README, Configuration)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

SMTP_URL_ENV = "TS_STORE_SMTP_URL"
PUBLIC_URL_ENV = "TS_STORE_PUBLIC_URL"
INTERVAL_ENV = "TS_STORE_MAIL_INTERVAL_SECONDS"
RETRY_ENV = "TS_STORE_MAIL_RETRY_SECONDS"
LEASE_ENV = "TS_STORE_MAIL_LEASE_SECONDS"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class MailConfigError(ValueError):
    """A mail setting that cannot work; the message names the variable."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # "tls" (smtps://, implicit TLS) | "starttls" | "plain" (loopback only)
    username: str = ""
    password: str = ""
    timeout: float = 30.0

    def __repr__(self) -> str:  # never print the password in a log
        return f"SmtpSettings({self.security}://{self.username or '-'}@{self.host}:{self.port})"


def parse_smtp_url(url: str) -> SmtpSettings:
    """smtps://user:pass@host:465 -> implicit TLS; smtp://user:pass@host:587 -> STARTTLS;
    smtp://127.0.0.1:2525 -> plain, allowed only on loopback (the local sink)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailConfigError(
            f"{SMTP_URL_ENV}: use smtp://user:password@host:587 or smtps://user:password@host:465"
        )
    host = parts.hostname
    try:
        explicit_port = parts.port
    except ValueError as exc:
        raise MailConfigError(f"{SMTP_URL_ENV}: invalid port") from exc
    if parts.scheme == "smtps":
        security, port = "tls", explicit_port or 465
    elif host in LOOPBACK and not parts.username:
        security, port = "plain", explicit_port or 25
    else:
        security, port = "starttls", explicit_port or 587
    return SmtpSettings(
        host=host,
        port=port,
        security=security,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


def smtp_settings(environ: Mapping[str, str] | None = None) -> SmtpSettings | None:
    """None when no SMTP server is configured (messages then wait in the outbox)."""
    raw = (os.environ if environ is None else environ).get(SMTP_URL_ENV, "").strip()
    return parse_smtp_url(raw) if raw else None


def public_url(environ: Mapping[str, str] | None = None) -> str:
    """Base of the links in emails: TS_STORE_PUBLIC_URL, else the app's own URL."""
    env = os.environ if environ is None else environ
    url = env.get(PUBLIC_URL_ENV, "").strip() or env.get("TS_STORE_DEPLOY_URL", "").strip()
    if not url:
        url = f"http://127.0.0.1:{env.get('TS_STORE_PORT', '3000').strip() or '3000'}"
    return url.rstrip("/")


def seconds(name: str, default: float, environ: Mapping[str, str] | None = None) -> float:
    """A non-negative number of seconds from the environment; a bad value gives the default."""
    raw = (os.environ if environ is None else environ).get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        value = default
    return max(value, 0.0) if math.isfinite(value) else default

"""The SDI intermediary: the service that carries our files to the Sistema di Interscambio and
brings SDI's notifications back. One interface; today one HTTP implementation (the local fake
intermediary in tools/fake_sdi.py speaks it); a real intermediary's API goes behind the same one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import httpx

from ts_store.domain.einvoice import NotificationType

URL_ENV = "TS_STORE_SDI_URL"
TOKEN_ENV = "TS_STORE_SDI_TOKEN"
TIMEOUT_SECONDS = 20.0


class IntermediaryUnavailable(Exception):
    """No answer, or a temporary refusal (5xx, 429): send again later."""


class IntermediaryRefused(Exception):
    """The intermediary refused the request itself (4xx): sending again will not help."""


@dataclass(frozen=True)
class Accepted:
    transmission_id: str


@dataclass(frozen=True)
class SdiError:
    code: str
    text: str


@dataclass(frozen=True)
class Notification:
    external_id: str
    type: NotificationType
    errors: tuple[SdiError, ...] = ()
    received_at: datetime | None = None


class SdiIntermediary(Protocol):
    async def send(self, file_name: str, xml: bytes) -> Accepted: ...

    async def notifications(self, transmission_id: str) -> list[Notification]: ...


class HttpIntermediary:
    """`POST {base}/v1/files` (X-File-Name header, the XML as body) -> {"id"};
    `GET {base}/v1/files/{id}/notifications` -> {"data": [{"id", "type", "errors", ...}]}."""

    def __init__(self, base_url: str, token: str = "", timeout: float = TIMEOUT_SECONDS) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._timeout = timeout

    async def _request(
        self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs
    ) -> dict:
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.request(
                    method,
                    f"{self.base_url}{path}",
                    headers={**self._headers, **(headers or {})},
                    **kwargs,
                )
        except httpx.HTTPError as exc:
            raise IntermediaryUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise IntermediaryUnavailable(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            raise IntermediaryRefused(f"HTTP {response.status_code}: {response.text[:200]}")
        try:
            return response.json()
        except ValueError as exc:
            raise IntermediaryUnavailable("answer is not JSON") from exc

    async def send(self, file_name: str, xml: bytes) -> Accepted:
        answer = await self._request(
            "POST",
            "/v1/files",
            content=xml,
            headers={"X-File-Name": file_name, "Content-Type": "application/xml"},
        )
        return Accepted(transmission_id=str(answer["id"]))

    async def notifications(self, transmission_id: str) -> list[Notification]:
        answer = await self._request("GET", f"/v1/files/{transmission_id}/notifications")
        found = []
        for item in answer.get("data", []):
            try:
                kind = NotificationType(item["type"])
            except (KeyError, ValueError):
                continue  # a type we do not handle (e.g. NE, only for the PA)
            received = item.get("received_at")
            found.append(
                Notification(
                    external_id=str(item["id"]),
                    type=kind,
                    errors=tuple(
                        SdiError(str(e.get("code", "")), str(e.get("text", "")))
                        for e in item.get("errors", [])
                    ),
                    received_at=datetime.fromisoformat(received) if received else None,
                )
            )
        return found


def intermediary_from(environ: Mapping[str, str] | None = None) -> HttpIntermediary | None:
    """The configured intermediary, or None when TS_STORE_SDI_URL is unset (files wait)."""
    env = os.environ if environ is None else environ
    url = env.get(URL_ENV, "").strip()
    return HttpIntermediary(url, env.get(TOKEN_ENV, "")) if url else None

"""tools/localstripe_server.py: loopback only, state where we say, clean shutdown."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.fixtures.localstripe import READY_PREFIX, SERVER

pytestmark = pytest.mark.stripe

STOCK_PICKLE = Path("/tmp/localstripe.pickle")  # what the stock command would write


def _stat(path: Path) -> tuple[int, int] | None:
    return (path.stat().st_mtime_ns, path.stat().st_size) if path.exists() else None


@contextmanager
def server(*args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    proc = subprocess.Popen(
        [sys.executable, str(SERVER), "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith(READY_PREFIX), line + proc.stderr.read()
        yield line[len(READY_PREFIX) :].strip(), proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def stop(proc: subprocess.Popen[str], sig: signal.Signals) -> str:
    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0
    return out


def create_customer(url: str) -> str:
    response = httpx.post(
        f"{url}/v1/customers", data={"email": "s@example.it"}, auth=("sk_test_x", "")
    )
    response.raise_for_status()
    return response.json()["id"]


def customer_ids(url: str) -> set[str]:
    response = httpx.get(f"{url}/v1/customers", auth=("sk_test_x", ""))
    return {c["id"] for c in response.json()["data"]}


def test_listens_on_loopback_and_keeps_state_in_memory_by_default() -> None:
    before = _stat(STOCK_PICKLE)
    with server() as (url, proc):
        assert url.startswith("http://127.0.0.1:")
        customer = create_customer(url)
        assert "localstripe stopped" in stop(proc, signal.SIGTERM)
    with server() as (url, proc):
        assert customer not in customer_ids(url)
        stop(proc, signal.SIGINT)
    assert _stat(STOCK_PICKLE) == before


def test_state_file_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "localstripe.pickle"
    before = _stat(STOCK_PICKLE)
    with server("--state", str(state)) as (url, proc):
        customer = create_customer(url)
        stop(proc, signal.SIGINT)
    assert state.exists()
    with server("--state", str(state)) as (url, proc):
        assert customer in customer_ids(url)
        stop(proc, signal.SIGTERM)
    assert _stat(STOCK_PICKLE) == before


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1"])
def test_refuses_to_listen_beyond_loopback(host: str) -> None:
    result = subprocess.run(
        [sys.executable, str(SERVER), "--port", "0", "--host", host],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert "loopback" in result.stderr


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4242424242424242", "visa"),
        ("5555555555554444", "mastercard"),
        ("2223003122003222", "mastercard"),
        ("378282246310005", "amex"),
    ],
)
def test_launcher_reports_the_brand_stripe_would(number, brand):
    from tools.localstripe_server import card_brand

    assert card_brand(number) == brand

"""`make run` when the local Stripe server stops (issue #15, finding 10): its supervisor starts
it again (with its state) and runs the after-start hook again (the webhook registration), and
stopping the supervisor leaves nothing running. The pages meanwhile say Stripe is unavailable."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ts_store.ui.messages import decline_text, text

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def _answers(port: int) -> bool:
    try:
        return httpx.get(
            f"http://127.0.0.1:{port}/v1/customers", auth=("sk_test_x", ""), timeout=1
        ).status_code in (200, 401)
    except httpx.HTTPError:
        return False


def _pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.stripe
def test_killed_stripe_server_is_started_again_with_its_hook(tmp_path):
    port = _free_port()
    pidfile, hooks = tmp_path / "localstripe.pid", tmp_path / "hooks.txt"
    supervisor = subprocess.Popen(
        [
            str(ROOT / "scripts/supervise.sh"),
            "localstripe",
            str(pidfile),
            f"echo started >> {hooks}",
            "--",
            sys.executable,
            str(ROOT / "tools/localstripe_server.py"),
            "--port",
            str(port),
            "--state",
            str(tmp_path / "state.pickle"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(lambda: _answers(port))
        first = _pid(pidfile)
        os.kill(first, signal.SIGTERM)  # what the issue did: kill -TERM of the Stripe server
        _wait_for(lambda: _pid(pidfile) not in (None, first) and _answers(port))
        second = _pid(pidfile)
        assert not _alive(first) and _alive(second)
        assert hooks.read_text().split() == ["started", "started"]
    finally:
        supervisor.send_signal(signal.SIGTERM)
        supervisor.wait(timeout=20)
    assert not _alive(second)
    assert not pidfile.exists()


def test_run_script_waits_on_the_app_only():
    script = (ROOT / "scripts/run.sh").read_text()
    assert 'wait "$app_pid"' in script and "wait -n" not in script
    assert 'scripts/supervise.sh" localstripe' in script


def test_pages_say_stripe_is_unavailable():
    unavailable = text("payments_unavailable")
    assert unavailable.startswith("Il servizio di pagamento non è raggiungibile")
    # Stripe.js not loaded (the local server is down) reads the same in the card form
    assert decline_text("stripe_js_unavailable") == unavailable
    assert decline_text("network") == unavailable

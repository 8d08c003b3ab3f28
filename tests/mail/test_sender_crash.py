"""A sender killed (SIGKILL, a real subprocess) after the SMTP server accepted a message and
before it recorded it as sent: the message is delivered again at most once, with the same
Message-ID, and never a third time (docs/notifications.md, "Crash during a delivery").

How the window is hit without any hook in the sender: when the sink receives the message it
takes SQLite's write lock before answering 250, so the sender, told "accepted", blocks on
recording it; the test then kills it, and lets the lock go.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from tests.fixtures.smtp import SmtpSink
from ts_store.billing import accounts
from ts_store.store.models import OutboxMessage

# The crash is staged by holding SQLite's write lock on the database file from the SMTP sink.
pytestmark = pytest.mark.sqlite_only

ROOT = Path(__file__).resolve().parents[2]
TARGET = "crash@x.it"
OTHER = "other@x.it"


class WriteLockOnDelivery:
    """Sink hook: on a delivery to TARGET (the first `times` of them) take the database's write
    lock and keep it until `release()`; `taken` is set once the lock is held."""

    def __init__(self, db_path: Path, times: int) -> None:
        self.db_path = db_path
        self.times = times
        self.taken = threading.Event()
        self._connection: sqlite3.Connection | None = None

    def __call__(self, path: Path) -> None:
        if self.times <= 0 or f"To: {TARGET}".encode() not in path.read_bytes():
            return
        self.times -= 1
        self._connection = sqlite3.connect(self.db_path, timeout=10, check_same_thread=False)
        self._connection.execute("BEGIN IMMEDIATE")
        self.taken.set()

    def release(self) -> None:
        if self._connection is not None:
            self._connection.rollback()
            self._connection.close()
            self._connection = None
        self.taken.clear()


@pytest.fixture
def crash_setup(db_url, engine, tmp_path):
    for email in (TARGET, OTHER):  # TARGET's welcome is queued first, so it is sent first
        with Session(engine) as session:
            accounts.register(
                email=email,
                password="Tramonto sul lago 2026",
                company_name="Rossi S.r.l.",
            )
            session.commit()
    db_path = Path(db_url.removeprefix("sqlite:///"))
    sink = SmtpSink(folder=tmp_path / "mailbox")
    yield db_path, sink
    sink.stop()


def _env(db_url: str, sink: SmtpSink) -> dict[str, str]:
    return dict(
        os.environ,
        TS_STORE_DB_URL=db_url,
        TS_STORE_SMTP_URL=sink.url,
        TS_STORE_MAIL_LEASE_SECONDS="1",
        TS_STORE_MAIL_RETRY_SECONDS="1",
        PYTHONUNBUFFERED="1",
    )


def _sender(db_url: str, sink: SmtpSink) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "ts_store.mail", "send"],
        cwd=ROOT,
        env=_env(db_url, sink),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _kill_after_acceptance(db_url: str, sink: SmtpSink, hook: WriteLockOnDelivery) -> None:
    sender = _sender(db_url, sink)
    assert hook.taken.wait(30), "the sender never delivered the message"
    time.sleep(1.5)  # the 250 reaches the sender, which now waits to record it
    assert sender.poll() is None, f"sender ended before the kill:\n{sender.communicate()[0]}"
    os.kill(sender.pid, signal.SIGKILL)
    sender.wait(10)
    hook.release()


def _row(engine, recipient: str) -> OutboxMessage:
    with Session(engine) as session:
        return session.exec(
            sa.select(OutboxMessage).where(OutboxMessage.recipient == recipient)
        ).scalar_one()


def _copies(sink: SmtpSink, recipient: str) -> list[str]:
    return [m["Message-ID"] for m in sink.messages(to=recipient)]


def test_killed_after_acceptance_the_message_is_sent_again_once_with_the_same_message_id(
    crash_setup, db_url, engine
):
    db_path, sink = crash_setup
    hook = WriteLockOnDelivery(db_path, times=1)
    sink.on_message = hook
    sink.start()

    _kill_after_acceptance(db_url, sink, hook)
    row = _row(engine, TARGET)
    assert (row.status, row.attempts) == ("sending", 1)  # the sender died before recording
    assert len(_copies(sink, TARGET)) == 1

    time.sleep(1.2)  # the lease (1 s) runs out: the delivery is known to be unconfirmed
    finished = subprocess.run(
        [sys.executable, "-m", "ts_store.mail", "send"],
        cwd=ROOT,
        env=_env(db_url, sink),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    copies = _copies(sink, TARGET)
    assert len(copies) == 2 and copies[0] == copies[1] == row.message_id
    row = _row(engine, TARGET)
    assert (row.status, row.attempts, row.unconfirmed_attempts) == ("sent", 2, 1)
    assert _copies(sink, OTHER) == [_row(engine, OTHER).message_id]  # the other one, once


def test_killed_twice_the_message_is_given_up_never_sent_a_third_time(crash_setup, db_url, engine):
    db_path, sink = crash_setup
    hook = WriteLockOnDelivery(db_path, times=2)
    sink.on_message = hook
    sink.start()

    _kill_after_acceptance(db_url, sink, hook)
    time.sleep(1.2)
    _kill_after_acceptance(db_url, sink, hook)  # the one retry dies at the same point
    time.sleep(1.2)
    for _ in range(2):
        subprocess.run(
            [sys.executable, "-m", "ts_store.mail", "send"],
            cwd=ROOT,
            env=_env(db_url, sink),
            capture_output=True,
            timeout=60,
            check=True,
        )
    row = _row(engine, TARGET)
    assert (row.status, row.unconfirmed_attempts) == ("dead", 2)
    assert "non confermata" in row.last_error
    copies = _copies(sink, TARGET)
    assert len(copies) == 2 and set(copies) == {row.message_id}
    assert len(_copies(sink, OTHER)) == 1

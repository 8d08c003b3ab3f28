"""A local SMTP sink for development and tests (aiosmtpd): every message it accepts is stored as
an .eml file in a folder (`make run`: .mailbox/ in the checkout). Loopback only. Never used in
production; the app talks to it like to any SMTP server (TS_STORE_SMTP_URL=smtp://127.0.0.1:PORT).

    python tools/smtp_sink.py --port 2525 --mailbox .mailbox

Ctrl-C (or SIGTERM) stops it.
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

from aiosmtpd.controller import Controller

READY_PREFIX = "smtp sink ready on "


class MailboxHandler:
    """Stores each message in `folder` (written to a temporary name, then renamed, so a
    reader never sees half a file). `on_message(path)` runs before the server answers 250."""

    def __init__(self, folder: Path, on_message: Callable[[Path], None] | None = None) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.on_message = on_message
        self._serial = itertools.count(1)
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self._lock:
            name = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{next(self._serial):05d}.eml"
        path = self.folder / name
        partial = path.with_suffix(".part")
        partial.write_bytes(envelope.original_content or envelope.content)
        partial.rename(path)
        if self.on_message is not None:
            self.on_message(path)
        return "250 Message accepted for delivery"


def start_sink(
    port: int, folder: Path, on_message: Callable[[Path], None] | None = None
) -> Controller:
    controller = Controller(
        MailboxHandler(folder, on_message), hostname="127.0.0.1", port=port, ready_timeout=10
    )
    controller.start()
    return controller


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--mailbox", type=Path, default=Path(".mailbox"))
    args = parser.parse_args()
    controller = start_sink(args.port, args.mailbox)
    print(f"{READY_PREFIX}127.0.0.1:{args.port} -> {args.mailbox}", flush=True)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()

"""Mail commands for cron or a scheduler.

    python -m ts_store.mail send            # one pass: every message due now
    python -m ts_store.mail send --watch    # a pass every TS_STORE_MAIL_INTERVAL_SECONDS

Safe alongside the app's background sender and other copies of itself: each message is claimed
by one sender. Exits 0 when the pass ran (failed deliveries are outcomes, retried later), 2 on
a bad argument or configuration.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

from ts_store.billing.bootstrap import bootstrap
from ts_store.mail.config import MailConfigError
from ts_store.mail.sender import SenderConfig, interval_seconds, send_due


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ts_store.mail", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    send = commands.add_parser("send", help="invia le email in coda (outbox)")
    send.add_argument("--watch", action="store_true", help="continua, un giro ogni intervallo")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    bootstrap()  # the catalogue and clock the use cases read (emails show VAT, amounts)
    try:
        cfg = SenderConfig.from_env()
    except MailConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    while True:
        print(send_due(cfg).summary(), flush=True)
        if not args.watch:
            return 0
        time.sleep(interval_seconds() or 10.0)


if __name__ == "__main__":
    sys.exit(main())

"""Billing commands for cron or a scheduler.

    python -m ts_store.billing renew [--today YYYY-MM-DD]
    python -m ts_store.billing reconcile
    python -m ts_store.billing export-fatturapa --year YYYY --out DIR   (einvoice_commands.py)
    python -m ts_store.billing sdi-sync

Runs the renewal job once for `--today` (default: the store's clock — TS_STORE_TODAY, or
today in Rome), then queues the day's reminder emails
(trial ending, annual renewal in 30 days, card expiring), and prints a short report. Safe to
run again on the same day and alongside the app's background task: nothing is charged or
queued twice. Exits 0
when the job ran (declined cards are outcomes, listed in the report), 2 on a bad argument.

`reconcile` settles charges whose answer from Stripe was lost (a crash or a timeout mid-charge)
once they are 60 seconds old, and refunds late and extra payments; `renew` does it first as
well. Run it from cron every minute when the app's own pass is off (docs/recovery.md).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date

from ts_store.billing import clock, einvoice_commands
from ts_store.billing.bootstrap import bootstrap
from ts_store.billing.reconciliation import settle_and_refund
from ts_store.billing.reminders import send_reminders
from ts_store.billing.renewals import renew_due


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"data non valida {text!r}: usa il formato AAAA-MM-GG, per esempio 2026-12-10"
        ) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ts_store.billing", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    renew = commands.add_parser(
        "renew", help="rinnovi, tentativi di addebito, sospensioni, fine prova e conservazione dati"
    )
    renew.add_argument("--today", type=_iso_date, help="data del giorno (AAAA-MM-GG)")
    commands.add_parser(
        "reconcile",
        help="chiude gli addebiti rimasti senza risposta da Stripe (oltre 60 secondi) e "
        "rimborsa i pagamenti tardivi o in più",
    )
    einvoice_commands.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    bootstrap()
    if args.command in einvoice_commands.COMMANDS:
        return einvoice_commands.run(args)
    if args.command == "renew":
        today = args.today or clock.today()
        settled = asyncio.run(settle_and_refund())
        report = asyncio.run(renew_due(today))
        reminders = send_reminders(today)
        print(settled.summary())
        print(report.summary())
        print(reminders.summary())
        for line in report.lines():
            print(f"  {line}")
    elif args.command == "reconcile":
        settled = asyncio.run(settle_and_refund())
        print(settled.summary())
        for line in settled.lines():
            print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

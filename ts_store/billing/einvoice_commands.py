"""Commands for electronic invoices, added to `python -m ts_store.billing`:

    python -m ts_store.billing export-fatturapa --year YYYY --out DIR
    python -m ts_store.billing sdi-sync

`export-fatturapa` writes the current XML of every document of the year into DIR (creating
the XML first where a document has none), one file per document, named as sent to SDI; it
prints one line per file and exits 1 if a document's XML could not be made. `sdi-sync` runs
one transmission pass (what the app's background task does every minute).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from ts_store.billing.einvoices import generate_missing
from ts_store.billing.sdi_sender import sync_once
from ts_store.store import einvoices
from ts_store.store.db import session_scope

COMMANDS = ("export-fatturapa", "sdi-sync")


def _year(text: str) -> int:
    try:
        year = int(text)
    except ValueError:
        year = 0
    if not 2000 <= year <= 2999:
        raise argparse.ArgumentTypeError(f"anno non valido {text!r}: usa AAAA, es. 2026")
    return year


def add_commands(commands) -> None:
    export = commands.add_parser(
        "export-fatturapa", help="scrive in una cartella gli XML FatturaPA di un anno"
    )
    export.add_argument("--year", type=_year, required=True, help="anno dei documenti (AAAA)")
    export.add_argument("--out", type=Path, required=True, help="cartella di destinazione")
    commands.add_parser("sdi-sync", help="invia le fatture elettroniche e legge gli esiti SDI")


def export_year(year: int, out: Path) -> tuple[list[Path], dict[str, str]]:
    """Write the year's files; (paths written, {document number: missing field})."""
    report = generate_missing(limit=100_000)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with session_scope() as session:
        documents = einvoices.documents_of_year(session, year)
        files = einvoices.files_of_documents(session, [d.id for d in documents])
        for document in documents:
            row = files.get(document.id)
            if row is None:
                continue
            path = out / row.file_name
            path.write_bytes(row.xml)
            written.append(path)
    missing = {
        number: field for number, field in report.failed.items() if number.startswith(f"{year}/")
    }
    return written, missing


def run(args: argparse.Namespace) -> int:
    if args.command == "export-fatturapa":
        written, missing = export_year(args.year, args.out)
        for path in written:
            print(path)
        for number, field in missing.items():
            print(f"documento {number}: XML non generato, manca {field}")
        print(f"{len(written)} file XML scritti in {args.out}")
        return 1 if missing else 0
    report = asyncio.run(sync_once())
    print(report.summary())
    for line in report.lines():
        print(f"  {line}")
    return 0

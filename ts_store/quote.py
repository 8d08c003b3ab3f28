"""`python -m ts_store.quote [--catalog FILE]`: quote requests from stdin as JSON
(docs/quote-contract.md).

Imports the pure domain only, so it starts fast and never loads Reflex or the database.
"""

from __future__ import annotations

import argparse
import json
import sys

from ts_store.domain.catalog import CATALOG_ENV_VAR, CatalogError, load_catalog
from ts_store.domain.quote_contract import answer_document, catalog_error_to_json


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ts_store.quote",
        description="Legge una richiesta di preventivo JSON (o un array) da stdin e scrive "
        "la risposta su stdout. Esce con 2 se una richiesta non è valida.",
    )
    parser.add_argument(
        "--catalog",
        metavar="FILE",
        help=f"catalogo TOML da usare (default: ${CATALOG_ENV_VAR} o il catalogo incluso)",
    )
    args = parser.parse_args(argv)
    try:
        catalog = load_catalog(args.catalog)
    except CatalogError as error:
        print(error, file=sys.stderr)
        _write(catalog_error_to_json(error))
        return 2
    answer, exit_code = answer_document(catalog, sys.stdin.buffer.read())
    _write(answer)
    return exit_code


def _write(document: object) -> None:
    """UTF-8 whatever the terminal's locale, so Italian messages never fail to print."""
    text = json.dumps(document, ensure_ascii=False, indent=2)
    sys.stdout.buffer.write(text.encode("utf-8") + b"\n")
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    sys.exit(main())

"""The store's fiscal data from configuration, checked once per process (docs/fatturapa.md).

Either `TS_STORE_SELLER_FILE` names a TOML file whose keys are the settings of
`domain/seller.SELLER_SETTINGS` (e.g. `partita_iva = "01234567890"`), or each setting is an
environment variable `TS_STORE_SELLER_<SETTING>` (e.g. `TS_STORE_SELLER_PARTITA_IVA`). A variable
wins over the file. Without either, the demo data of `DEMO_SELLER` applies (development and
tests), and a log line says so.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from ts_store.domain.einvoice import Seller
from ts_store.domain.seller import DEMO_SELLER, SELLER_SETTINGS, SellerProblems, validate_seller

log = logging.getLogger(__name__)

FILE_ENV = "TS_STORE_SELLER_FILE"
PREFIX = "TS_STORE_SELLER_"


class SellerConfigError(RuntimeError):
    """The store's fiscal data is wrong: the message names every wrong setting."""


def seller_from(environ: Mapping[str, str]) -> Seller:
    raw: dict[str, str] = {}
    path = environ.get(FILE_ENV, "").strip()
    if path:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SellerConfigError(f"{FILE_ENV}={path}: file non leggibile ({exc})") from exc
        unknown = sorted(set(data) - set(SELLER_SETTINGS))
        if unknown:
            raise SellerConfigError(f"{FILE_ENV}={path}: chiavi sconosciute {unknown}")
        raw.update({key: str(value) for key, value in data.items()})
    for name in SELLER_SETTINGS:
        value = environ.get(PREFIX + name.upper())
        if value is not None:
            raw[name] = value
    if not raw:
        log.info("store fiscal data: demo values (set %s* for real invoices)", PREFIX)
        raw = dict(DEMO_SELLER)
    try:
        return validate_seller(raw)
    except SellerProblems as exc:
        lines = [
            f"{PREFIX}{name.upper()}: {message}" for name, message in sorted(exc.errors.items())
        ]
        message = "Dati fiscali del venditore non validi:\n" + "\n".join(lines)
        raise SellerConfigError(message) from None


@cache
def current_seller() -> Seller:
    """The seller of this process (read once; a change needs a restart)."""
    return seller_from(os.environ)

"""The store's own fiscal data (CedentePrestatore), checked like a customer's (domain/fiscal.py).

Raw values come from configuration (billing/seller_config.py: TS_STORE_SELLER_* variables or a
TOML file). Every wrong field gets a message that names its setting, and the app refuses to
start with them: an invoice with the store's wrong Partita IVA is rejected by SDI days later.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ts_store.domain.einvoice import Address, Rea, Seller
from ts_store.domain.fiscal import check_value
from ts_store.domain.provinces import PROVINCES

# setting -> its name in messages
SELLER_SETTINGS: dict[str, str] = {
    "denominazione": "Denominazione (ragione sociale del venditore)",
    "partita_iva": "Partita IVA del venditore",
    "codice_fiscale": "Codice fiscale del venditore",
    "regime_fiscale": "Regime fiscale",
    "indirizzo": "Indirizzo della sede",
    "cap": "CAP della sede",
    "comune": "Comune della sede",
    "provincia": "Provincia della sede",
    "nazione": "Nazione della sede",
    "rea_ufficio": "Ufficio REA",
    "rea_numero": "Numero REA",
    "capitale_sociale": "Capitale sociale",
    "socio_unico": "Socio unico",
    "stato_liquidazione": "Stato di liquidazione",
    "id_trasmittente": "Codice del trasmittente (IdTrasmittente)",
}

#: Demo data for development and tests (checksum-valid, fictitious).
DEMO_SELLER: dict[str, str] = {
    "denominazione": "TS Store Demo S.r.l.",
    "partita_iva": "02468130154",
    "codice_fiscale": "02468130154",
    "regime_fiscale": "RF01",
    "indirizzo": "Via dell'Innovazione 1",
    "cap": "20126",
    "comune": "Milano",
    "provincia": "MI",
    "nazione": "IT",
    "rea_ufficio": "MI",
    "rea_numero": "2468130",
    "capitale_sociale": "10000.00",
    "socio_unico": "SM",
    "stato_liquidazione": "LN",
    "id_trasmittente": "",
}

_FISCAL_CHECK = {
    "denominazione": "company_name",
    "partita_iva": "vat_number",
    "codice_fiscale": "tax_code",
    "indirizzo": "address",
    "cap": "postal_code",
    "comune": "city",
}
_REGIMES = frozenset({f"RF{n:02d}" for n in range(1, 20)} - {"RF03"})  # RF03 was abolished
_REA_NUMBER_RE = re.compile(r"[A-Za-z0-9]{1,20}")
_CAPITAL_RE = re.compile(r"[0-9]{1,11}(\.[0-9]{2})?")
_TRANSMITTER_RE = re.compile(r"[A-Z0-9]{11,16}")


class SellerProblems(ValueError):
    """Every wrong setting with its message (setting -> message)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors

    def __str__(self) -> str:
        return "; ".join(f"{name}: {message}" for name, message in self.errors.items())


def validate_seller(raw: Mapping[str, str]) -> Seller:
    """The Seller described by the settings, or SellerProblems naming every wrong one."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}

    def text(name: str) -> str:
        value = raw.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    for name, field in _FISCAL_CHECK.items():
        value, message = check_value(field, text(name))
        values[name] = value
        if message:
            errors[name] = f"{SELLER_SETTINGS[name]}: {message.split(': ', 1)[-1]}"
    regime = text("regime_fiscale").upper() or "RF01"
    if regime not in _REGIMES:
        errors["regime_fiscale"] = f"{SELLER_SETTINGS['regime_fiscale']}: {regime!r} non esiste."
    country = text("nazione").upper() or "IT"
    if country != "IT":
        errors["nazione"] = f"{SELLER_SETTINGS['nazione']}: solo IT è gestita."
    province = text("provincia").upper()
    if province not in PROVINCES:
        errors["provincia"] = f"{SELLER_SETTINGS['provincia']}: {province!r} non è una sigla."
    rea = _rea(text, errors)
    transmitter = text("id_trasmittente").upper()
    if transmitter and not _TRANSMITTER_RE.fullmatch(transmitter):
        errors["id_trasmittente"] = (
            f"{SELLER_SETTINGS['id_trasmittente']}: 11 cifre (partita IVA) o 16 caratteri "
            "(codice fiscale) del soggetto che trasmette i file."
        )
    if errors:
        raise SellerProblems(errors)
    return Seller(
        name=values["denominazione"],
        vat_number=values["partita_iva"],
        tax_code=values["codice_fiscale"],
        address=Address(
            street=values["indirizzo"],
            postal_code=values["cap"],
            city=values["comune"],
            province=province,
            country=country,
        ),
        regime=regime,
        rea=rea,
        transmitter_code=transmitter,
    )


def _rea(text, errors: dict[str, str]) -> Rea | None:
    office, number = text("rea_ufficio").upper(), text("rea_numero")
    if not office and not number:
        return None
    if office not in PROVINCES:
        errors["rea_ufficio"] = f"{SELLER_SETTINGS['rea_ufficio']}: indica la sigla di provincia."
    if not _REA_NUMBER_RE.fullmatch(number):
        errors["rea_numero"] = f"{SELLER_SETTINGS['rea_numero']}: da 1 a 20 lettere o cifre."
    capital_text = text("capitale_sociale")
    capital = None
    if capital_text:
        if _CAPITAL_RE.fullmatch(capital_text):
            whole, _, cents = capital_text.partition(".")
            capital = int(whole) * 100 + int(cents or 0)
        else:
            errors["capitale_sociale"] = (
                f"{SELLER_SETTINGS['capitale_sociale']}: un importo in euro, es. 10000.00."
            )
    sole = text("socio_unico").upper() or None
    if sole not in (None, "SU", "SM"):
        errors["socio_unico"] = f"{SELLER_SETTINGS['socio_unico']}: SU (socio unico) o SM."
    liquidation = text("stato_liquidazione").upper() or "LN"
    if liquidation not in ("LN", "LS"):
        errors["stato_liquidazione"] = (
            f"{SELLER_SETTINGS['stato_liquidazione']}: LN (non in liquidazione) o LS."
        )
    return Rea(
        office=office,
        number=number,
        share_capital_cents=capital,
        sole_shareholder=sole,
        liquidation=liquidation,
    )

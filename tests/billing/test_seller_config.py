"""The store's fiscal data from TS_STORE_SELLER_* or a TOML file, checked with messages that
name the setting; demo data when nothing is set."""

from __future__ import annotations

import pytest

from ts_store.billing.seller_config import SellerConfigError, seller_from
from ts_store.domain.seller import DEMO_SELLER


def test_nothing_set_gives_the_valid_demo_seller():
    seller = seller_from({})
    assert (seller.name, seller.vat_number) == ("TS Store Demo S.r.l.", "02468130154")


def test_variables_describe_the_seller_and_rea_is_optional():
    env = {
        "TS_STORE_SELLER_DENOMINAZIONE": "Rossi Software S.p.A.",
        "TS_STORE_SELLER_PARTITA_IVA": "IT 12345670157",
        "TS_STORE_SELLER_CODICE_FISCALE": "12345670157",
        "TS_STORE_SELLER_INDIRIZZO": "Corso Italia 3",
        "TS_STORE_SELLER_CAP": "10121",
        "TS_STORE_SELLER_COMUNE": "Torino",
        "TS_STORE_SELLER_PROVINCIA": "to",
        "TS_STORE_SELLER_ID_TRASMITTENTE": "09123450018",
    }
    seller = seller_from(env)
    assert (seller.vat_number, seller.address.province, seller.regime, seller.rea) == (
        "12345670157",
        "TO",
        "RF01",
        None,
    )
    assert seller.transmitter == "09123450018"


def test_toml_file_with_a_variable_that_wins(tmp_path):
    path = tmp_path / "seller.toml"
    lines = [f'{key} = "{value}"' for key, value in DEMO_SELLER.items()]
    path.write_text("\n".join(lines), encoding="utf-8")
    seller = seller_from(
        {"TS_STORE_SELLER_FILE": str(path), "TS_STORE_SELLER_DENOMINAZIONE": "Altro S.r.l."}
    )
    assert (seller.name, seller.vat_number) == ("Altro S.r.l.", "02468130154")


def test_wrong_settings_are_all_named_by_their_variable():
    env = {f"TS_STORE_SELLER_{k.upper()}": v for k, v in DEMO_SELLER.items()}
    env |= {
        "TS_STORE_SELLER_PARTITA_IVA": "0246813015",
        "TS_STORE_SELLER_PROVINCIA": "Milano",
        "TS_STORE_SELLER_SOCIO_UNICO": "X",
    }
    with pytest.raises(SellerConfigError) as problem:
        seller_from(env)
    message = str(problem.value)
    assert "TS_STORE_SELLER_PARTITA_IVA: Partita IVA del venditore: deve avere 11 cifre" in message
    assert "TS_STORE_SELLER_PROVINCIA:" in message and "TS_STORE_SELLER_SOCIO_UNICO:" in message


def test_unknown_key_in_the_file_is_refused(tmp_path):
    path = tmp_path / "seller.toml"
    path.write_text('partita_iva = "02468130154"\niban = "IT00"\n', encoding="utf-8")
    with pytest.raises(SellerConfigError, match="iban"):
        seller_from({"TS_STORE_SELLER_FILE": str(path)})

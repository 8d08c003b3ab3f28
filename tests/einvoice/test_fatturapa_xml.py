"""The FatturaPA XML builder: every variant validates against the official XSD and reads back
with the same figures (to the cent) that went in."""

from datetime import date
from fractions import Fraction

import pytest
import xmlschema

from tests.fixtures.fatturapa import _cached_schema, assert_reconciles, read_fattura
from ts_store.domain.einvoice import (
    Address,
    Buyer,
    DocumentKind,
    Fattura,
    Line,
    LinkedInvoice,
)
from ts_store.domain.seller import DEMO_SELLER, validate_seller
from ts_store.einvoice.fatturapa_xml import fattura_xml, latin

SELLER = validate_seller(DEMO_SELLER)
MILANO = Address("Via Roma 10", "20121", "Milano", "MI")
COMPANY = Buyer("Bianchi Consulting S.r.l.", "12345670157", "12345670157", MILANO, "M5UXCR1")


def _fattura(buyer=COMPANY, **overrides) -> Fattura:
    values = dict(
        progressive="0000A",
        seller=SELLER,
        buyer=buyer,
        kind=DocumentKind.INVOICE,
        number="2026/000007",
        issued_on=date(2026, 11, 28),
        lines=(
            Line("Upgrade da Pro a Business (rateo)", 2, 1500, 11, 30, 1100),
            Line("Utenti aggiunti al piano Business (rateo)", 3, 4000, 11, 30, 4400),
        ),
        net_cents=5500,
        vat_cents=1210,
        gross_cents=6710,
        vat_percent=Fraction(22),
        paid_on=date(2026, 11, 28),
        reason="CRM in Cloud – modifica licenza",
    )
    values.update(overrides)
    return Fattura(**values)


def _valid(schema, fattura: Fattura) -> dict:
    xml = fattura_xml(fattura)
    schema.validate(xml.decode())
    figures = read_fattura(xml)
    assert_reconciles(figures)
    assert (figures["net_cents"], figures["vat_cents"], figures["total_cents"]) == (
        fattura.net_cents,
        fattura.vat_cents,
        fattura.gross_cents,
    )
    assert [line["total_cents"] for line in figures["lines"]] == [
        line.amount_cents for line in fattura.lines
    ]
    return figures


def test_company_with_sdi_code_validates(fatturapa_schema):
    figures = _valid(fatturapa_schema, _fattura())
    assert (figures["recipient"], figures["pec"], figures["type"]) == ("M5UXCR1", None, "TD01")
    assert (figures["payment_terms"], figures["payment_method"]) == ("TP02", "MP08")
    assert figures["summary_rates"] == ["22.00"]
    assert str(figures["lines"][1]["unit_price"]) == "14.66666667"


def test_pec_instead_of_a_code_writes_0000000_and_pec_destinatario(fatturapa_schema):
    buyer = Buyer(
        "Bianchi Consulting S.r.l.", "12345670157", "", MILANO, "0000000", "bianchi@pec.it"
    )
    figures = _valid(fatturapa_schema, _fattura(buyer))
    assert (figures["recipient"], figures["pec"]) == ("0000000", "bianchi@pec.it")


def test_sole_trader_with_a_personal_codice_fiscale_validates(fatturapa_schema):
    buyer = Buyer("Mario Rossi", "12345670157", "RSSMRA85T10A562S", MILANO, "M5UXCR1")
    figures = _valid(fatturapa_schema, _fattura(buyer))
    assert (figures["buyer_vat"], figures["buyer_tax_code"]) == ("12345670157", "RSSMRA85T10A562S")


def test_person_with_only_a_codice_fiscale_validates(fatturapa_schema):
    buyer = Buyer("Mario Rossi", "", "RSSMRA85T10A562S", MILANO, "0000000", "mario@pec.it")
    figures = _valid(fatturapa_schema, _fattura(buyer))
    assert (figures["buyer_vat"], figures["buyer_tax_code"]) == (None, "RSSMRA85T10A562S")


def test_credit_note_is_td04_and_names_the_original_invoice(fatturapa_schema):
    credit = _fattura(
        kind=DocumentKind.CREDIT_NOTE,
        number="2026/000009",
        issued_on=date(2026, 11, 30),
        linked=LinkedInvoice("2026/000007", date(2026, 11, 28)),
    )
    figures = _valid(fatturapa_schema, credit)
    assert (figures["type"], figures["linked_number"], figures["linked_date"]) == (
        "TD04",
        "2026/000007",
        "2026-11-28",
    )
    assert figures["total_cents"] == 6710  # a credit note's amounts are positive


def test_purchase_of_a_whole_year_uses_the_plain_unit_price(fatturapa_schema):
    line = Line("CRM in Cloud, piano Pro annuale, 5 utenti", 5, 25000, 365, 365, 125000)
    figures = _valid(
        fatturapa_schema,
        _fattura(lines=(line,), net_cents=125000, vat_cents=27500, gross_cents=152500),
    )
    [read] = figures["lines"]
    assert (str(read["quantity"]), str(read["unit_price"])) == ("5.00", "250.00")
    assert read["description"] == "CRM in Cloud, piano Pro annuale, 5 utenti"


def test_prorated_line_description_says_the_days(fatturapa_schema):
    figures = _valid(fatturapa_schema, _fattura())
    assert figures["lines"][0]["description"] == (
        "Upgrade da Pro a Business (rateo) - rateo 11/30 giorni"
    )


def test_the_same_data_gives_the_same_bytes():
    assert fattura_xml(_fattura()) == fattura_xml(_fattura())


def test_totals_that_do_not_reconcile_never_become_a_file():
    with pytest.raises(ValueError):
        fattura_xml(_fattura(vat_cents=1211, gross_cents=6711))


def test_latin_spells_typographic_signs_and_keeps_accents():
    assert latin("Caffè – 10 € “Perù”") == 'Caffè - 10 EUR "Perù"'


@pytest.mark.stripe
async def test_every_xml_made_in_a_test_is_validated_as_it_is_made(
    session, gateway, every_fattura_is_checked_against_the_schema, monkeypatch
):
    """The suite-wide check itself: a purchase's XML goes through it, and a file the schema
    refuses fails the test that made it."""
    from tests.billing.test_credit_notes import _invoiced_purchase

    monkeypatch.setenv("TS_STORE_TODAY", "2026-11-28")
    made = every_fattura_is_checked_against_the_schema
    _customer, _operation, invoice = await _invoiced_purchase(session, gateway)
    assert len(made) == 1 and invoice.number.encode() in made[0]

    from ts_store.billing import einvoices

    assert einvoices.fattura_xml is not fattura_xml  # the store makes files through the check
    broken = made[0].replace(b"<Divisa>EUR</Divisa>", b"<Divisa>EURO</Divisa>")
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        _cached_schema().validate(broken.decode())

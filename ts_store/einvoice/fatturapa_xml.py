"""FatturaPA 1.2 XML (FPR12) from a `Fattura`, written with lxml — never string templates.

Element order follows the official schema (Schema_1.2.1.xsd); tests validate every file the
suite produces against it. Field meanings and the rounding rule: docs/fatturapa.md.
"""

from __future__ import annotations

from lxml import etree

from ts_store.domain.einvoice import (
    FORMATO_TRASMISSIONE,
    TIPO_DOCUMENTO,
    Address,
    Buyer,
    Fattura,
    Line,
    Seller,
    amount_text,
    quantity_text,
    rate_text,
    unit_price_text,
)

NAMESPACE = "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2"
_DS = "http://www.w3.org/2000/09/xmldsig#"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_LATIN = str.maketrans(
    {"€": "EUR", "–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "•": "-"}
)
_REASON_LENGTH = 200  # each <Causale> holds 200 characters


def latin(text: str) -> str:
    """Text the schema's Latin types accept: typographic signs spelled plainly (€ -> EUR);
    anything else outside Latin-1 becomes "?" (the billing data checks refuse it upstream)."""
    plain = " ".join(text.translate(_LATIN).split())
    return plain.encode("latin-1", "replace").decode("latin-1")


def line_description(line: Line) -> str:
    """Descrizione: the line as the PDF names it, with the share of the period for a rateo."""
    if line.days != line.period_days:
        return latin(f"{line.description} - rateo {line.days}/{line.period_days} giorni")
    return latin(line.description)


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _id_fiscale(parent: etree._Element, tag: str, country: str, code: str) -> None:
    element = _sub(parent, tag)
    _sub(element, "IdPaese", country)
    _sub(element, "IdCodice", code)


def _sede(parent: etree._Element, address: Address) -> None:
    sede = _sub(parent, "Sede")
    _sub(sede, "Indirizzo", latin(address.street))
    _sub(sede, "CAP", address.postal_code)
    _sub(sede, "Comune", latin(address.city))
    _sub(sede, "Provincia", address.province)
    _sub(sede, "Nazione", address.country)


def _transmission(header: etree._Element, fattura: Fattura) -> None:
    seller, buyer = fattura.seller, fattura.buyer
    data = _sub(header, "DatiTrasmissione")
    _id_fiscale(data, "IdTrasmittente", seller.transmitter_country, seller.transmitter)
    _sub(data, "ProgressivoInvio", fattura.progressive)
    _sub(data, "FormatoTrasmissione", FORMATO_TRASMISSIONE)
    _sub(data, "CodiceDestinatario", buyer.recipient_code)
    if buyer.pec:
        _sub(data, "PECDestinatario", buyer.pec)


def _seller(header: etree._Element, seller: Seller) -> None:
    cedente = _sub(header, "CedentePrestatore")
    anagrafici = _sub(cedente, "DatiAnagrafici")
    _id_fiscale(anagrafici, "IdFiscaleIVA", "IT", seller.vat_number)
    _sub(anagrafici, "CodiceFiscale", seller.tax_code)
    _sub(_sub(anagrafici, "Anagrafica"), "Denominazione", latin(seller.name))
    _sub(anagrafici, "RegimeFiscale", seller.regime)
    _sede(cedente, seller.address)
    if seller.rea is not None:
        rea = _sub(cedente, "IscrizioneREA")
        _sub(rea, "Ufficio", seller.rea.office)
        _sub(rea, "NumeroREA", seller.rea.number)
        if seller.rea.share_capital_cents is not None:
            _sub(rea, "CapitaleSociale", amount_text(seller.rea.share_capital_cents))
        if seller.rea.sole_shareholder:
            _sub(rea, "SocioUnico", seller.rea.sole_shareholder)
        _sub(rea, "StatoLiquidazione", seller.rea.liquidation)


def _buyer(header: etree._Element, buyer: Buyer) -> None:
    cessionario = _sub(header, "CessionarioCommittente")
    anagrafici = _sub(cessionario, "DatiAnagrafici")
    if buyer.vat_number:
        _id_fiscale(anagrafici, "IdFiscaleIVA", "IT", buyer.vat_number)
    if buyer.tax_code:
        _sub(anagrafici, "CodiceFiscale", buyer.tax_code)
    _sub(_sub(anagrafici, "Anagrafica"), "Denominazione", latin(buyer.name))
    _sede(cessionario, buyer.address)


def _general(body: etree._Element, fattura: Fattura) -> None:
    general = _sub(body, "DatiGenerali")
    document = _sub(general, "DatiGeneraliDocumento")
    _sub(document, "TipoDocumento", TIPO_DOCUMENTO[fattura.kind])
    _sub(document, "Divisa", "EUR")
    _sub(document, "Data", fattura.issued_on.isoformat())
    _sub(document, "Numero", fattura.number)
    _sub(document, "ImportoTotaleDocumento", amount_text(fattura.gross_cents))
    reason = latin(fattura.reason)
    for start in range(0, len(reason), _REASON_LENGTH):
        _sub(document, "Causale", reason[start : start + _REASON_LENGTH])
    if fattura.linked is not None:
        linked = _sub(general, "DatiFattureCollegate")
        _sub(linked, "IdDocumento", fattura.linked.number)
        _sub(linked, "Data", fattura.linked.issued_on.isoformat())


def _goods_and_services(body: etree._Element, fattura: Fattura) -> None:
    goods = _sub(body, "DatiBeniServizi")
    rate = rate_text(fattura.vat_percent)
    for number, line in enumerate(fattura.lines, start=1):
        detail = _sub(goods, "DettaglioLinee")
        _sub(detail, "NumeroLinea", str(number))
        _sub(detail, "Descrizione", line_description(line))
        _sub(detail, "Quantita", quantity_text(line.quantity))
        unit_price = unit_price_text(line.unit_cents, line.days, line.period_days)
        _sub(detail, "PrezzoUnitario", unit_price)
        _sub(detail, "PrezzoTotale", amount_text(line.amount_cents))
        _sub(detail, "AliquotaIVA", rate)
    summary = _sub(goods, "DatiRiepilogo")  # one rate per document: one summary
    _sub(summary, "AliquotaIVA", rate)
    _sub(summary, "ImponibileImporto", amount_text(fattura.net_cents))
    _sub(summary, "Imposta", amount_text(fattura.vat_cents))
    _sub(summary, "EsigibilitaIVA", "I")


def _payment(body: etree._Element, fattura: Fattura) -> None:
    payment = _sub(body, "DatiPagamento")
    _sub(payment, "CondizioniPagamento", "TP02")  # paid in full
    detail = _sub(payment, "DettaglioPagamento")
    _sub(detail, "ModalitaPagamento", "MP08")  # carta di pagamento
    _sub(detail, "DataScadenzaPagamento", fattura.paid_on.isoformat())
    _sub(detail, "ImportoPagamento", amount_text(fattura.gross_cents))


def fattura_xml(fattura: Fattura) -> bytes:
    """The file's bytes (UTF-8, with the XML declaration). Same input, same bytes."""
    fattura.check_totals()
    root = etree.Element(
        etree.QName(NAMESPACE, "FatturaElettronica"),
        nsmap={"p": NAMESPACE, "ds": _DS, "xsi": _XSI},
        versione=FORMATO_TRASMISSIONE,
    )
    header = _sub(root, "FatturaElettronicaHeader")
    _transmission(header, fattura)
    _seller(header, fattura.seller)
    _buyer(header, fattura.buyer)
    body = _sub(root, "FatturaElettronicaBody")
    _general(body, fattura)
    _goods_and_services(body, fattura)
    _payment(body, fattura)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

"""The electronic invoice (FatturaPA) as pure data: what goes into the XML, its amounts as text,
file names, and the life of a file at the Sistema di Interscambio (SDI).

The XML itself is written by `ts_store/einvoice/` (lxml); everything here is stdlib only, so the
rounding rule and the state table are tested without any XML library. See docs/fatturapa.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction

from ts_store.domain.money import round_half_up

FORMATO_TRASMISSIONE = "FPR12"  # invoices to private parties (companies and people), not to the PA
PROGRESSIVO_LENGTH = 5
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


TIPO_DOCUMENTO: dict[DocumentKind, str] = {
    DocumentKind.INVOICE: "TD01",
    DocumentKind.CREDIT_NOTE: "TD04",
}


class SdiState(StrEnum):
    """Where one XML file is on its way to the customer."""

    GENERATED = "generated"  # built, not yet accepted by the intermediary
    SENT = "sent"  # accepted by the intermediary, waiting for SDI's receipt
    DELIVERED = "delivered"  # RC: ricevuta di consegna
    NOT_DELIVERED = "not_delivered"  # MC: in the customer's area at the Agenzia delle Entrate
    REJECTED = "rejected"  # NS: notifica di scarto, with its error codes
    REISSUED = "reissued"  # rejected, then replaced by a new file for the same document


SDI_TRANSITIONS: dict[SdiState, frozenset[SdiState]] = {
    SdiState.GENERATED: frozenset({SdiState.SENT, SdiState.REJECTED}),
    SdiState.SENT: frozenset({SdiState.DELIVERED, SdiState.NOT_DELIVERED, SdiState.REJECTED}),
    SdiState.DELIVERED: frozenset(),
    # An MC invoice is issued (the customer finds it in their area); a later RC is still news.
    SdiState.NOT_DELIVERED: frozenset({SdiState.DELIVERED}),
    SdiState.REJECTED: frozenset({SdiState.REISSUED}),
    SdiState.REISSUED: frozenset(),
}


class IllegalSdiTransition(ValueError):
    def __init__(self, current: SdiState, wanted: SdiState) -> None:
        super().__init__(f"SDI state {current} cannot become {wanted}")
        self.current, self.wanted = current, wanted


def check_sdi_transition(current: str, wanted: str) -> SdiState:
    """The wanted state if the table allows it from the current one; IllegalSdiTransition if not."""
    now, target = SdiState(current), SdiState(wanted)
    if target not in SDI_TRANSITIONS[now]:
        raise IllegalSdiTransition(now, target)
    return target


class NotificationType(StrEnum):
    """SDI's notifications to the sender of an FPR12 file (NE and DT exist only for the PA)."""

    RC = "RC"  # ricevuta di consegna
    NS = "NS"  # notifica di scarto
    MC = "MC"  # notifica di mancata consegna


NOTIFICATION_STATE: dict[NotificationType, SdiState] = {
    NotificationType.RC: SdiState.DELIVERED,
    NotificationType.NS: SdiState.REJECTED,
    NotificationType.MC: SdiState.NOT_DELIVERED,
}


# --- file names -------------------------------------------------------------------------


def progressivo(sequence: int) -> str:
    """The sequence as SDI's 5 alphanumeric characters (base 36, zero padded): 1 -> "00001".

    60 466 175 files before it would wrap; a larger number is refused, never reused.
    """
    if sequence < 1 or sequence >= 36**PROGRESSIVO_LENGTH:
        raise ValueError(f"progressivo out of range: {sequence}")
    digits = ""
    while sequence:
        sequence, rest = divmod(sequence, 36)
        digits = _BASE36[rest] + digits
    return digits.rjust(PROGRESSIVO_LENGTH, "0")


def file_name(country: str, transmitter_code: str, progressive: str) -> str:
    """`IT01234567890_00001.xml`: the transmitter's country and code, then the progressivo."""
    return f"{country}{transmitter_code}_{progressive}.xml"


# --- amounts as the schema writes them ---------------------------------------------------


def amount_text(cents: int) -> str:
    """Integer cents as Amount2DecimalType: 366 -> "3.66", 125000 -> "1250.00"."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole}.{rest:02d}"


def quantity_text(quantity: int) -> str:
    return f"{quantity}.00"


def rate_text(percent: Fraction) -> str:
    """AliquotaIVA: 22 -> "22.00" (RateType allows exactly two decimals)."""
    hundredths = percent * 100
    if hundredths.denominator != 1:
        raise ValueError(f"VAT rate with more than two decimals: {percent}")
    return amount_text(int(hundredths))


def unit_price_text(unit_cents: int, days: int, period_days: int) -> str:
    """PrezzoUnitario of a line: the unit price for the days charged, in euro.

    A whole period is the plain unit price ("25.00"); a rateo is unit × days / period_days,
    rounded half-up to the 8th decimal (the schema's most) and written without trailing zeros
    beyond the second decimal: 2500 cents × 12/30 -> "10.00", 2500 × 11/30 -> "9.16666667".
    docs/fatturapa.md: PrezzoTotale (what was charged) differs from Quantita × PrezzoUnitario
    by less than 0.01 €, the tolerance of SDI's check 00423.
    """
    if period_days <= 0 or days <= 0:
        raise ValueError("days and period_days must be positive")
    scaled = round_half_up(Fraction(unit_cents * days * 10**6, period_days))  # euro × 10^8
    whole, rest = divmod(scaled, 10**8)
    decimals = f"{rest:08d}".rstrip("0").ljust(2, "0")
    return f"{whole}.{decimals}"


# --- what one XML file says --------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    street: str  # Indirizzo (with the street number: NumeroCivico is optional)
    postal_code: str
    city: str
    province: str
    country: str = "IT"


@dataclass(frozen=True)
class Rea:
    """Iscrizione nel Registro delle Imprese (REA), for companies registered there."""

    office: str  # Ufficio: province sigla
    number: str  # NumeroREA
    share_capital_cents: int | None = None  # CapitaleSociale
    sole_shareholder: str | None = None  # SocioUnico: SU (socio unico) or SM (più soci)
    liquidation: str = "LN"  # StatoLiquidazione: LN (not in liquidation) or LS


@dataclass(frozen=True)
class Seller:
    """The store as CedentePrestatore, and the transmitter of the files."""

    name: str
    vat_number: str
    tax_code: str
    address: Address
    regime: str = "RF01"
    rea: Rea | None = None
    transmitter_country: str = "IT"
    transmitter_code: str = ""  # IdTrasmittente's IdCodice; "" means the seller's P.IVA

    @property
    def transmitter(self) -> str:
        return self.transmitter_code or self.vat_number


@dataclass(frozen=True)
class Buyer:
    """The customer as CessionarioCommittente, from the billing data saved with the document.

    A company has a Partita IVA (and a codice fiscale, often the same number); a person may
    have only a 16-character codice fiscale.
    """

    name: str
    vat_number: str
    tax_code: str
    address: Address
    recipient_code: str  # CodiceDestinatario; SDI_NO_CODE with a PEC
    pec: str = ""


@dataclass(frozen=True)
class Line:
    description: str
    quantity: int
    unit_cents: int
    days: int
    period_days: int
    amount_cents: int


@dataclass(frozen=True)
class LinkedInvoice:
    """The invoice a credit note corrects (DatiFattureCollegate)."""

    number: str
    issued_on: date


@dataclass(frozen=True)
class Fattura:
    progressive: str
    seller: Seller
    buyer: Buyer
    kind: DocumentKind
    number: str
    issued_on: date
    lines: tuple[Line, ...]
    net_cents: int
    vat_cents: int
    gross_cents: int
    vat_percent: Fraction
    paid_on: date
    reason: str = ""  # Causale
    linked: LinkedInvoice | None = None

    def check_totals(self) -> None:
        """The lines, the summary and the total reconcile to the cent (ValueError if not)."""
        if sum(line.amount_cents for line in self.lines) != self.net_cents:
            raise ValueError("the lines do not add up to the net amount")
        if round_half_up(Fraction(self.net_cents) * self.vat_percent / 100) != self.vat_cents:
            raise ValueError("the VAT is not the rate applied to the net amount")
        if self.net_cents + self.vat_cents != self.gross_cents:
            raise ValueError("net + VAT is not the total")
        if self.kind == DocumentKind.CREDIT_NOTE and self.linked is None:
            raise ValueError("a credit note must name the invoice it corrects")

"""Italian billing data ("i tuoi dati"): normalisation and checks, one Italian message per field.

Every invoice we issue goes through the Sistema di Interscambio, which rejects a wrong
Partita IVA or Codice Fiscale days later; checking here, with a message that names the field
and says what is wrong, lets the customer fix it while the form is still open.

The checks never raise on bad input (docs/billing-policy.md, "Italian billing data"; form data is
client-controlled, since every Reflex event handler is a public endpoint): anything that is not
text, missing keys, control characters or megabyte-long strings all end up as messages.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)
from stdnum.it import codicefiscale, iva

from ts_store.domain.provinces import PROVINCES

BILLING_FIELDS: tuple[str, ...] = (
    "company_name",
    "vat_number",
    "tax_code",
    "address",
    "postal_code",
    "city",
    "province",
    "invoice_email",
    "sdi_code",
    "pec",
)

FIELD_LABELS: dict[str, str] = {
    "company_name": "Ragione sociale",
    "vat_number": "Partita IVA",
    "tax_code": "Codice Fiscale",
    "address": "Indirizzo",
    "postal_code": "CAP",
    "city": "Città",
    "province": "Provincia",
    "invoice_email": "Email per le fatture",
    "sdi_code": "Codice Destinatario SDI",
    "pec": "PEC",
}

#: Codice Destinatario meaning "no channel: deliver to the PEC (or the tax drawer)".
SDI_NO_CODE = "0000000"

# Feminine labels take "obbligatoria"; the others "obbligatorio".
_FEMININE = frozenset({"company_name", "vat_number", "city", "province", "invoice_email", "pec"})

_DIGITS_RE = re.compile(r"[0-9]+")
_CAP_RE = re.compile(r"[0-9]{5}")
_SIGLA_RE = re.compile(r"[A-Z]{2}")
_SDI_RE = re.compile(r"[A-Z0-9]{7}")
_ALNUM_RE = re.compile(r"[A-Z0-9]+")
_CODE_SEPARATORS_RE = re.compile(r"[\s.\-]+")
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL_RE = re.compile(
    rf"(?P<local>{_ATOM}(?:\.{_ATOM})*)@(?P<domain>(?:{_LABEL}\.)+[A-Za-z]{{2,63}})"
)
# Control, format, surrogate, private-use and unassigned code points: never part of a name
# or an address, and some (lone surrogates) cannot even be stored as UTF-8.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_LATIN_1_LAST = 0xFF  # Basic Latin + Latin-1 Supplement: what <Denominazione> etc. accept
_SHOWN_MAX = 12  # characters of a wrong value quoted back in a message
_UNREADABLE = object()  # what _read gives for a value that could not even be read


@dataclass(frozen=True)
class BillingProfileData:
    """Billing data that passed every check, normalised for storage and invoices.

    P.IVA is 11 digits without "IT"; CF, province and SDI are upper case; free text is
    trimmed with inner whitespace collapsed; e-mail domains are lower case. ``sdi_code`` and
    ``pec`` are "" when not given (at least one channel is always present).
    """

    company_name: str
    vat_number: str
    tax_code: str
    address: str
    postal_code: str
    city: str
    province: str
    invoice_email: str
    sdi_code: str
    pec: str

    @property
    def recipient_code(self) -> str:
        """The CodiceDestinatario of the electronic invoice: "0000000" when only a PEC is given."""
        return self.sdi_code or SDI_NO_CODE


def validate_billing_profile(
    raw: Mapping[str, object],
) -> tuple[BillingProfileData | None, dict[str, str]]:
    """Check a whole billing form: (data, {}) when valid, else (None, {field: message}).

    Every invalid field gets its own message, so the form can show them all at once.
    """
    values, errors = _check_all(raw)
    if errors:
        return None, errors
    return BillingProfileData(**values), {}


def validate_field(field: str, value: str, raw: Mapping[str, object] | None = None) -> str | None:
    """One field's message, or None, for live validation while the customer types.

    ``raw`` supplies the other fields, needed for the SDI/PEC pair ("0000000" is valid only
    with a PEC). An unknown field name is a programming error (ValueError): the UI must only
    pass names from BILLING_FIELDS, never one taken from the client unchecked.
    """
    if field not in FIELD_LABELS:
        raise ValueError(f"unknown billing field: {field!r}")
    merged: dict[str, object] = {name: _read(raw, name) for name in BILLING_FIELDS}
    merged[field] = value
    _, errors = _check_all(merged)
    return errors.get(field)


def check_value(field: str, text: str) -> tuple[str, str | None]:
    """One field on its own (no SDI/PEC pairing): (normalised value, message or None).

    For other fiscal data than a customer's form, e.g. the store's own (docs/fatturapa.md).
    """
    if field not in FIELD_LABELS:
        raise ValueError(f"unknown billing field: {field!r}")
    if not isinstance(text, str):
        return "", f"{FIELD_LABELS[field]}: il valore deve essere un testo."
    if text.strip() == "":
        return "", _required(field)
    return _CHECKS[field](text)


# --- the whole form ---------------------------------------------------------------------


def _check_all(raw: object) -> tuple[dict[str, str], dict[str, str]]:
    """Normalised values and messages for every field, the SDI/PEC pair included."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for field in BILLING_FIELDS:
        text = _read(raw, field)
        if not isinstance(text, str):
            values[field] = ""
            errors[field] = f"{FIELD_LABELS[field]}: il valore deve essere un testo."
            continue
        if text.strip() == "":
            values[field] = ""
            if field not in ("sdi_code", "pec"):  # the pair is checked together below
                errors[field] = _required(field)
            continue
        values[field], message = _CHECKS[field](text)
        if message is not None:
            errors[field] = message
    if "sdi_code" not in errors and "pec" not in errors:
        message = _check_channel(values["sdi_code"], values["pec"])
        if message is not None:
            errors["sdi_code"] = message
    return values, errors


def _read(raw: object, field: str) -> object:
    """A field's raw value; a missing key (or a raw that is not a mapping) reads as ""."""
    if not isinstance(raw, Mapping):
        return ""
    try:
        value = raw.get(field)
    except Exception:  # a hostile Mapping: report the field as unreadable, never crash
        return _UNREADABLE
    return "" if value is None else value


def _required(field: str) -> str:
    ending = "a" if field in _FEMININE else "o"
    return f"{FIELD_LABELS[field]}: è obbligatori{ending}."


def _shown(text: str) -> str:
    """A wrong value as quoted back to the customer, cut short so a huge paste stays readable."""
    return text if len(text) <= _SHOWN_MAX else text[:_SHOWN_MAX] + "…"


# --- one function per field: text (not blank) -> (normalised, message or None) ----------


def _free_text(field: str, text: str, min_len: int, max_len: int) -> tuple[str, str | None]:
    """Names and addresses: collapse whitespace, refuse invisible characters, bound the length."""
    label = FIELD_LABELS[field]
    cleaned = " ".join(text.split())
    if len(cleaned) > max_len:  # first: a huge paste is refused without scanning it
        return cleaned, f"{label}: può avere al massimo {max_len} caratteri."
    if any(unicodedata.category(char) in _FORBIDDEN_CATEGORIES for char in cleaned):
        return cleaned, f"{label}: contiene caratteri non ammessi."
    outside = next((char for char in cleaned if ord(char) > _LATIN_1_LAST), None)
    if outside is not None:  # the FatturaPA schema's "Latin" texts stop at U+00FF
        return cleaned, (
            f"{label}: la fattura elettronica non ammette il carattere «{outside}» "
            "(usa lettere latine, anche accentate)."
        )
    if len(cleaned) < min_len:
        return cleaned, f"{label}: deve avere almeno {min_len} caratteri."
    return cleaned, None


def _check_company_name(text: str) -> tuple[str, str | None]:
    """Ragione sociale: 80 characters at most, the length of <Denominazione> in FatturaPA."""
    return _free_text("company_name", text, 2, 80)


def _check_address(text: str) -> tuple[str, str | None]:
    """Indirizzo: 60 characters at most, the length of <Indirizzo> in FatturaPA."""
    return _free_text("address", text, 3, 60)


def _check_city(text: str) -> tuple[str, str | None]:
    """Città: 60 characters at most, the length of <Comune> in the FatturaPA schema."""
    return _free_text("city", text, 1, 60)


def _compact_code(text: str) -> str:
    """Codes as people type them: spaces, dots and dashes dropped, upper case.

    Non-ASCII text is left as is (and then refused): ``upper()`` would turn "ı" into "I".
    """
    code = _CODE_SEPARATORS_RE.sub("", text)
    return code.upper() if code.isascii() else code


def _company_number(label: str, number: str) -> str | None:
    """The 11-digit Partita IVA check (also a company's Codice Fiscale), via stdnum.

    Expects ASCII digits only. Distinguishes a wrong length from a wrong check digit, the
    two mistakes people actually make.
    """
    if len(number) != 11:
        return f"{label}: deve avere 11 cifre (ne hai indicate {len(number)})."
    try:
        iva.validate(number)
    except InvalidChecksum:
        return f"{label}: la cifra di controllo non è valida."
    except InvalidComponent:
        return f"{label}: le cifre 8-10 non sono il codice di un ufficio IVA esistente."
    except InvalidFormat:
        return f"{label}: le prime 7 cifre non possono essere tutte zero."
    except (ValidationError, ValueError):
        return f"{label}: non è un numero valido."
    return None


def _check_vat_number(text: str) -> tuple[str, str | None]:
    """Partita IVA: 11 digits; "IT" prefix, spaces, dots and dashes are accepted and dropped."""
    number = _compact_code(text)
    if number.startswith("IT"):
        number = number[2:]
    if number and not _DIGITS_RE.fullmatch(number):
        return number, "Partita IVA: deve contenere solo cifre (11), con o senza il prefisso IT."
    return number, _company_number("Partita IVA", number)


def _check_tax_code(text: str) -> tuple[str, str | None]:
    """Codice Fiscale: 16 characters for a person, or 11 digits for a company."""
    code = _compact_code(text)
    length_message = (
        "Codice Fiscale: deve avere 16 caratteri (persona fisica) o 11 cifre (società)."
    )
    if not _ALNUM_RE.fullmatch(code):
        return code, "Codice Fiscale: può contenere solo lettere e cifre."
    if _DIGITS_RE.fullmatch(code):
        if len(code) != 11:
            return code, length_message
        return code, _company_number("Codice Fiscale", code)
    if len(code) != 16:
        return code, length_message
    try:
        codicefiscale.validate(code)
    except InvalidChecksum:
        return code, "Codice Fiscale: il carattere di controllo (l'ultimo) non è valido."
    except InvalidComponent:
        return code, "Codice Fiscale: la data di nascita contenuta nel codice non è valida."
    except (InvalidFormat, InvalidLength, ValidationError, ValueError):
        return code, (
            "Codice Fiscale: il formato non è valido "
            "(6 lettere, 2 cifre, 1 lettera, 2 cifre, 1 lettera, 3 cifre, 1 lettera)."
        )
    return code, None


def _check_postal_code(text: str) -> tuple[str, str | None]:
    code = text.strip()
    if not _CAP_RE.fullmatch(code):
        return code, "CAP: deve essere di 5 cifre."
    return code, None


def _check_province(text: str) -> tuple[str, str | None]:
    """Provincia: a sigla from provinces.PROVINCES; a full name gets a hint with its sigla."""
    stripped = text.strip()
    sigla = stripped.upper() if stripped.isascii() else stripped
    if _SIGLA_RE.fullmatch(sigla) and sigla in PROVINCES:
        return sigla, None
    wanted = " ".join(stripped.split()).casefold()
    for known, name in PROVINCES.items():
        if name.casefold() == wanted:
            return sigla, f"Provincia: indica la sigla di due lettere (per {name}: {known})."
    return sigla, f"Provincia: «{_shown(sigla)}» non è una sigla di provincia italiana."


def _normalise_email(text: str) -> str | None:
    """A trimmed address with a lower-case domain, or None when the syntax is not sane.

    Deliberately plain (ASCII local part and domain, a dotted domain with a letter TLD):
    an address that an invoicing system or a PEC provider would refuse is caught here.
    """
    address = text.strip()
    if len(address) > 254 or not address.isascii():
        return None
    match = _EMAIL_RE.fullmatch(address)
    if match is None or len(match["local"]) > 64:
        return None
    return f"{match['local']}@{match['domain'].lower()}"


def _check_invoice_email(text: str) -> tuple[str, str | None]:
    address = _normalise_email(text)
    if address is None:
        return text.strip(), (
            "Email per le fatture: non è un indirizzo email valido (es. fatture@azienda.it)."
        )
    return address, None


def _check_pec(text: str) -> tuple[str, str | None]:
    address = _normalise_email(text)
    if address is None:
        return text.strip(), "PEC: non è un indirizzo email valido (es. azienda@pec.it)."
    return address, None


def _check_sdi_code(text: str) -> tuple[str, str | None]:
    code = text.strip()
    code = code.upper() if code.isascii() else code
    if not _SDI_RE.fullmatch(code):
        return code, "Codice Destinatario SDI: deve essere di 7 caratteri, lettere o cifre."
    return code, None


def _check_channel(sdi_code: str, pec: str) -> str | None:
    """The electronic invoice needs a Codice Destinatario or a PEC; "0000000" only with a PEC."""
    if not sdi_code and not pec:
        return (
            "Codice Destinatario SDI: indica il Codice Destinatario (7 caratteri) "
            "oppure un indirizzo PEC per ricevere la fattura elettronica."
        )
    if sdi_code == SDI_NO_CODE and not pec:
        return f"Codice Destinatario SDI: «{SDI_NO_CODE}» vale solo se indichi anche una PEC."
    return None


_CHECKS: dict[str, Callable[[str], tuple[str, str | None]]] = {
    "company_name": _check_company_name,
    "vat_number": _check_vat_number,
    "tax_code": _check_tax_code,
    "address": _check_address,
    "postal_code": _check_postal_code,
    "city": _check_city,
    "province": _check_province,
    "invoice_email": _check_invoice_email,
    "sdi_code": _check_sdi_code,
    "pec": _check_pec,
}

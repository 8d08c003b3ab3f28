"""Italian words for electronic invoices: document titles, SDI states and what to fix after a
rejection. The texts of their error codes are in ts_store/ui/messages.py with every other."""

from __future__ import annotations

from ts_store.domain.einvoice import DocumentKind, SdiState
from ts_store.ui.messages import text

DOCUMENT_TITLES: dict[DocumentKind, str] = {
    DocumentKind.INVOICE: "Fattura",
    DocumentKind.CREDIT_NOTE: "Nota di credito",
}

SDI_STATE_LABELS: dict[SdiState | None, str] = {
    None: "Da generare",
    SdiState.GENERATED: "Generata, da inviare",
    SdiState.SENT: "Inviata a SDI",
    SdiState.DELIVERED: "Consegnata",
    SdiState.NOT_DELIVERED: "Non recapitata: nell'area riservata del cliente",
    SdiState.REJECTED: "Scartata da SDI",
    SdiState.REISSUED: "Riemessa",
}

SDI_STATE_COLORS: dict[SdiState | None, str] = {
    None: "gray",
    SdiState.GENERATED: "gray",
    SdiState.SENT: "blue",
    SdiState.DELIVERED: "green",
    SdiState.NOT_DELIVERED: "amber",
    SdiState.REJECTED: "red",
    SdiState.REISSUED: "gray",
}


def document_title(kind: DocumentKind, number: str) -> str:
    return f"{DOCUMENT_TITLES[kind]} n. {number}"


def einvoice_error_text(code: str, params: dict) -> str:
    """The Italian sentence of an EinvoiceError (its words are in ts_store/ui/messages.py)."""
    return text(code, **params)


_PROFILE = "«I tuoi dati di fatturazione»"
#: What to fix for SDI's error codes (notifica di scarto), shown beside the reason.
SDI_FIXES: dict[str, str] = {
    "00200": "Il file non rispetta lo schema FatturaPA: segnalalo agli sviluppatori.",
    "00002": "Nome file già usato: riemetti, il nuovo file ha un nuovo progressivo.",
    "00305": f"La Partita IVA del cliente non risulta in Anagrafe Tributaria: il cliente la "
    f"corregge in {_PROFILE}, poi riemetti.",
    "00306": f"Il codice fiscale del cliente non è valido: il cliente lo corregge in {_PROFILE}, "
    "poi riemetti.",
    "00311": f"Il Codice Destinatario non è censito in SDI: il cliente indica il codice giusto "
    f"o una PEC in {_PROFILE}, poi riemetti.",
    "00404": "SDI ha già una fattura con lo stesso numero e la stessa data: verifica prima di "
    "riemettere.",
}


def sdi_fix(reason_code: str) -> str:
    codes = [code.strip() for code in reason_code.split(",") if code.strip()]
    fixes = [SDI_FIXES[code] for code in codes if code in SDI_FIXES]
    if fixes:
        return " ".join(fixes)
    return f"Correggi i dati indicati da SDI in {_PROFILE} (lo fa il cliente), poi riemetti."

"""The Italian text of every error code a use case raises (the use cases carry code + params).

One module, so the wording of the whole store is read and reviewed in one place.
"""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, str] = {
    "reset_link_invalid": (
        "Questo link per cambiare la password non è valido: è scaduto (vale 30 minuti) "
        "oppure è già stato usato. Chiedine uno nuovo."
    ),
}


def text(code: str, **params: Any) -> str:
    """The message for `code`; an unknown code still gives a readable sentence."""
    template = MESSAGES.get(code)
    if template is None:
        return "Si è verificato un errore imprevisto. Riprova tra qualche minuto."
    return template.format(**params)


def message_for(error: Exception) -> str:
    code = getattr(error, "code", "")
    params = getattr(error, "params", {}) or {}
    return text(code, **params)

"""Errors the use cases raise, each carrying the Italian message the customer reads."""

from __future__ import annotations


class UseCaseError(Exception):
    """Base: `message` is shown to the user as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(UseCaseError):
    """Bad input for one field; nothing was stored or charged."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotAllowed(UseCaseError):
    """The customer does not own what they touched, or the licence does not allow the action."""


class ConflictError(UseCaseError):
    """The licence changed in another window or process since it was read."""

    def __init__(
        self,
        message: str = "La licenza è stata modificata in un'altra finestra. "
        "Abbiamo aggiornato i dati: controlla e conferma di nuovo.",
    ) -> None:
        super().__init__(message)

"""Fixed choices the forms offer, stored as chosen (so they are words, in Italian)."""

from __future__ import annotations

# 'Disdici abbonamento': why the customer leaves.
CANCEL_REASONS = (
    "Costo troppo alto",
    "Mancano funzionalità che mi servono",
    "Passo a un altro prodotto",
    "Uso il CRM meno del previsto",
    "Chiusura o riorganizzazione dell'attività",
    "Altro",
)

# 'Contattaci': what the request is about.
SUPPORT_SUBJECTS = (
    "Acquisto o rinnovo",
    "Fatturazione e pagamenti",
    "Modifica della licenza",
    "Altro",
)

"""The billing-data fields (Italian electronic-invoice data), one grid for the wizard's first
step and "Dati di fatturazione": the same labels, hints, phone keyboards, per-field check on
blur and error wiring, whichever state holds the values."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from ts_store.domain.fiscal import BILLING_FIELDS, FIELD_LABELS
from ts_store.ui.components.fields import BILLING_INPUT_PROPS, aria_props, form_field

FIELD_HINTS = {
    "vat_number": "11 cifre",
    "tax_code": "16 caratteri (persona) o 11 cifre (azienda)",
    "province": "Sigla, es. MI",
    "sdi_code": "7 caratteri; oppure 0000000 con la PEC",
    "pec": "Facoltativa se indichi il Codice Destinatario",
}


def billing_field(
    name: str, *, id_prefix: str, values: rx.Var, errors: rx.Var, check_field: Callable
) -> rx.Component:
    """One field: `values`/`errors` are the state's dicts by field name; `check_field(name,
    value)` is its per-field check, sent on blur."""
    input_id = f"{id_prefix}-{name}"
    invalid = errors.contains(name)
    return form_field(
        FIELD_LABELS[name],
        rx.input(
            name=name,
            id=input_id,
            default_value=values[name],
            on_blur=lambda value: check_field(name, value),
            width="100%",
            **BILLING_INPUT_PROPS.get(name, {}),
            **aria_props(input_id, invalid),
        ),
        input_id,
        error=errors[name],
        invalid=invalid,
        hint=FIELD_HINTS.get(name, ""),
    )


def billing_fields_grid(
    *, id_prefix: str, values: rx.Var, errors: rx.Var, check_field: Callable
) -> rx.Component:
    """Every billing field, two columns from tablet width up."""
    return rx.grid(
        *[
            billing_field(
                name, id_prefix=id_prefix, values=values, errors=errors, check_field=check_field
            )
            for name in BILLING_FIELDS
        ],
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="3",
        width="100%",
    )

"""typed operations: failure code and parameters instead of an Italian failure message

Operations now store why they failed (or what became of them) as a code the UI words
(ts_store/ui/messages.py) plus its parameters as JSON. Rows written before keep their meaning:
each message this store ever wrote becomes its code (a decline keeps its Stripe decline code);
anything else becomes `legacy_message` with the old text as its parameter.

Revision ID: i13_typed_operations
Revises: i19_fatturapa
Create Date: 2026-12-01 10:00:00
"""

import json

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "i13_typed_operations"
down_revision = "i19_fatturapa"
branch_labels = None
depends_on = None

_GENERIC = "La carta è stata rifiutata dalla banca."
_AUTH = "Autenticazione 3-D Secure non riuscita."
# The texts earlier versions stored -> (code, parameters).
KNOWN_MESSAGES: dict[str, tuple[str, dict[str, str]]] = {
    "Il servizio di pagamento non ha risposto: non sappiamo ancora se l'addebito è avvenuto. "
    "Riprova tra qualche minuto: non ti addebiteremo due volte.": ("payment_unknown", {}),
    "Pagamento arrivato dopo un nuovo tentativo già riuscito: non applicato, verrà rimborsato "
    "automaticamente entro poche ore.": ("late_payment", {}),
    "Questa conferma è stata sostituita da una più recente (in un'altra finestra): il suo "
    "pagamento è stato annullato, nessun addebito.": ("attempt_superseded", {}),
    "Non c'è una carta salvata per questo account: aggiungila in «Metodi di pagamento».": (
        "no_card",
        {},
    ),
    "Importo del pagamento diverso dall'atteso: contattaci.": ("amount_mismatch", {}),
    "Il pagamento non è andato a buon fine.": ("payment_failed", {}),
    "Autenticazione 3-D Secure non completata: nessun addebito.": (
        "authentication_not_completed",
        {},
    ),
    "La banca chiede di autenticare il pagamento del rinnovo (3-D Secure), che non si può fare "
    "in automatico: sostituisci la carta in «Metodi di pagamento».": (
        "renewal_authentication_needed",
        {},
    ),
    "Il pagamento non è partito: nessun addebito è stato fatto. Puoi confermare di nuovo.": (
        "not_started",
        {},
    ),
    "Pagamento arrivato in ritardo e non applicato: rimborsato per intero.": (
        "late_payment_refunded",
        {},
    ),
    "Pagamento arrivato in ritardo e non applicato: era già stato rimborsato.": (
        "late_payment_already_refunded",
        {},
    ),
    "Il servizio di pagamento non è raggiungibile. Riprova tra qualche minuto.": (
        "payments_unavailable",
        {},
    ),
    "Errore nel servizio di pagamento. Riprova più tardi.": ("payments_internal", {}),
    "La carta non è stata verificata. Riprova o usa un'altra carta.": ("card_not_verified", {}),
    "Carta non trovata. Inserisci di nuovo i dati della carta.": ("card_not_found", {}),
    _GENERIC: ("card_declined", {"decline_code": "card_declined"}),
    _AUTH: ("card_declined", {"decline_code": "payment_intent_authentication_failure"}),
    "Fondi insufficienti sulla carta.": ("card_declined", {"decline_code": "insufficient_funds"}),
    "La carta è scaduta.": ("card_declined", {"decline_code": "expired_card"}),
    "Il codice di sicurezza (CVC) non è corretto.": (
        "card_declined",
        {"decline_code": "incorrect_cvc"},
    ),
    "Il numero della carta non è corretto.": (
        "card_declined",
        {"decline_code": "incorrect_number"},
    ),
    "La data di scadenza della carta non è valida.": (
        "card_declined",
        {"decline_code": "invalid_expiry_month"},
    ),
    "Errore durante l'elaborazione della carta. Riprova tra qualche minuto.": (
        "card_declined",
        {"decline_code": "processing_error"},
    ),
    "Il pagamento non è andato a buon fine. Riprova o usa un'altra carta.": ("card_declined", {}),
}


def _code_of(message: str) -> tuple[str, dict[str, str]]:
    return KNOWN_MESSAGES.get(message, ("legacy_message", {"message": message}))


def upgrade() -> None:
    with op.batch_alter_table("billing_operation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failure_code", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "failure_params_json",
                sqlmodel.sql.sqltypes.AutoString(),
                nullable=False,
                server_default="{}",
            )
        )
    operations = sa.table(
        "billing_operation",
        sa.column("id", sa.Integer),
        sa.column("failure_message", sa.String),
        sa.column("failure_code", sa.String),
        sa.column("failure_params_json", sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(operations.c.id, operations.c.failure_message).where(
            operations.c.failure_message.is_not(None)
        )
    ).all()
    for operation_id, message in rows:
        code, params = _code_of(message)
        connection.execute(
            operations.update()
            .where(operations.c.id == operation_id)
            .values(failure_code=code, failure_params_json=json.dumps(params, sort_keys=True))
        )
    with op.batch_alter_table("billing_operation", schema=None) as batch_op:
        batch_op.drop_column("failure_message")


def downgrade() -> None:
    with op.batch_alter_table("billing_operation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failure_message", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
    operations = sa.table(
        "billing_operation",
        sa.column("id", sa.Integer),
        sa.column("failure_message", sa.String),
        sa.column("failure_code", sa.String),
        sa.column("failure_params_json", sa.String),
    )
    texts = {}
    for message, (code, params) in KNOWN_MESSAGES.items():
        texts.setdefault((code, json.dumps(params, sort_keys=True)), message)
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            operations.c.id, operations.c.failure_code, operations.c.failure_params_json
        ).where(operations.c.failure_code.is_not(None))
    ).all()
    for operation_id, code, params_json in rows:
        params = json.loads(params_json or "{}")
        message = params.get("message") if code == "legacy_message" else None
        message = message or texts.get((code, json.dumps(params, sort_keys=True)), code)
        connection.execute(
            operations.update()
            .where(operations.c.id == operation_id)
            .values(failure_message=message)
        )
    with op.batch_alter_table("billing_operation", schema=None) as batch_op:
        batch_op.drop_column("failure_params_json")
        batch_op.drop_column("failure_code")

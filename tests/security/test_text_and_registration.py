"""Registration, passwords and odd text (issue #15, findings 5, 6 and 7): each probe is refused
with an Italian message, or answered neutrally, and nothing is stored."""

from __future__ import annotations

import pytest
import reflex as rx
import sqlalchemy as sa

from tests.fixtures.factories import make_customer
from ts_store.billing import accounts, support
from ts_store.billing.errors import InputError
from ts_store.domain.notifications import MessageKind
from ts_store.store.models import Customer, OutboxMessage, SupportRequest
from ts_store.ui.messages import message_for
from ts_store.ui.pages.register import RegisterState

PASSWORD = "Tramonto sul lago 2026"


def _count(session, model) -> int:
    session.expire_all()
    return session.exec(sa.select(sa.func.count()).select_from(model)).one()[0]


def _outbox(session) -> list[tuple[str, str]]:
    session.expire_all()
    rows = session.exec(sa.select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
    return [(row.kind, row.recipient) for row in rows]


async def _submit(form: dict) -> str:
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(RegisterState.get_full_name().split("."))
    await RegisterState.submit.fn(state, form)
    return state.error or state.done.replace(form["email"].strip().lower(), "<email>")


async def test_known_email_gets_the_same_answer_and_its_owner_an_email(session):
    form = {"email": "mario@rossi.it", "password": PASSWORD, "company_name": "Rossi S.r.l."}
    first = await _submit(form)
    again = await _submit(form | {"email": " MARIO@rossi.it", "company_name": "Altra S.r.l."})
    assert first == again and "Abbiamo scritto" in first
    assert _count(session, Customer) == 1
    assert _outbox(session) == [
        (MessageKind.WELCOME, "mario@rossi.it"),
        (MessageKind.REGISTRATION_ATTEMPT, "mario@rossi.it"),
    ]


@pytest.mark.parametrize(
    "lookalike",
    [
        "attivо@demo.tsstore.it",
        "аttivo@demo.tsstore.it",
        "ATTIVO@DEMO.TSSTORE.IT",
        "attivo@demо.tsstore.it",
    ],
    ids=["cyrillic_o_in_local_part", "cyrillic_a", "upper_case", "cyrillic_o_in_domain"],
)
async def test_lookalike_of_an_existing_login_is_not_registered(session, lookalike):
    make_customer(session, email="attivo@demo.tsstore.it")
    before = _count(session, Customer)
    answer = await _submit({"email": lookalike, "password": PASSWORD, "company_name": "Falsa"})
    assert "Abbiamo scritto" in answer
    assert _count(session, Customer) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("company_name", "\u200b\u200b\u200b"),
        ("company_name", "\x01\x02\x03"),
        ("company_name", "Rossi\u202eilgaf S.r.l."),
        ("company_name", "Rossi\x00 S.r.l."),
        ("email", "mario\u202e@rossi.it"),
        ("email", "mario\x00@rossi.it"),
        ("email", "ma\u200brio@rossi.it"),
    ],
    ids=[
        "company_only_zero_width",
        "company_only_controls",
        "company_right_to_left_override",
        "company_nul",
        "email_right_to_left_override",
        "email_nul",
        "email_zero_width",
    ],
)
async def test_hidden_characters_are_refused_and_nothing_is_stored(session, field, value):
    form = {"email": "mario@rossi.it", "password": PASSWORD, "company_name": "Rossi S.r.l."}
    answer = await _submit(form | {field: value})
    assert answer.split(":")[0] in ("Email", "Ragione sociale")
    assert _count(session, Customer) == 0 and _outbox(session) == []


def test_names_are_stored_nfkc_normalised(session):
    accounts.register(
        email="ｍａｒｉｏ@rossi.it", password=PASSWORD, company_name="Ｒｏｓｓｉ  Srl"
    )
    stored = session.exec(sa.select(Customer)).scalars().one()
    assert (stored.email, stored.company_name) == ("mario@rossi.it", "Rossi Srl")


@pytest.mark.parametrize(
    "message",
    ["Buongiorno\x00, vorrei la fattura", "Buongiorno \u202evorrei la fattura", "\u200b" * 20],
    ids=["nul", "right_to_left_override", "only_zero_width"],
)
def test_contattaci_refuses_hidden_characters_and_stores_nothing(session, message):
    customer = make_customer(session)
    with pytest.raises(InputError) as error:
        support.send_request(
            customer_id=customer.id, subject="Altro", message=message, licence_id=None
        )
    assert message_for(error.value).startswith("Messaggio:")
    assert _count(session, SupportRequest) == 0


def test_contattaci_keeps_line_breaks(session):
    customer = make_customer(session)
    sent = support.send_request(
        customer_id=customer.id,
        subject="Altro",
        message="Buongiorno,\r\nvorrei la fattura.\n\nGrazie",
        licence_id=None,
    )
    assert sent.message == "Buongiorno,\nvorrei la fattura.\n\nGrazie"

"""The licence page state (issue #5), driven without a browser.

Handlers are called as Reflex calls them — on the page state inside a root state, with the login
cookie and the route set — against a real SQLite file and the session's localstripe. 3-D Secure
is done with the localstripe helper, as Stripe.js would in the page.
"""

from __future__ import annotations

import inspect
from datetime import date

import pytest
import reflex as rx
import sqlalchemy as sa
from reflex.istate.data import RouterData
from sqlmodel import select

from tests.fixtures.factories import PASSWORD, give_card, make_active_licence, make_customer
from tests.fixtures.localstripe import authenticate_payment_intent
from ts_store.billing import accounts, changes, charging
from ts_store.store import documents, licences
from ts_store.store.db import get_engine
from ts_store.store.models import AuditEntry, BillingOperation
from ts_store.ui.messages import text
from ts_store.ui.pages.licence import CancelState, ChangeState, LicenceState
from ts_store.ui.session import SessionState

TODAY = date(2026, 11, 28)


pytestmark = [pytest.mark.usefixtures("app_gateway_env"), pytest.mark.stripe]


class Tab:
    """One browser tab on /myarea/licenza/<id>?sezione=..., logged in with `token`."""

    def __init__(self, token: str) -> None:
        self.root = rx.State(_reflex_internal_init=True)
        self.root.get_substate(SessionState.get_full_name().split(".")).session_token = token
        self.state: LicenceState = self.root.get_substate(LicenceState.get_full_name().split("."))
        self.change: ChangeState = self.root.get_substate(ChangeState.get_full_name().split("."))

    async def send(self, handler, *args) -> list:
        result = handler.fn(self.root.get_substate(handler.state_full_name.split(".")), *args)
        if inspect.isasyncgen(result):
            return [item async for item in result if item is not None]
        if inspect.iscoroutine(result):
            result = await result
        return [result] if result is not None else []

    async def open(self, licence_id: int | str, section: str = "utenti") -> list:
        self.root.router = RouterData.from_router_data(
            {
                "pathname": "/myarea/licenza/[licence_id]",
                "asPath": f"/myarea/licenza/{licence_id}?sezione={section}",
                "query": {"licence_id": str(licence_id), "sezione": section},
            }
        )
        return await self.send(LicenceState.load)


def plain(value) -> str:
    return str(value).replace("\xa0", " ").replace("\u202f", " ")


def _login(session, customer) -> str:
    token = accounts.login(email=customer.email, password=PASSWORD).token
    session.commit()
    return token


def _operations(session, licence_id) -> list[BillingOperation]:
    session.expire_all()
    return list(
        session.exec(select(BillingOperation).where(BillingOperation.licence_id == licence_id))
    )


def _stored(session, licence_id):
    session.expire_all()
    return licences.get_licence(session, licence_id)


async def _article(session, gateway, card="4242424242424242"):
    customer = make_customer(session)
    await give_card(session, gateway, customer, card)
    return customer, make_active_licence(session, customer.id, seats=2)


@pytest.fixture
async def article(session, gateway):
    """Pro monthly, 2 users, 10/11/2026–10/12/2026, card 4242, logged in, on its page."""
    customer, licence = await _article(session, gateway)
    tab = Tab(_login(session, customer))
    assert await tab.open(licence.id) == []
    return customer, licence, tab


async def test_article_example_2_to_5_users_previewed_from_the_typed_input(article):
    _, _, tab = article
    assert tab.change.seats_input == "2" and not tab.change.can_confirm
    await tab.send(ChangeState.set_seats, "5")

    view = tab.change.preview
    assert [plain(line.description) for line in view.lines] == [
        "Utenti aggiunti: 3 utenti × 25,00 € × 12/30 giorni"
    ]
    assert [plain(v) for v in (view.net, view.vat, view.gross)] == ["30,00 €", "6,60 €", "36,60 €"]
    assert view.renewal_title == "Dal 10/12/2026 pagherai ogni mese"
    assert plain(view.renewal_net) == "125,00 €" and tab.change.can_confirm
    assert tab.change.seat_limits == "Il piano Pro consente da 1 a 50 utenti."


async def test_fewer_users_show_no_charge_and_a_reduction_scheduled_without_refund(article):
    _, _, tab = article
    await tab.send(ChangeState.remove_seat)
    view = tab.change.preview
    assert not view.charges_today
    assert "Dal 10/12/2026 la licenza passa a: piano Pro, 1 utente" in view.scheduled_note
    assert "Nessun rimborso" in view.scheduled_note


async def test_invalid_or_out_of_limits_users_explain_why_and_block_the_confirm(article):
    _, _, tab = article
    await tab.send(ChangeState.set_seats, "tre")
    assert tab.change.preview_error == "Numero utenti: inserisci un numero intero."
    assert not tab.change.can_confirm
    await tab.send(ChangeState.set_seats, "51")
    assert "Numero utenti" in tab.change.preview_error and "50" in tab.change.preview_error
    assert not tab.change.can_confirm
    assert await tab.send(ChangeState.confirm_change) == []


async def test_preview_clicks_make_no_database_or_stripe_call(article, monkeypatch):
    _, _, tab = article

    def forbidden(*_args, **_kwargs):
        raise AssertionError("no Stripe call on a preview")

    monkeypatch.setattr(charging, "execute", forbidden)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(get_engine(), "before_cursor_execute", count)
    try:
        for handler, args in [
            (ChangeState.set_seats, ("4",)),
            (ChangeState.add_seat, ()),
            (ChangeState.remove_seat, ()),
            (ChangeState.choose_plan, ("business",)),
            (ChangeState.choose_cycle, ("annual",)),
            (ChangeState.choose_plan, ("smart",)),
        ]:
            await tab.send(handler, *args)
    finally:
        sa.event.remove(get_engine(), "before_cursor_execute", count)
    assert statements == []
    assert tab.change.preview.renewal_title == "Dal 10/12/2026 pagherai ogni anno"


async def test_plan_cards_mark_the_current_plan_and_explain_a_plan_too_small(session, gateway):
    customer = make_customer(session)
    await give_card(session, gateway, customer)
    licence = make_active_licence(session, customer.id, seats=8)
    tab = Tab(_login(session, customer))
    await tab.open(licence.id, "piano")

    assert tab.state.section == "piano"
    by_code = {choice.code: choice for choice in tab.change.plan_choices}
    assert by_code["pro"].is_current and not by_code["business"].is_current
    assert not by_code["smart"].selectable
    assert by_code["smart"].reason == (
        "Il piano Smart arriva a 5 utenti: oggi ne hai 8. Riduci prima gli utenti."
    )


async def test_business_with_2_users_offers_its_3_users_instead_of_a_dead_end(article):
    _, _, tab = article  # Pro, 2 users; Business needs at least 3
    by_code = {choice.code: choice for choice in tab.change.plan_choices}
    assert by_code["business"].choose_label == "Passa a Business con 3 utenti"
    assert by_code["smart"].choose_label == "Scegli"
    await tab.send(ChangeState.choose_plan, "business")
    assert tab.change.seats_input == "3" and tab.change.preview_error == ""
    assert tab.change.can_confirm
    assert plain(tab.change.confirm_label) == "Paga 34,16 € e passa a Business"


async def test_zero_users_says_the_minimum_instead_of_a_silent_grey_button(article):
    _, _, tab = article
    await tab.send(ChangeState.set_seats, "0")
    assert tab.change.preview_error == "Numero utenti: il piano Pro richiede almeno 1 utente."
    assert not tab.change.can_confirm
    await tab.send(ChangeState.set_seats, "2")  # the licence as it is: nothing to confirm
    assert tab.change.confirm_hint.startswith("Nessuna modifica da confermare")
    await tab.send(ChangeState.set_seats, "5")
    assert tab.change.confirm_hint == ""
    assert plain(tab.change.confirm_label) == "Paga 36,60 € e aggiungi 3 utenti"


async def test_upgrade_now_and_cycle_change_at_renewal_in_one_preview(article):
    _, _, tab = article
    await tab.send(ChangeState.choose_plan, "business")
    await tab.send(ChangeState.set_seats, "3")
    await tab.send(ChangeState.choose_cycle, "annual")
    view = tab.change.preview
    assert [plain(line.description) for line in view.lines] == [
        "Passaggio a Business: 2 utenti × 15,00 € (differenza di prezzo) × 12/30 giorni",
        "Utenti aggiunti: 1 utente × 40,00 € × 12/30 giorni",
    ]
    assert "fatturazione annuale" in view.scheduled_note
    assert plain(view.renewal_net) == "1.200,00 €"  # 3 × 400,00 € per year


async def test_confirm_charges_once_even_when_clicked_twice(session, article, stripe_settings):
    customer, licence, tab = article
    await tab.send(ChangeState.set_seats, "5")
    await tab.send(ChangeState.confirm_change)
    await tab.send(ChangeState.confirm_change)  # the second click of a double click

    assert tab.state.result_ok and tab.state.result_message.startswith("Modifica applicata")
    assert [op.status for op in _operations(session, licence.id)] == ["succeeded"]
    assert _stored(session, licence.id).seats == 5
    assert len(documents.documents_of(session, customer.id)) == 1
    assert "5 utenti" in tab.state.current_text and not tab.change.can_confirm


async def test_declined_card_keeps_everything_and_a_new_attempt_gets_a_new_key(session, gateway):
    customer, licence = await _article(session, gateway, "4000000000000341")
    tab = Tab(_login(session, customer))
    await tab.open(licence.id)
    await tab.send(ChangeState.set_seats, "5")
    await tab.send(ChangeState.confirm_change)

    assert not tab.state.result_ok and tab.state.result_message
    assert tab.change._operation_key == "" and not tab.change.busy
    assert _stored(session, licence.id).seats == 2
    assert documents.documents_of(session, customer.id) == []

    await tab.send(ChangeState.confirm_change)
    assert [op.status for op in _operations(session, licence.id)] == ["failed", "failed"]
    keys = {op.idempotency_key for op in _operations(session, licence.id)}
    assert len(keys) == 2


async def test_3d_secure_is_completed_in_the_page_then_checked_with_stripe(
    session, gateway, stripe_settings
):
    customer, licence = await _article(session, gateway, "4000002760003184")
    tab = Tab(_login(session, customer))
    await tab.open(licence.id)
    await tab.send(ChangeState.set_seats, "5")
    [script] = await tab.send(ChangeState.confirm_change)

    assert "confirmPayment" in " ".join(str(value) for _name, value in script.args)
    assert tab.change.busy and _stored(session, licence.id).seats == 2
    operation = session.get(BillingOperation, tab.change._pending_operation_id)
    await authenticate_payment_intent(stripe_settings, operation.stripe_payment_intent_id, True)
    await tab.send(ChangeState.payment_authenticated, {"ok": False})  # the page's word: unused

    assert tab.state.result_ok and not tab.change.busy
    assert _stored(session, licence.id).seats == 5
    assert len(documents.documents_of(session, customer.id)) == 1


async def test_two_tabs_the_stale_one_is_refused_and_its_preview_refreshed(session, article):
    customer, licence, first = article
    second = Tab(_login(session, customer))
    await second.open(licence.id)

    await first.send(ChangeState.set_seats, "3")
    await first.send(ChangeState.confirm_change)
    await second.send(ChangeState.set_seats, "6")
    await second.send(ChangeState.confirm_change)

    assert second.state.result_message.startswith(
        "La licenza è stata modificata in un'altra finestra"
    )
    assert second.change.seats_input == "3" and "3 utenti" in second.state.current_text
    assert _stored(session, licence.id).seats == 3
    await second.send(ChangeState.set_seats, "6")  # the refreshed preview can be confirmed
    await second.send(ChangeState.confirm_change)
    assert _stored(session, licence.id).seats == 6


async def test_another_customers_licence_is_not_loaded_and_the_attempt_is_logged(session, article):
    _, licence, _ = article
    intruder = make_customer(session)
    tab = Tab(_login(session, intruder))
    await tab.open(licence.id)

    assert tab.state.load_error == "Licenza non trovata." and not tab.state.loaded
    assert tab.state._snapshot is None
    await tab.send(ChangeState.set_seats, "9")  # forged events act on nothing
    await tab.send(ChangeState.confirm_change)
    await tab.send(CancelState.reactivate)
    assert _operations(session, licence.id) == []
    assert _stored(session, licence.id).version == 1
    logged = session.exec(select(AuditEntry).where(AuditEntry.action == "forbidden_access")).all()
    assert [entry.actor_customer_id for entry in logged] == [intruder.id]


async def test_downgrade_scheduled_then_undone(session, article):
    _, licence, tab = article
    await tab.send(ChangeState.choose_plan, "smart")
    await tab.send(ChangeState.confirm_change)
    assert tab.state.result_message.startswith(
        "Modifica salvata. Dal 10/12/2026 la licenza passa a: piano Smart, 2 utenti"
    )  # what and from when, not just "Modifica salvata."
    assert tab.state.scheduled_text.startswith("Modifica programmata dal 10/12/2026: piano Smart")
    assert _stored(session, licence.id).plan == "pro"

    await tab.send(CancelState.undo_scheduled)
    assert tab.state.result_message == "Modifica programmata annullata."
    assert tab.state.scheduled_text == ""
    assert _stored(session, licence.id).renewal_plan == "pro"


async def test_cancel_with_reason_refuses_changes_then_reactivate(session, article):
    _, licence, tab = article
    await tab.send(
        CancelState.cancel_subscription, {"reason": "Costo troppo alto", "note": "Budget"}
    )
    assert tab.state.cancel_pending and tab.state.can_reactivate
    assert tab.state.status_label == "In disdetta" and tab.state.cancel_end_text == "10/12/2026"
    assert tab.state.refusal == text(changes.CANCEL_PENDING) and not tab.change.can_confirm
    assert tab.state.refusal.startswith("La disdetta è in corso: riattiva l'abbonamento")
    stored = _stored(session, licence.id)
    assert (stored.cancel_reason, stored.cancel_note) == ("Costo troppo alto", "Budget")

    await tab.send(ChangeState.set_seats, "5")
    await tab.send(ChangeState.confirm_change)
    assert _operations(session, licence.id) == []

    await tab.send(CancelState.reactivate)
    assert tab.state.result_message == "Abbonamento riattivato."
    assert not tab.state.cancel_pending and tab.state.refusal == ""
    assert _stored(session, licence.id).cancel_at_period_end is False


async def test_forged_cancel_reason_is_refused_with_a_message_and_nothing_stored(session, article):
    _, licence, tab = article
    await tab.send(CancelState.cancel_subscription, {"reason": "<script>", "note": ""})
    assert tab.state.result_message == "Motivo: scegli un motivo dall'elenco."
    assert _stored(session, licence.id).cancel_at_period_end is False
    assert tab.state.retention_text == "08/02/2027 (60 giorni)"


async def test_an_ended_licence_shows_its_status_and_offers_no_reactivation(session, article):
    customer, licence, _ = article
    licences.update_licence(
        session, _stored(session, licence.id), 1, status="cancelled", cancel_at_period_end=True
    )
    session.commit()
    tab = Tab(_login(session, customer))
    await tab.open(licence.id, "disdetta")
    assert tab.state.status_label == "Terminata"
    assert not tab.state.cancel_pending and not tab.state.can_reactivate
    assert not tab.state.can_cancel and tab.state.refusal == text(changes.NOT_ACTIVE)
    assert tab.state.refusal.startswith("La licenza non è attiva")

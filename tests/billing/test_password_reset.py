""" "Password dimenticata?" on a real migrated SQLite file: one neutral answer, a hashed
single-use token valid 30 minutes, registration's password rule, every session ended."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from tests.fixtures.factories import PASSWORD, make_customer
from ts_store.billing import accounts, password_reset
from ts_store.billing.accounts import AccountError
from ts_store.billing.password_reset import ResetLinkInvalid
from ts_store.store import outbox
from ts_store.store.models import OutboxMessage, PasswordReset, utcnow

NEW_PASSWORD = "NuovaPassword2027"


@pytest.fixture
def customer(session):
    return make_customer(session, email="mario@rossi.it", company="Rossi S.r.l.")


def _messages(engine, kind=None):
    with Session(engine) as session:
        rows = session.exec(sa.select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
        return [row for row in rows if kind is None or row.kind == kind]


def _token_from_outbox(engine) -> str:
    [row] = _messages(engine, "password_reset")
    return outbox.params_of(row)["reset_token"]


def test_unknown_email_gets_the_same_silence_and_nothing_is_stored(engine, customer):
    password_reset.request_reset("nessuno@example.it")
    assert _messages(engine) == []
    with Session(engine) as session:
        assert session.exec(sa.select(PasswordReset)).all() == []


def test_known_email_queues_one_reset_email_to_the_login_email(engine, customer):
    password_reset.request_reset("  MARIO@rossi.it ")
    [row] = _messages(engine)
    params = outbox.params_of(row)
    assert (row.kind, row.recipient, row.status) == ("password_reset", "mario@rossi.it", "pending")
    assert params["valid_minutes"] == 30 and params["company_name"] == "Rossi S.r.l."


def test_only_the_hash_of_the_token_is_stored_with_the_link(engine, customer):
    password_reset.request_reset("mario@rossi.it")
    token = _token_from_outbox(engine)
    with Session(engine) as session:
        [link] = session.exec(sa.select(PasswordReset)).scalars().all()
    assert link.token_hash == password_reset.token_hash(token) != token
    assert timedelta(minutes=29) < link.expires_at - link.created_at <= timedelta(minutes=30)


def test_reset_sets_the_new_password_and_the_old_one_stops_working(engine, customer):
    password_reset.request_reset("mario@rossi.it")
    password_reset.reset_password(_token_from_outbox(engine), NEW_PASSWORD)
    with pytest.raises(AccountError):
        accounts.login(email="mario@rossi.it", password=PASSWORD)
    assert accounts.login(email="mario@rossi.it", password=NEW_PASSWORD)


def test_a_second_use_of_the_same_link_is_refused(engine, customer):
    password_reset.request_reset("mario@rossi.it")
    token = _token_from_outbox(engine)
    password_reset.reset_password(token, NEW_PASSWORD)
    with pytest.raises(ResetLinkInvalid):
        password_reset.check_reset_link(token)
    with pytest.raises(ResetLinkInvalid):
        password_reset.reset_password(token, "UnAltraPassword99")


def test_an_expired_link_is_refused_after_30_minutes(engine, customer):
    password_reset.request_reset("mario@rossi.it")
    token = _token_from_outbox(engine)
    later = utcnow() + timedelta(minutes=30, seconds=1)
    with pytest.raises(ResetLinkInvalid):
        password_reset.check_reset_link(token, now=later)
    with pytest.raises(ResetLinkInvalid):
        password_reset.reset_password(token, NEW_PASSWORD, now=later)


@pytest.mark.parametrize("token", ["", "x", "a" * 101, "⁰", None, 12])
def test_unknown_or_malformed_tokens_are_refused(engine, customer, token):
    with pytest.raises(ResetLinkInvalid):
        password_reset.check_reset_link(token)
    with pytest.raises(ResetLinkInvalid):
        password_reset.reset_password(token, NEW_PASSWORD)


def test_weak_password_is_refused_by_registrations_rule_and_the_link_stays_usable(engine, customer):
    password_reset.request_reset("mario@rossi.it")
    token = _token_from_outbox(engine)
    with pytest.raises(AccountError) as error:
        password_reset.reset_password(token, "corta1")
    assert error.value.field == "password"
    assert error.value.code == accounts.password_problem("corta1").code == "password_too_short"
    password_reset.check_reset_link(token)  # still valid: nothing was spent
    assert accounts.login(email="mario@rossi.it", password=PASSWORD)


def test_changing_the_password_ends_every_session_of_the_customer(engine, customer):
    tokens = [accounts.login(email="mario@rossi.it", password=PASSWORD).token for _ in range(3)]
    password_reset.request_reset("mario@rossi.it")
    password_reset.reset_password(_token_from_outbox(engine), NEW_PASSWORD)
    assert [accounts.signed_in(t) for t in tokens] == [None] * 3


def test_other_open_links_stop_working_once_the_password_changed(engine, customer):
    password_reset.request_reset("mario@rossi.it")
    password_reset.request_reset("mario@rossi.it")
    first, second = (outbox.params_of(r)["reset_token"] for r in _messages(engine))
    password_reset.reset_password(second, NEW_PASSWORD)
    with pytest.raises(ResetLinkInvalid):
        password_reset.reset_password(first, "UnAltraPassword99")


def test_a_confirmation_email_is_queued_with_the_change(engine, customer):
    password_reset.request_reset("mario@rossi.it")
    password_reset.reset_password(_token_from_outbox(engine), NEW_PASSWORD)
    [confirmation] = _messages(engine, "password_changed")
    assert confirmation.recipient == "mario@rossi.it"
    assert "changed_at" in outbox.params_of(confirmation)

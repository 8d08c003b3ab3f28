"""Registration, login and sessions against a real SQLite database."""

from datetime import date, timedelta

import pytest

from ts_store.billing import accounts
from ts_store.billing.accounts import LOGIN_FAILED, AccountError
from ts_store.store import customers, licences
from ts_store.store.models import utcnow
from ts_store.ui.messages import message_for, text

TODAY = date(2026, 11, 28)  # the store's today in tests (TS_STORE_TODAY)


def _register(session, email="mario@rossi.it", password="Password2026", company="Rossi S.r.l."):
    return accounts.register(email=email, password=password, company_name=company)


def test_registration_creates_a_15_day_trial_and_logs_in(session):
    logged_in = _register(session)
    trial = licences.licences_of(session, logged_in.customer_id)
    assert [(lic.status, lic.trial_ends_on) for lic in trial] == [("trial", date(2026, 12, 13))]
    assert accounts.signed_in(logged_in.token).email == "mario@rossi.it"


def test_password_is_stored_as_argon2id_hash(session):
    logged_in = _register(session)
    customer = customers.get_customer(session, accounts.signed_in(logged_in.token).customer_id)
    assert customer.password_hash.startswith("$argon2id$")
    assert "Password2026" not in customer.password_hash


def test_duplicate_email_is_refused_case_insensitively(session):
    _register(session)
    with pytest.raises(AccountError) as error:
        _register(session, email=" MARIO@Rossi.it ")
    assert (error.value.field, error.value.code) == ("email", "email_taken")
    assert "esiste già" in message_for(error.value)


@pytest.mark.parametrize("password", ["corta1", "solamentelettere", "12345678901234"])
def test_weak_password_is_refused_with_a_message(session, password):
    with pytest.raises(AccountError) as error:
        _register(session, password=password)
    assert error.value.field == "password" and message_for(error.value).startswith("Password:")


def test_wrong_password_and_unknown_email_give_the_same_message(session):
    _register(session)
    with pytest.raises(AccountError) as wrong:
        accounts.login(email="mario@rossi.it", password="Sbagliata2026")
    with pytest.raises(AccountError) as unknown:
        accounts.login(email="nessuno@rossi.it", password="Password2026")
    assert wrong.value.code == unknown.value.code == LOGIN_FAILED
    assert message_for(wrong.value) == message_for(unknown.value) == text(LOGIN_FAILED)
    assert text(LOGIN_FAILED) == "Email o password non corretti."


def test_logout_revokes_the_token(session):
    logged_in = accounts.login(
        email=_register(session) and "mario@rossi.it", password="Password2026"
    )
    accounts.logout(logged_in.token)
    assert accounts.signed_in(logged_in.token) is None


def test_expired_token_is_refused(session):
    logged_in = _register(session)
    later = utcnow() + accounts.SESSION_LIFETIME + timedelta(minutes=1)
    assert accounts.signed_in(logged_in.token, now=later) is None


def test_token_is_stored_hashed(session):
    from sqlmodel import select

    from ts_store.store.models import AuthSession

    logged_in = _register(session)
    stored = session.exec(select(AuthSession)).one()
    assert stored.token_hash != logged_in.token and len(stored.token_hash) == 64

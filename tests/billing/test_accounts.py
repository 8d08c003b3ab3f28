"""Registration, login and sessions against a real SQLite database."""

from datetime import date, timedelta

import pytest

from ts_store.billing import accounts
from ts_store.billing.accounts import LOGIN_FAILED, AccountError
from ts_store.store import licences
from ts_store.store.models import utcnow

TODAY = date(2026, 11, 28)


def _register(session, email="mario@rossi.it", password="Password2026", company="Rossi S.r.l."):
    return accounts.register(
        session, email=email, password=password, company_name=company, today=TODAY
    )


def test_registration_creates_a_15_day_trial_and_logs_in(session):
    logged_in = _register(session)
    trial = licences.licences_of(session, logged_in.customer_id)
    assert [(lic.status, lic.trial_ends_on) for lic in trial] == [("trial", date(2026, 12, 13))]
    assert accounts.customer_for_token(session, logged_in.token).email == "mario@rossi.it"


def test_password_is_stored_as_argon2id_hash(session):
    logged_in = _register(session)
    customer = accounts.customer_for_token(session, logged_in.token)
    assert customer.password_hash.startswith("$argon2id$")
    assert "Password2026" not in customer.password_hash


def test_duplicate_email_is_refused_case_insensitively(session):
    _register(session)
    with pytest.raises(AccountError) as error:
        _register(session, email=" MARIO@Rossi.it ")
    assert error.value.field == "email" and "esiste già" in error.value.message


@pytest.mark.parametrize("password", ["corta1", "solamentelettere", "12345678901234"])
def test_weak_password_is_refused_with_a_message(session, password):
    with pytest.raises(AccountError) as error:
        _register(session, password=password)
    assert error.value.field == "password" and error.value.message.startswith("Password:")


def test_wrong_password_and_unknown_email_give_the_same_message(session):
    _register(session)
    with pytest.raises(AccountError) as wrong:
        accounts.login(session, email="mario@rossi.it", password="Sbagliata2026")
    with pytest.raises(AccountError) as unknown:
        accounts.login(session, email="nessuno@rossi.it", password="Password2026")
    assert wrong.value.message == unknown.value.message == LOGIN_FAILED


def test_logout_revokes_the_token(session):
    logged_in = accounts.login(
        session, email=_register(session) and "mario@rossi.it", password="Password2026"
    )
    accounts.logout(session, logged_in.token)
    assert accounts.customer_for_token(session, logged_in.token) is None


def test_expired_token_is_refused(session):
    logged_in = _register(session)
    later = utcnow() + accounts.SESSION_LIFETIME + timedelta(minutes=1)
    assert accounts.customer_for_token(session, logged_in.token, now=later) is None


def test_token_is_stored_hashed(session):
    from sqlmodel import select

    from ts_store.store.models import AuthSession

    logged_in = _register(session)
    stored = session.exec(select(AuthSession)).one()
    assert stored.token_hash != logged_in.token and len(stored.token_hash) == 64

"""Registration, login and sessions against a real SQLite database."""

from datetime import date, timedelta

import pytest

from ts_store.billing import accounts
from ts_store.billing.accounts import LOGIN_FAILED, AccountError
from ts_store.store import customers, licences
from ts_store.store.models import utcnow
from ts_store.ui.messages import message_for, text

TODAY = date(2026, 11, 28)  # the store's today in tests (TS_STORE_TODAY)


PASSWORD = "Tramonto sul lago 2026"


def _register(session, email="mario@rossi.it", password=PASSWORD, company="Rossi S.r.l."):
    accounts.register(email=email, password=password, company_name=company)
    return accounts.login(email=email, password=password)


def test_registration_creates_a_15_day_trial_and_the_login_works(session):
    logged_in = _register(session)
    trial = licences.licences_of(session, logged_in.customer_id)
    assert [(lic.status, lic.trial_ends_on) for lic in trial] == [("trial", date(2026, 12, 13))]
    assert accounts.signed_in(logged_in.token).email == "mario@rossi.it"


def test_password_is_stored_as_argon2id_hash(session):
    logged_in = _register(session)
    customer = customers.get_customer(session, accounts.signed_in(logged_in.token).customer_id)
    assert customer.password_hash.startswith("$argon2id$")
    assert PASSWORD not in customer.password_hash


def test_duplicate_email_creates_nothing_case_insensitively(session):
    first = _register(session)
    outcome = accounts.register(email=" MARIO@Rossi.it ", password=PASSWORD, company_name="Altra")
    assert outcome.customer_id is None
    assert customers.get_customer(session, first.customer_id).company_name == "Rossi S.r.l."


@pytest.mark.parametrize(
    "password",
    [
        "corta1",
        "qwertyuiopasdf",
        "12345678901234",
        "Password2026",
        "password12",
        "Qwerty1234",
        "aaaaaaaaa1",
        "Qwerty123456",
        "aaaaaaaaaaaa1",
        " " * 9 + "1",
        " " * 12 + "1",
        "\u200b" * 9 + "1",
        "\u200b" * 12 + "1",
        "mario.rossi.2026",
        "RossiSrl2026",
        "a\x00bcdefghijklmn",
    ],
    ids=[
        "too_short",
        "keyboard_row",
        "digits_sequence",
        "common_pattern",
        "finding_password12",
        "finding_Qwerty1234",
        "finding_aaaaaaaaa1",
        "common_with_12_chars",
        "repeated_letter_13_chars",
        "finding_nine_spaces_and_1",
        "twelve_spaces_and_1",
        "finding_nine_zero_width_and_1",
        "twelve_zero_width_and_1",
        "built_from_the_email",
        "built_from_the_company",
        "nul_inside",
    ],
)
def test_weak_password_is_refused_with_a_message(session, password):
    with pytest.raises(AccountError) as error:
        _register(session, email="mario.rossi@rossi.it", password=password)
    assert error.value.field == "password" and message_for(error.value).startswith("Password:")
    assert customers.find_by_email(session, "mario.rossi@rossi.it") is None


def test_wrong_password_and_unknown_email_give_the_same_message(session):
    _register(session)
    with pytest.raises(AccountError) as wrong:
        accounts.login(email="mario@rossi.it", password="Sbagliata2026")
    with pytest.raises(AccountError) as unknown:
        accounts.login(email="nessuno@rossi.it", password=PASSWORD)
    assert wrong.value.code == unknown.value.code == LOGIN_FAILED
    assert message_for(wrong.value) == message_for(unknown.value) == text(LOGIN_FAILED)
    assert text(LOGIN_FAILED) == "Email o password non corretti."


def test_logout_revokes_the_token(session):
    logged_in = _register(session)
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

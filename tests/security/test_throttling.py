"""Throttling (issue #15, finding 1): 50 wrong passwords in 9 s used to pass, then the right one
logged in at once. Now failures lock the account and the address, with longer and longer locks,
an Italian message that says when to retry, a success that resets the account, and (with Redis)
locks that survive a restart."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import pytest
import redis
import sqlalchemy as sa

from tests.fixtures.factories import PASSWORD, make_customer
from ts_store.billing import accounts, password_reset, support
from ts_store.billing.accounts import LOGIN_FAILED
from ts_store.billing.bootstrap import bootstrap
from ts_store.billing.errors import InputError
from ts_store.billing.throttle import Throttle, Throttled, make_storage
from ts_store.store.models import AuthSession, SupportRequest
from ts_store.ui.messages import message_for

REDIS_DB_URL = "redis://127.0.0.1:6379/13"  # a private db number for the tests


class FakeTime:
    def __init__(self, monkeypatch) -> None:
        self.now = time.time()
        monkeypatch.setattr(time, "time", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _wrong(email: str, address: str = "198.51.100.7") -> str:
    with pytest.raises(InputError) as error:
        accounts.login(email=email, password="Sbagliata-2026", client_address=address)
    return error.value.code


def _sessions(session) -> int:
    session.expire_all()
    return session.exec(sa.select(sa.func.count()).select_from(AuthSession)).one()[0]


def test_fifty_wrong_passwords_then_the_right_one_is_refused(session):
    customer = make_customer(session)
    codes = [_wrong(customer.email) for _ in range(50)]
    assert codes[:5] == [LOGIN_FAILED] * 5
    assert set(codes[5:]) == {"throttled"}
    with pytest.raises(Throttled) as error:
        accounts.login(email=customer.email, password=PASSWORD, client_address="198.51.100.7")
    message = message_for(error.value)
    assert (
        message.startswith("Troppi tentativi") and "Riprova tra" in message and "(alle " in message
    )
    assert _sessions(session) == 0


def test_lock_is_per_account_from_any_address(session):
    customer = make_customer(session)
    for n in range(5):
        _wrong(customer.email, address=f"203.0.113.{n}")
    assert _wrong(customer.email, address="203.0.113.99") == "throttled"


def test_one_address_spraying_many_accounts_is_locked(session):
    victims = [make_customer(session) for _ in range(3)]
    codes = [_wrong(victims[n % 3].email, address="192.0.2.50") for n in range(21)]
    assert codes[-1] == "throttled"
    other = make_customer(session)
    assert accounts.login(email=other.email, password=PASSWORD, client_address="192.0.2.51")


def test_success_resets_the_account(session):
    customer = make_customer(session)
    for _round in range(3):
        for _ in range(4):
            assert _wrong(customer.email) == LOGIN_FAILED
        accounts.login(email=customer.email, password=PASSWORD, client_address="198.51.100.7")


def test_locks_grow_longer_exponential_back_off(session, monkeypatch):
    clock = FakeTime(monkeypatch)
    customer = make_customer(session)
    waits = []
    for _lock in range(5):
        while _wrong(customer.email) != "throttled":
            pass
        with pytest.raises(Throttled) as error:
            accounts.login(email=customer.email, password=PASSWORD, client_address="198.51.100.7")
        waits.append(error.value.params["wait_seconds"])
        clock.advance(error.value.params["wait_seconds"] + 1)
    assert [round(wait / 60) for wait in waits] == [1, 2, 4, 8, 16]


def test_one_failure_after_a_lock_locks_again_twice_as_long(session, monkeypatch):
    clock = FakeTime(monkeypatch)
    customer = make_customer(session)
    codes = [_wrong(customer.email) for _ in range(6)]
    clock.advance(61)
    codes += [_wrong(customer.email), _wrong(customer.email)]
    assert codes == [LOGIN_FAILED] * 5 + ["throttled", LOGIN_FAILED, "throttled"]


def test_registration_is_throttled_per_address(session):
    answers = []
    for n in range(12):
        try:
            accounts.register(
                email=f"nuovo{n}@example.it",
                password="Tramonto sul lago 2026",
                company_name="Nuova S.r.l.",
                client_address="192.0.2.9",
            )
            answers.append("ok")
        except Throttled:
            answers.append("throttled")
    assert answers == ["ok"] * 10 + ["throttled"] * 2


def test_password_reset_requests_are_throttled_per_email_even_unknown(session):
    results = []
    for _ in range(4):
        try:
            password_reset.request_reset("nessuno@example.it", client_address="192.0.2.10")
            results.append("sent")
        except Throttled:
            results.append("throttled")
    assert results == ["sent"] * 3 + ["throttled"]


def test_contattaci_is_throttled_and_nothing_more_is_stored(session):
    customer = make_customer(session)
    stored = 0
    for _ in range(5):
        try:
            support.send_request(
                customer_id=customer.id,
                subject="Altro",
                message="Vorrei ricevere la fattura in PEC.",
                licence_id=None,
                client_address="192.0.2.11",
            )
            stored += 1
        except Throttled as error:
            assert message_for(error).startswith("Troppi tentativi")
    session.expire_all()
    rows = session.exec(sa.select(sa.func.count()).select_from(SupportRequest)).one()[0]
    assert stored == rows == 3


@pytest.fixture
def redis_prefix():
    prefix = f"ts_store_test:{uuid.uuid4().hex}"
    yield prefix
    client = redis.Redis.from_url(REDIS_DB_URL)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()


def test_lock_survives_a_restart_with_redis(redis_prefix, session):
    customer = make_customer(session)
    bootstrap(throttle=Throttle(make_storage(REDIS_DB_URL, key_prefix=redis_prefix)))
    for _ in range(5):
        _wrong(customer.email)
    # another process (a restarted app) reading the same Redis finds the account locked
    code = (
        "import sys\n"
        "from ts_store.billing.throttle import Throttle, Throttled, make_storage\n"
        f"t = Throttle(make_storage({REDIS_DB_URL!r}, key_prefix={redis_prefix!r}))\n"
        "try:\n"
        f"    t.check_locked('login', account={customer.email!r}, address=None)\n"
        "except Throttled as e:\n"
        "    print('locked', e.params['wait_seconds'])\n"
        "else:\n"
        "    print('open')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("locked")


def test_redis_keys_hold_no_email(redis_prefix, session):
    customer = make_customer(session)
    bootstrap(throttle=Throttle(make_storage(REDIS_DB_URL, key_prefix=redis_prefix)))
    _wrong(customer.email)
    client = redis.Redis.from_url(REDIS_DB_URL)
    keys = [key.decode() for key in client.scan_iter(f"{redis_prefix}*")]
    client.close()
    assert keys and not any(customer.email in key for key in keys)


def test_address_factor_widens_only_the_per_address_limits(monkeypatch):
    """Many people behind one address (an office NAT, the e2e stack on loopback): the address
    windows and the address failure threshold grow by the factor; an account's never do."""
    from limits.storage import storage_from_string

    from ts_store.billing import throttle

    shared = throttle.Throttle(storage_from_string("memory://"), address_factor=50)
    plain = throttle.Throttle(storage_from_string("memory://"))
    assert shared._items["register"][1][0].amount == 50 * plain._items["register"][1][0].amount
    assert shared._items["register"][0][0].amount == plain._items["register"][0][0].amount
    assert (shared._threshold("address"), shared._threshold("account")) == (1000, 5)
    for bad in ("0", "1001", "due", "-3"):
        monkeypatch.setenv("TS_STORE_THROTTLE_ADDRESS_FACTOR", bad)
        with pytest.raises(ValueError):
            throttle.address_factor()

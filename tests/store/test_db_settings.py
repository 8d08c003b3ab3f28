"""Database settings: chosen defaults, environment overrides, and what each backend applies."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from ts_store.store import db
from ts_store.store.db import DatabaseSettings, dispose_engines, get_engine, make_engine


def test_defaults_hold_every_worker_of_three_hosts_under_postgres_default_limit():
    settings = DatabaseSettings.from_env()
    per_process = settings.pool_size + settings.max_overflow
    # 3 hosts x 5 workers (Reflex's default on 2 cores) + 2 cron commands, under
    # max_connections=100 minus the 3 reserved for superusers
    assert (3 * 5 + 2) * per_process <= 97
    assert settings.statement_timeout_ms == 10_000
    assert settings.connect_timeout_s == 5


def test_each_setting_has_an_environment_override(monkeypatch):
    overrides = {
        "TS_STORE_DB_POOL_SIZE": ("pool_size", 2),
        "TS_STORE_DB_MAX_OVERFLOW": ("max_overflow", 0),
        "TS_STORE_DB_POOL_TIMEOUT": ("pool_timeout_s", 3),
        "TS_STORE_DB_POOL_RECYCLE": ("pool_recycle_s", 60),
        "TS_STORE_DB_CONNECT_TIMEOUT": ("connect_timeout_s", 2),
        "TS_STORE_DB_STATEMENT_TIMEOUT_MS": ("statement_timeout_ms", 500),
        "TS_STORE_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS": ("idle_in_transaction_timeout_ms", 900),
        "TS_STORE_DB_BUSY_TIMEOUT_MS": ("sqlite_busy_timeout_ms", 1500),
    }
    for variable, (_, value) in overrides.items():
        monkeypatch.setenv(variable, str(value))
    settings = DatabaseSettings.from_env()
    assert {field: getattr(settings, field) for field, _ in overrides.values()} == {
        field: value for field, value in overrides.values()
    }


@pytest.mark.parametrize("bad", ["ten", "-1", "1.5"])
def test_bad_override_names_the_variable(monkeypatch, bad):
    monkeypatch.setenv("TS_STORE_DB_POOL_SIZE", bad)
    with pytest.raises(ValueError, match="TS_STORE_DB_POOL_SIZE"):
        DatabaseSettings.from_env()


def test_get_engine_keeps_one_engine_per_url_until_disposed(db_url):
    first = get_engine()
    assert get_engine() is first
    dispose_engines()
    assert get_engine() is not first
    assert db._engines == {db_url: get_engine()}


@pytest.mark.sqlite_only
def test_sqlite_connections_wait_for_other_writers_in_wal_mode(engine):
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


@pytest.mark.postgresql_only
def test_postgresql_connections_get_the_chosen_timeouts_and_pool(engine):
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "10s"
        assert connection.exec_driver_sql("SHOW idle_in_transaction_session_timeout").scalar() == (
            "1min"
        )
    assert engine.pool.size() == 3
    assert engine.pool._max_overflow == 2
    assert engine.pool._pre_ping is True


@pytest.mark.postgresql_only
def test_postgresql_statement_longer_than_the_timeout_is_cancelled(db_url, monkeypatch):
    monkeypatch.setenv("TS_STORE_DB_STATEMENT_TIMEOUT_MS", "200")
    engine = make_engine(db_url)
    try:
        with (
            engine.connect() as connection,
            pytest.raises(sa.exc.OperationalError, match="timeout"),
        ):
            connection.exec_driver_sql("SELECT pg_sleep(5)")
    finally:
        engine.dispose()


@pytest.mark.postgresql_only
def test_postgresql_server_that_does_not_answer_fails_within_the_connect_timeout(monkeypatch):
    import socket
    import time

    with socket.socket() as silent:  # accepts connections, never speaks
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        monkeypatch.setenv("TS_STORE_DB_CONNECT_TIMEOUT", "1")
        engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/nothing")
        started = time.monotonic()
        try:
            with pytest.raises(sa.exc.OperationalError):
                engine.connect()
        finally:
            engine.dispose()
    assert time.monotonic() - started < 10


def test_forked_child_opens_its_own_connection_never_the_parents(db_url):
    """Granian forks the app's workers after the supervisor compiled the pages (which read the
    database): a child must not reuse the parent's pooled connection (ts_store/store/db.py)."""
    engine = get_engine()
    with engine.connect() as connection:
        parent_connection = connection.connection.dbapi_connection
    assert engine.pool.checkedin() == 1  # the parent's connection waits in the pool
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # the child: report, never return into pytest
        try:
            child_engine = get_engine()
            with child_engine.connect() as connection:
                fresh = connection.connection.dbapi_connection is not parent_connection
                answered = connection.exec_driver_sql("SELECT 1").scalar() == 1
            os.write(writer, b"ok" if fresh and answered else b"shared")
        except BaseException as error:
            os.write(writer, repr(error).encode()[:200])
        finally:
            os._exit(0)
    os.close(writer)
    os.waitpid(child, 0)
    assert os.read(reader, 300) == b"ok"
    os.close(reader)
    with engine.connect() as connection:  # the parent's connection still works
        assert connection.connection.dbapi_connection is parent_connection
        assert connection.exec_driver_sql("SELECT 1").scalar() == 1

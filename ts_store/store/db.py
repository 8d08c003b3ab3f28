"""Engine and sessions. One URL for the app, the commands and Alembic: TS_STORE_DB_URL.

The pool and timeout settings are chosen for the app's shape (README, "Database settings"):
each worker runs its database calls one at a time on its event loop, so a few connections per
worker are plenty, and PostgreSQL's default limit (100 connections) must hold every worker of
every host plus the cron commands. Each value has an environment override.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, create_engine

DEFAULT_DB_URL = "sqlite:///ts_store.db"


# The laboratory's simulation runs the store's own code on a throwaway copy of the data: inside
# `using_database(url)` every session of that task (and what it starts) goes there.
_url_override: ContextVar[str | None] = ContextVar("ts_store_db_url_override", default=None)


def database_url() -> str:
    return _url_override.get() or os.environ.get("TS_STORE_DB_URL", DEFAULT_DB_URL)


@contextmanager
def using_database(url: str) -> Iterator[None]:
    """Send every session of this context to `url` (docs/pricing-lab.md, Simulazione)."""
    token = _url_override.set(url)
    try:
        yield
    finally:
        _url_override.reset(token)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from error
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


@dataclass(frozen=True)
class DatabaseSettings:
    """Pool and timeouts of one process's engine (README, "Database settings")."""

    # A process holds at most two connections at once (its calls run one at a time on the event
    # loop, and no session stays open across an await; one may nest a short read): 3 + 2 leaves
    # room, and 17 processes (3 hosts x 5 workers + 2 commands) stay under PostgreSQL's 100.
    pool_size: int = 3  # connections kept open per process (one app worker, one command)
    max_overflow: int = 2  # extra connections under a burst, closed when returned
    pool_timeout_s: int = 10  # wait for a free pooled connection before failing
    pool_recycle_s: int = 1800  # reopen connections older than this (proxies drop idle ones)
    connect_timeout_s: int = 5  # an unreachable server fails the request, not hangs it
    statement_timeout_ms: int = 10_000  # PostgreSQL: no statement (or lock wait) runs longer
    idle_in_transaction_timeout_ms: int = 60_000  # PostgreSQL: a stuck process frees its locks
    sqlite_busy_timeout_ms: int = 30_000  # SQLite: wait this long for another writer

    @classmethod
    def from_env(cls) -> DatabaseSettings:
        defaults = cls()
        return cls(
            pool_size=_env_int("TS_STORE_DB_POOL_SIZE", defaults.pool_size),
            max_overflow=_env_int("TS_STORE_DB_MAX_OVERFLOW", defaults.max_overflow),
            pool_timeout_s=_env_int("TS_STORE_DB_POOL_TIMEOUT", defaults.pool_timeout_s),
            pool_recycle_s=_env_int("TS_STORE_DB_POOL_RECYCLE", defaults.pool_recycle_s),
            connect_timeout_s=_env_int("TS_STORE_DB_CONNECT_TIMEOUT", defaults.connect_timeout_s),
            statement_timeout_ms=_env_int(
                "TS_STORE_DB_STATEMENT_TIMEOUT_MS", defaults.statement_timeout_ms
            ),
            idle_in_transaction_timeout_ms=_env_int(
                "TS_STORE_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS",
                defaults.idle_in_transaction_timeout_ms,
            ),
            sqlite_busy_timeout_ms=_env_int(
                "TS_STORE_DB_BUSY_TIMEOUT_MS", defaults.sqlite_busy_timeout_ms
            ),
        )


def is_sqlite(url: str | sa.URL) -> bool:
    return sa.make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, settings: DatabaseSettings | None = None) -> sa.Engine:
    """A new engine with the chosen pool and timeouts. The caller disposes it; the app and the
    commands share one per process through `get_engine()`."""
    settings = settings or DatabaseSettings.from_env()
    if is_sqlite(url):
        return _sqlite_engine(url, settings)
    return _server_engine(url, settings)


def _sqlite_engine(url: str, settings: DatabaseSettings) -> sa.Engine:
    """SQLite made safe for several processes: WAL, busy timeout, foreign keys."""
    busy_s = settings.sqlite_busy_timeout_ms / 1000
    engine = create_engine(url, connect_args={"timeout": busy_s, "check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={settings.sqlite_busy_timeout_ms}")
        cursor.close()

    return engine


def _server_engine(url: str, settings: DatabaseSettings) -> sa.Engine:
    connect_args: dict[str, object] = {}
    if sa.make_url(url).get_backend_name() == "postgresql":
        options = (
            f"-c statement_timeout={settings.statement_timeout_ms}"
            f" -c idle_in_transaction_session_timeout={settings.idle_in_transaction_timeout_ms}"
        )
        connect_args = {
            "connect_timeout": settings.connect_timeout_s,
            "options": options,
            # A server or proxy that vanishes without closing the socket is noticed in ~1 min.
            "keepalives": 1,
            "keepalives_idle": 30,
            "keepalives_interval": 10,
            "keepalives_count": 3,
        }
    return create_engine(
        url,
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
        pool_timeout=settings.pool_timeout_s,
        pool_recycle=settings.pool_recycle_s,
        pool_pre_ping=True,  # a connection dropped by a restart is replaced, not handed out
        connect_args=connect_args,
    )


_engines: dict[str, sa.Engine] = {}
_engines_lock = threading.Lock()


def get_engine() -> sa.Engine:
    """This process's engine for TS_STORE_DB_URL, made on first use."""
    url = database_url()
    engine = _engines.get(url)
    if engine is None:
        with _engines_lock:
            engine = _engines.get(url)
            if engine is None:
                engine = _engines[url] = make_engine(url)
    return engine


def dispose_engine(url: str) -> None:
    """Close and forget the engine of one URL (a simulation's copy, when it is discarded)."""
    with _engines_lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def _forget_inherited_connections() -> None:
    """In a forked child: give each engine a new, empty pool; the parent keeps its connections.

    Reflex 0.10 imports and compiles the app in Granian's supervisor, then forks the workers
    (reflex/utils/exec.py, `_preload_for_fork`); compiling a page may read the database (the
    catalogue in force), so the supervisor's pool holds a connection every worker would
    otherwise inherit: one socket used by several processes at once (PostgreSQL answered
    "can't change 'autocommit' now", "EMPTY_QUERY from COMMIT", then dropped it). SQLAlchemy's
    recipe: `dispose(close=False)` in the child.
    """
    for engine in list(_engines.values()):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_inherited_connections)


def dispose_engines() -> None:
    """Close every connection of the engines `get_engine()` made and forget them (tests switch
    databases between tests; a process that exits may call it to close cleanly)."""
    with _engines_lock:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        engine.dispose()


# The database cannot be reached or did not answer in time: the server is down or restarting,
# the network or a proxy dropped the connection, the pool had no free connection, a statement
# or lock wait passed its timeout, SQLite's busy timeout expired. Retrying later can succeed.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.TimeoutError,
    sa.exc.DisconnectionError,
)
_unavailable_error: list[Callable[[], Exception]] = []


def set_unavailable_error(factory: Callable[[], Exception] | None) -> None:
    """What `session_scope` raises instead of a connection-level error (the billing bootstrap
    installs its coded `DatabaseUnavailable`, so a page can word it); None: SQLAlchemy's own."""
    _unavailable_error[:] = [factory] if factory else []


@contextmanager
def session_scope(engine: sa.Engine | None = None) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on error.

    A connection-level failure (`UNAVAILABLE_ERRORS`) becomes the error installed with
    `set_unavailable_error`. Nothing needs resetting when the database returns: the pool
    pre-pings each connection and replaces a dead one (README, "Database settings").
    """
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except UNAVAILABLE_ERRORS as error:
            with contextlib.suppress(sa.exc.SQLAlchemyError):  # the connection may be gone
                session.rollback()
            if _unavailable_error:
                raise _unavailable_error[0]() from error
            raise
        except BaseException:
            session.rollback()
            raise

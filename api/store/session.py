"""Engines and sessions, and the migrations that build the schema.

SQLite runs in WAL mode (readers never wait for the writer) with foreign keys on. Its transactions are
opened by us: a writing session starts with BEGIN IMMEDIATE, so that it takes the write lock before it reads
and two writers queue for it instead of failing with "database is locked" half-way. Within one process the
writers queue on a Python lock first (taken at BEGIN IMMEDIATE, given back once COMMIT or ROLLBACK is done):
SQLite's own busy wait sleeps in steps of up to 100 ms, which would be most of a request's latency under
load. PostgreSQL needs none of this: its row versions and our version counters keep concurrent writers apart.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_WRITE = "tandem_write"
LOCK_TIMEOUT_SECONDS = 30.0


class Database:
    """One engine, and sessions for reading and for writing."""

    def __init__(self, url: str, *, sqlite_synchronous: str = "FULL") -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            factory = _locking_connection(threading.Lock())
            self.engine = create_engine(
                url, connect_args={"timeout": 30, "check_same_thread": False, "factory": factory}
            )
            _configure_sqlite(self.engine, sqlite_synchronous)
        else:
            self.engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(self.engine.execution_options(**{_WRITE: True}), expire_on_commit=False)

    def session(self, *, writing: bool) -> Session:
        """A new session (no connection yet: it connects at its first query); the caller closes it."""
        return self._writer() if writing else self._reader()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._reader() as session:
            yield session

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A plain connection for a read or two, with no session around it (a session costs more CPU than the
        query when there is only one)."""
        with self.engine.connect() as connection:
            yield connection

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session whose transaction may write; the caller commits, anything else rolls back."""
        with self._writer() as session:
            yield session

    def revision(self) -> str | None:
        """The schema's current migration revision, or None if it has none."""
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def _locking_connection(lock: threading.Lock) -> type[sqlite3.Connection]:
    """A sqlite3 connection class that holds `lock` from BEGIN IMMEDIATE until its commit or rollback ends."""

    class LockingConnection(sqlite3.Connection):
        holds_lock = False

        def take_write_lock(self) -> None:
            if not lock.acquire(timeout=LOCK_TIMEOUT_SECONDS):
                raise sqlite3.OperationalError(f"no write turn within {LOCK_TIMEOUT_SECONDS} s")
            self.holds_lock = True

        def give_back(self) -> None:
            if self.holds_lock:
                self.holds_lock = False
                lock.release()

        def commit(self) -> None:
            try:
                super().commit()
            finally:
                self.give_back()

        def rollback(self) -> None:
            try:
                super().rollback()
            finally:
                self.give_back()

        def close(self) -> None:
            try:
                super().close()
            finally:
                self.give_back()

    return LockingConnection


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if not connection.get_execution_options().get(_WRITE, False):
            connection.exec_driver_sql("BEGIN")
            return
        dbapi_connection = connection.connection.dbapi_connection
        dbapi_connection.take_write_lock()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            dbapi_connection.give_back()
            raise


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def upgrade(url: str) -> None:
    """Bring the database at `url` to the newest schema (`alembic upgrade head`)."""
    command.upgrade(alembic_config(url), "head")

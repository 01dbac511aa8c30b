"""Fixtures for the API tests: a fresh database per test on SQLite and on PostgreSQL, seeded with a small
organisation and one token per role, and an HTTP client (httpx, through the app's ASGI interface).

PostgreSQL: each test session creates its own database (`tandem_test_<random>`) on TANDEM_TEST_POSTGRES_URL
(default postgresql+psycopg://postgres@127.0.0.1:5432/test), migrates it once, empties it before every test
and drops it at the end. When PostgreSQL is not reachable its tests are skipped, unless
TANDEM_REQUIRE_POSTGRES=1, which makes that a failure (CI sets it).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from api.app import create_app
from api.settings import Settings
from api.store import plans as plan_store
from api.store.session import Database, upgrade
from api.store.tables import Base
from tests.api.org import Seeded, seed
from triage.model import Scenario
from triage.results import Plan

POSTGRES_URL = os.environ.get("TANDEM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("TANDEM_REQUIRE_POSTGRES") == "1"
BACKENDS = ["sqlite", "postgresql"]
WEBHOOK_KEY = "Yf2ZRgXiV0lDdWKXzLr3T3K6m9nC7QeS0pW4vJb8HuA="  # a Fernet key for the tests' webhook secrets
# The webhook delivery loop does not run in the API tests (webhook_deliver False): the webhook tests drive a
# `Deliverer` themselves, or turn the loop on.


def _postgres_admin_url() -> str | None:
    """The server's URL if PostgreSQL answers, else None (or a failure when it is required)."""
    try:
        engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return POSTGRES_URL
    except Exception as exc:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required (TANDEM_REQUIRE_POSTGRES=1) but {POSTGRES_URL} fails: {exc}")
        return None


@contextmanager
def own_database(server_url: str, prefix: str) -> Iterator[str]:
    """A migrated database of its own (`prefix` + random) on the server at `server_url`; dropped at the end."""
    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of this test session's own on the PostgreSQL server, migrated; dropped at the end."""
    admin_url = _postgres_admin_url()
    if admin_url is None:
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL} (set TANDEM_REQUIRE_POSTGRES=1 to fail instead)")
    with own_database(admin_url, "tandem_test_") as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated SQLite database, copied for every test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


_OWNED_SEQUENCES = text(
    "SELECT s.oid::regclass::text FROM pg_class s"
    " JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')"  # serial (auto) and identity columns
    " JOIN pg_class t ON t.oid = d.refobjid WHERE s.relkind = 'S' AND t.relname = ANY(:tables)"
)


def empty_postgres(url: str) -> None:
    """Every table of the app emptied and the sequences of their columns restarted, as TRUNCATE ... RESTART
    IDENTITY would: by DELETE, children first, which on tables of a test's few rows takes 0.1-0.15 s where the
    TRUNCATE of every table took 0.5 s (it makes and syncs new files for each), before every PostgreSQL test."""
    engine = create_engine(url)
    tables = [t.name for t in Base.metadata.sorted_tables]
    with engine.begin() as connection:
        for name in reversed(tables):
            connection.execute(text(f'DELETE FROM "{name}"'))
        for sequence in connection.execute(_OWNED_SEQUENCES, {"tables": tables}).scalars():
            connection.execute(text(f"ALTER SEQUENCE {sequence} RESTART"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated, empty database: a copy of the SQLite template, or the emptied PostgreSQL one."""
    if request.param == "sqlite":
        path = tmp_path / "tandem.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_database")
    empty_postgres(url)
    return url


@dataclass
class Api:
    """An HTTP client for the app, with the seeded organisation's tokens by principal id."""

    client: TestClient
    seeded: Seeded
    settings: Settings
    extra: dict[str, Any] = field(default_factory=dict)

    def headers(self, who: str | None, **more: str) -> dict[str, str]:
        auth = {"Authorization": f"Bearer {self.seeded.tokens[who]}"} if who else {}
        return {**auth, **more}

    def get(self, path: str, who: str | None, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers(who, **kwargs.pop("headers", {})), **kwargs)

    def post(self, path: str, who: str | None, json: Any = None, **kwargs: Any) -> Any:
        return self.client.post(path, headers=self.headers(who, **kwargs.pop("headers", {})), json=json, **kwargs)

    def patch(self, path: str, who: str | None, json: Any, etag: str | None, **kwargs: Any) -> Any:
        more = {"If-Match": etag} if etag is not None else {}
        return self.client.patch(path, headers=self.headers(who, **more), json=json, **kwargs)

    def put(self, path: str, who: str | None, json: Any, etag: str | None) -> Any:
        more = {"If-Match": etag} if etag is not None else {}
        return self.client.put(path, headers=self.headers(who, **more), json=json)


def make_settings(database_url: str, **overrides: Any) -> Settings:
    from tests.api.org import NOW

    values: dict[str, Any] = {
        "database_url": database_url,
        "fixed_now": NOW,
        "plan_time_limit_seconds": 3,
        "plan_workers": 1,
        "migrate_on_start": False,
        "sqlite_synchronous": "NORMAL",
        "webhook_secret_key": WEBHOOK_KEY,
        "webhook_deliver": False,
        "live_replan": False,
    }
    return Settings(**{**values, **overrides})


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Tests override settings by overriding this fixture (or with @pytest.mark.parametrize on it)."""
    return {}


@pytest.fixture(scope="session")
def sqlite_seeded_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seeded]:
    """The SQLite template seeded once (`seed`: the organisation, the principals and their tokens), copied
    for every API test on SQLite instead of seeding each copy: the copy is the same rows, tokens included."""
    path = tmp_path_factory.mktemp("seeded") / "seeded.db"
    shutil.copy(sqlite_template, path)
    return path, seed(f"sqlite:///{path}")  # disposed when seeded: no write-ahead log is left beside the file


@dataclass(frozen=True)
class PostgresSeed:
    """The session database's rows just after `seed`, each table's in COPY's text format (so every value
    comes back as it was stored), and its sequences' states."""

    tables: dict[str, bytes]
    sequences: list[tuple[str, int, bool]]  # name, last_value, is_called
    seeded: Seeded

    @classmethod
    def take(cls, url: str) -> PostgresSeed:
        empty_postgres(url)
        seeded = seed(url)
        names = [t.name for t in Base.metadata.sorted_tables]
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                sequences = [
                    (name, *connection.execute(text(f"SELECT last_value, is_called FROM {name}")).one())
                    for name in connection.execute(_OWNED_SEQUENCES, {"tables": names}).scalars()
                ]
            raw = engine.raw_connection()
            try:
                cursor = raw.cursor()
                tables = {}
                for name in names:
                    with cursor.copy(f'COPY "{name}" TO STDOUT') as copy:
                        tables[name] = b"".join(bytes(chunk) for chunk in copy)
                raw.commit()
            finally:
                raw.close()
        finally:
            engine.dispose()
        empty_postgres(url)  # as the test that asked first found it
        return cls(tables=tables, sequences=sequences, seeded=seeded)

    def restore(self, url: str) -> None:
        """Into the emptied database: the rows, parents first, and the sequences where seeding left them."""
        engine = create_engine(url)
        try:
            raw = engine.raw_connection()
            try:
                cursor = raw.cursor()
                for name, data in self.tables.items():
                    if data:
                        with cursor.copy(f'COPY "{name}" FROM STDIN') as copy:
                            copy.write(data)
                for name, last_value, is_called in self.sequences:
                    cursor.execute("SELECT setval(%s, %s, %s)", (name, last_value, is_called))
                raw.commit()
            finally:
                raw.close()
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def postgres_seed(postgres_database: str) -> PostgresSeed:
    return PostgresSeed.take(postgres_database)


def seed_fresh(request: pytest.FixtureRequest, database_url: str) -> Seeded:
    """`seed(database_url)` on the fresh database, from what one `seed` left, taken once per session: on
    SQLite by copying the seeded template over it, on PostgreSQL by copying the rows back in."""
    if database_url.startswith("sqlite:///"):
        template, tokens = request.getfixturevalue("sqlite_seeded_template")
        shutil.copy(template, database_url.removeprefix("sqlite:///"))
        return tokens  # type: ignore[no-any-return]
    snapshot: PostgresSeed = request.getfixturevalue("postgres_seed")
    snapshot.restore(database_url)
    return snapshot.seeded


@pytest.fixture
def api(request: pytest.FixtureRequest, database_url: str, settings_overrides: dict[str, Any]) -> Iterator[Api]:
    seeded = seed_fresh(request, database_url)
    settings = make_settings(database_url, **settings_overrides)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield Api(client=client, seeded=seeded, settings=settings)


def stored_plan(api: Api, plan_id: int) -> tuple[Scenario, Plan]:
    """A stored plan and the scenario it was computed from, read from the app's database."""
    database = Database(api.settings.database_url)
    try:
        with Session(database.engine) as session:
            row = plan_store.get(session=session, plan_id=plan_id)
            assert row is not None
            scenario = plan_store.scenario_of(row)
            assert scenario is not None
            return scenario, plan_store.body(row)
    finally:
        database.dispose()

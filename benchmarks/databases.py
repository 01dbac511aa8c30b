"""The benchmarks' own PostgreSQL databases: a fresh database on the local server for one run, dropped at the
end (`TANDEM_TEST_POSTGRES_URL`, the tests' server, default postgres@127.0.0.1:5432, trust)."""

from __future__ import annotations

import os
import sys
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get("TANDEM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def postgres_database(prefix: str = "tandem_bench_") -> tuple[str, str] | None:
    """A fresh database on the local PostgreSQL server: (its URL, its name), or None (said on stderr) when the
    server does not answer, so that a benchmark skips that backend."""
    name = f"{prefix}{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:
        print(f"PostgreSQL not reachable at {POSTGRES_URL}: {exc}", file=sys.stderr)
        return None
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False), name


def drop_postgres(name: str) -> None:
    """Drop a database `postgres_database` made (its connections are ended first)."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()

"""The API's configuration: one pydantic-settings class, read from the environment and validated once at
start-up (`Settings()` in `tandem serve`, or given to `create_app` by tests). Nothing reads the environment
anywhere else.

Variables: `DATABASE_URL` (or `TANDEM_DATABASE_URL`), and `TANDEM_<FIELD>` for every other field.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the API process needs to know, with units in the names."""

    model_config = SettingsConfigDict(env_prefix="TANDEM_", extra="ignore", frozen=True)

    database_url: str = Field(
        "sqlite:///./tandem.db",
        validation_alias=AliasChoices("DATABASE_URL", "TANDEM_DATABASE_URL", "database_url"),
        description="SQLAlchemy URL: a SQLite file by default, postgresql+psycopg://... for several processes.",
    )
    migrate_on_start: bool = Field(True, description="Run `alembic upgrade head` when the app starts.")
    max_body_bytes: int = Field(1_048_576, ge=1024, description="Larger request bodies are refused with 413.")
    body_timeout_seconds: float = Field(
        10.0, gt=0, le=600, description="A request body not all received this long after its headers gets 408."
    )
    plan_sync_max_requests: int = Field(
        60,
        ge=0,
        description="Plans of at most this many open requests are computed at once (201); larger: a job (202).",
    )
    plan_time_limit_seconds: float = Field(10.0, gt=0, le=600, description="Default solver time limit of a plan.")
    plan_max_time_limit_seconds: float = Field(60.0, gt=0, le=3600, description="Largest time limit a caller may ask.")
    plan_workers: int = Field(2, ge=1, le=64, description="CP-SAT search workers per plan.")
    job_stale_seconds: float = Field(
        30.0,
        gt=0,
        description="A running job whose heartbeat is older than this is reported failed (its process died).",
    )
    fixed_now: datetime | None = Field(
        None, description="Freeze the clock at this aware instant (the demo and tests); absent: the real clock."
    )
    gc_thresholds: tuple[int, int, int] = Field(
        (100_000, 50, 100),
        description="Python's garbage collector thresholds while the app runs. An answer allocates many short-lived "
        "objects (a page of 2,000 requests); rarer collections took the queue read's p99 from about 120 to 50 ms.",
    )
    sqlite_synchronous: str = Field(
        "FULL",
        description="SQLite's synchronous pragma: FULL syncs every commit to disk (survives power loss). NORMAL, in "
        "WAL mode, syncs only at checkpoints: a committed write survives the process being killed, but the last "
        "ones can be lost when the machine loses power or the OS crashes. FULL cost about 0.3 ms per commit here.",
    )

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL")
        if value.startswith("postgresql://"):  # the plain scheme means psycopg2 to SQLAlchemy; we ship psycopg 3
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("fixed_now")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("fixed_now needs a UTC offset, e.g. 2026-11-23T09:00:00+01:00")
        return value

    @field_validator("sqlite_synchronous")
    @classmethod
    def _pragma(cls, value: str) -> str:
        if value.upper() not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
            raise ValueError("one of OFF, NORMAL, FULL, EXTRA")
        return value.upper()

"""The API's configuration: one pydantic-settings class, read from the environment and validated once at
start-up (`Settings()` in `tandem serve`, or given to `create_app` by tests). Nothing reads the environment
anywhere else.

Variables: `DATABASE_URL` (or `TANDEM_DATABASE_URL`), and `TANDEM_<FIELD>` for every other field.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.limits import Limits


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
    upload_timeout_seconds: float = Field(
        300.0,
        gt=0,
        le=3600,
        description="An upload (POST /imports) not all received this long after its headers "
        "gets 408: an export of tens of megabytes needs longer than an ordinary body.",
    )
    plan_sync_max_requests: int = Field(
        60,
        ge=0,
        description="Plans of at most this many open requests are computed at once (201); larger: a job (202).",
    )
    plan_time_limit_seconds: float = Field(10.0, gt=0, le=600, description="Default solver time limit of a plan.")
    plan_max_time_limit_seconds: float = Field(60.0, gt=0, le=3600, description="Largest time limit a caller may ask.")
    plan_workers: int = Field(2, ge=1, le=64, description="CP-SAT search workers per plan.")
    plan_in_child: bool = Field(
        False,
        description="Plan in a short-lived child process (`api.offload`): a small plan at once, what-ifs, help, "
        "explanations, report effects and the live re-plan, so that a planner's memory (and a crash) is its own. "
        "Off by default: in the soak it did not change the API processes' growth, and it costs a fork server "
        "(about 155 MB) per API process and a few hundred ms a what-if (benchmarks/RESULTS.md, Soak, runs 11-14).",
    )
    limits: Limits = Field(
        default_factory=Limits,
        description="Admission control: the largest scenario and simulation accepted (`api.limits`, read from "
        "TANDEM_LIMIT_<FIELD>); larger ones are refused with 413 before any work starts.",
    )
    job_stale_seconds: float = Field(
        30.0,
        gt=0,
        description="A running job whose heartbeat is older than this is reported failed (its process died).",
    )
    embedded_worker: bool = Field(
        True,
        description="Run a job worker inside the API process (the embedded default); false when `tandem worker` "
        "processes run the jobs (several API processes, or workers on other machines).",
    )
    solver_slots: int = Field(1, ge=1, le=32, description="Plan jobs one worker process runs at once.")
    simulation_slots: int = Field(1, ge=1, le=32, description="Simulation jobs one worker process runs at once.")
    solver_jobs_max: int = Field(
        1, ge=1, le=256, description="Plan jobs running at once in the whole deployment (all workers together)."
    )
    simulation_jobs_max: int = Field(
        1, ge=1, le=256, description="Simulation jobs running at once in the whole deployment, apart from plans."
    )
    simulation_max_seconds: float = Field(
        900.0, gt=0, le=86_400, description="A simulation job running longer than this is stopped and failed."
    )
    live_replan: bool = Field(
        True, description="Re-plan in the background after changes to the queue (the live queue); off: leads plan."
    )
    live_replan_delay_seconds: float = Field(
        0.5,
        ge=0,
        le=3600,
        description="Debounce: the live re-plan starts once the newest change is this old (one re-plan per burst).",
    )
    live_replan_time_limit_seconds: float = Field(
        10.0,
        gt=0,
        le=600,
        description="Wall-clock limit of one live re-plan: a backstop to its work limit, generous so that a loaded "
        "machine does not cut the search (at M it needs under 1 s of CPU); a search it cuts is dropped and the "
        "tentative plan stands. The whole plan's limit when the whole plan is re-planned (the first plan, a "
        "policy or calendar change).",
    )
    live_replan_work_units: float = Field(
        0.1,
        gt=0,
        le=1000,
        description="Deterministic work limit of one live re-plan's search (CP-SAT's units, one worker, seed 0): the "
        "same queue gives the same plan whatever the machine's load. The defaults keep a re-plan at M within 2 s "
        "of the change (benchmarks/RESULTS.md, Live queue).",
    )
    heap_trim_seconds: float = Field(
        30.0,
        ge=0,
        le=3600,
        description="Every this many seconds an API process gives the C heap's free pages back to the system "
        "(glibc's malloc_trim; planning in threads leaves tens of MB free inside the heaps, which glibc would keep); "
        "0: never.",
    )
    fixed_now: datetime | None = Field(
        None, description="Freeze the clock at this aware instant (the demo and tests); absent: the real clock."
    )
    gc_thresholds: tuple[int, int, int] = Field(
        (100_000, 50, 100),
        description="Python's garbage collector thresholds while the app runs. An answer allocates many short-lived "
        "objects (a page of 2,000 requests); rarer collections took the queue read's p99 from about 120 to 50 ms.",
    )
    session_secret: str | None = Field(
        None,
        min_length=32,
        description="Key that signs the console's session cookies; absent: a random key per process (sessions end "
        "when it restarts). Set it when several API processes serve the console.",
    )
    session_hours: float = Field(8.0, gt=0, le=24 * 30, description="A console session lasts this long after sign-in.")
    sqlite_synchronous: str = Field(
        "FULL",
        description="SQLite's synchronous pragma: FULL syncs every commit to disk (survives power loss). NORMAL, in "
        "WAL mode, syncs only at checkpoints: a committed write survives the process being killed, but the last "
        "ones can be lost when the machine loses power or the OS crashes. FULL cost about 0.3 ms per commit here.",
    )

    listen_host: str = Field("127.0.0.1", description="The address `tandem serve` listens on.")
    listen_port: int | None = Field(
        None, ge=1, le=65535, description="The port `tandem serve` listens on: a webhook URL to it is refused."
    )
    webhook_secret_key: SecretStr | None = Field(
        None,
        description="Fernet key(s), comma-separated, the first encrypting: webhook secrets are kept encrypted "
        "under it. Generated and kept by the deployment; without it no subscription can be made.",
    )
    webhook_deliver: bool = Field(True, description="Run the webhook delivery loop in this process.")
    webhook_poll_seconds: float = Field(1.0, gt=0, le=60, description="How often the delivery loop looks for work.")
    webhook_timeout_seconds: float = Field(
        10.0, gt=0, le=120, description="A receiver that has not answered within this is cut off (a failure)."
    )
    webhook_lease_margin_seconds: float = Field(
        30.0,
        gt=0,
        description="A claimed delivery is due again this long after its timeout when its sender died meanwhile.",
    )
    webhook_max_attempts: int = Field(
        8, ge=1, le=50, description="Failures in a row after which a delivery is dead (replay it to try again)."
    )
    webhook_retry_base_seconds: float = Field(
        10.0, gt=0, description="The wait after the first failure; it doubles after each failure in a row."
    )
    webhook_retry_max_seconds: float = Field(3600.0, gt=0, description="The longest wait between two attempts.")
    webhook_concurrency: int = Field(4, ge=1, le=64, description="Deliveries sent at once by one process.")

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

    @field_validator("webhook_secret_key")
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        from api.webhooks.signing import check_keys

        check_keys(value.get_secret_value() if value else None)
        return value

    def webhook_keys(self) -> str | None:
        return self.webhook_secret_key.get_secret_value() if self.webhook_secret_key else None

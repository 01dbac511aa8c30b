"""`tandem worker`: a job worker process (plans and simulations), for deployments where the API processes do
not run jobs themselves (TANDEM_EMBEDDED_WORKER=false): several API processes, or workers on more machines
sharing the PostgreSQL database."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer

from api.cli.common import out


def worker() -> None:
    """Run jobs from the database's queues until stopped (Ctrl-C or SIGTERM): DATABASE_URL chooses the database;
    TANDEM_SOLVER_SLOTS and TANDEM_SIMULATION_SLOTS how many jobs this process runs at once."""
    from api.jobs.worker import Worker, worker_name
    from api.settings import Settings
    from api.store.session import Database, upgrade

    settings = Settings()
    if settings.migrate_on_start:
        upgrade(settings.database_url)
    database = Database(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    running = Worker(database, settings)
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    running.start()
    out.print(
        f"Tandem worker {worker_name()}: {settings.solver_slots} plan slot(s), "
        f"{settings.simulation_slots} simulation slot(s); Ctrl-C stops it.",
        markup=False,
    )
    stop.wait()
    running.stop()
    database.dispose()


def register(app: typer.Typer) -> None:
    app.command()(worker)

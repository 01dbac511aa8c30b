"""The `tandem` console script's entry point. It imports the command line only when called: a job's child
process (`api.jobs.worker`, started with multiprocessing's spawn) re-imports the script that started its worker,
and should not import the whole CLI, the solver and the store before `api.child` has asked the kernel to end
it with its worker."""

from __future__ import annotations


def main() -> None:
    from api.cli import main as run

    run()

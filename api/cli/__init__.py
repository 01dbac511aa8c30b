"""The `tandem` command line: one Typer app, one module per family of commands.

- `planning`: validate, plan, explain, report, what-if, help, schema (scenario files in, answers out);
- `serve`: the HTTP API (and the demo);
- `simulate`: a manager's staffing simulation;
- `importing`: a ticketing system's export into the database (`tandem import`);
- `worker`: a job worker process;
- `replay`: an export's history replayed under Tandem's plans, compared with the log (`tandem replay`).

Exit status: 0 on success, 2 when the input is bad (every problem is printed, with its record and field,
and nothing is planned), 1 on an unexpected failure.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Tandem: priority triage and workload balancing for internal service teams.",
    no_args_is_help=True,
    add_completion=False,
)

from api.cli import importing, planning, replay, serve, simulate, worker  # noqa: E402 - each module registers its commands on `app`
from api.cli.common import _Clock, begin, process_started  # noqa: E402


@app.callback()
def _begin() -> None:
    begin()


def main() -> None:
    """The `tandem` script: the time limit of a plan counts from the process's start."""
    _Clock.process = process_started()
    app()


planning.register(app)
serve.register(app)
simulate.register(app)
importing.register(app)
worker.register(app)
replay.register(app)

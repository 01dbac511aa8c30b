"""`tandem simulate`: a manager's staffing simulation from the command line.

Each change option is one variant (`--combine` puts them all into one), or variants come from a JSON file
(`--variants`); baseline and variants run on the same seeded arrivals, and the answer is a side-by-side table,
one paragraph per variant, optionally a PNG (`--plot`) or the whole result as JSON (`--json`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import TypeAdapter, ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.cli.common import err, out, read_scenario
from api.cli.simulate_args import FORMS, BadOption, variants_from_options
from api.limits import Limits, TooLarge, admit_simulation
from api.simulations.pool import side_by_side
from solver.simulation.run import Progress as Step
from solver.simulation.run import SimulationParams, simulate
from triage.demand import PROFILE
from triage.errors import ScenarioError
from triage.model import Scenario
from triage.names import Planner
from triage.simulation.arrivals import observed_rates
from triage.simulation.changes import Variant
from triage.simulation.outcomes import Simulation
from triage.simulation.text import number

BAD_INPUT = 2
_variants = TypeAdapter(list[Variant])


def _option(name: str, what: str) -> object:
    return typer.Option(name, help=f"{what} ({FORMS[name]}); repeat for more variants.")


def simulate_command(
    scenario: Annotated[Path, typer.Argument(help="The organisation as it is: a scenario JSON file.")],
    days: Annotated[int, typer.Option(min=1, max=60, help="Working days to simulate.")] = 10,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the arrivals.")] = 1,
    seeds: Annotated[int, typer.Option(min=1, max=20, help="Seeds seed, seed+1, ...; outcomes pooled.")] = 1,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Processes for the runs.")] = 1,
    planner: Annotated[Planner, typer.Option(help="routing (instant) or search (slower, a little better).")] = (
        Planner.ROUTING
    ),
    hire: Annotated[list[str] | None, _option("--hire", "Hire a new agent")] = None,
    leave: Annotated[list[str] | None, _option("--leave", "An agent leaves")] = None,
    time_off: Annotated[list[str] | None, _option("--time-off", "An agent is away")] = None,
    skill: Annotated[list[str] | None, _option("--skill", "An agent learns a skill")] = None,
    hours: Annotated[list[str] | None, _option("--hours", "An agent's new working hours")] = None,
    surge: Annotated[list[str] | None, _option("--surge", "A department's demand multiplied")] = None,
    variants_file: Annotated[
        Path | None, typer.Option("--variants", help="A JSON file: a list of {name, changes} variants.")
    ] = None,
    combine: Annotated[bool, typer.Option("--combine", help="All change options in one variant.")] = False,
    arrivals_per_day: Annotated[
        float | None, typer.Option(min=0, help="Arrivals per working day (default: as observed in the file).")
    ] = None,
    plot: Annotated[Path | None, typer.Option(help="Write a PNG of on-time rates and backlog here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the simulation as JSON.")] = False,
) -> None:
    """Simulate staffing changes: baseline and variants on the same arrivals, side by side."""

    loaded = read_scenario(scenario)
    given = [
        ("--hire", hire),
        ("--leave", leave),
        ("--time-off", time_off),
        ("--skill", skill),
        ("--hours", hours),
        ("--surge", surge),
    ]
    options = [(name, value) for name, values in given for value in values or []]
    variants = _variants_of(loaded, options, combine, variants_file)
    try:
        admit_simulation(len(variants), seeds, days, Limits())
    except TooLarge as exc:
        _fail([str(exc)])
    params = SimulationParams(days=days, seed=seed, seeds=seeds, planner=planner, processes=workers)
    rates = observed_rates(
        loaded, arrivals_per_day, [float(n) for n in PROFILE.hour_counts], [float(n) for n in PROFILE.weekday_counts]
    )
    result = _run(loaded, variants, rates, params, quiet=as_json)
    if plot is not None:
        from api.plots import plot_simulation

        plot_simulation(loaded, result, plot)
        err.print(f"Wrote {plot}", markup=False)
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    print_simulation(loaded, result)


def _variants_of(scenario: Scenario, options: list[tuple[str, str]], combine: bool, path: Path | None) -> list[Variant]:
    try:
        variants = variants_from_options(options, scenario, combine=combine)
        if path is not None:
            raw = json.loads(path.read_bytes())
            variants += _variants.validate_python(raw.get("variants") if isinstance(raw, dict) else raw)
    except BadOption as exc:
        _fail([str(exc)])
    except OSError as exc:
        _fail([f"{path}: cannot read the file: {exc.strerror or exc}"])
    except (json.JSONDecodeError, ValidationError) as exc:
        lines = (
            [f"{path}: malformed JSON: {exc}"]
            if isinstance(exc, json.JSONDecodeError)
            else [f"{path}: variants[{'.'.join(str(p) for p in e['loc'])}]: {e['msg']}" for e in exc.errors()]
        )
        _fail(lines)
    if not variants:
        _fail(
            ["nothing to compare: give a change (--hire, --leave, --time-off, --skill, --hours, --surge) or --variants"]
        )
    return variants


def _fail(lines: list[str]) -> None:
    err.print(f"{len(lines)} problem(s); nothing was simulated.", markup=False)
    for line in lines:
        err.print(f"  {line}", markup=False)
    raise typer.Exit(BAD_INPUT)


def _run(
    scenario: Scenario, variants: list[Variant], rates: object, params: SimulationParams, quiet: bool
) -> Simulation:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, disable=quiet, transient=True) as bar:
        task = bar.add_task("simulating", total=None)

        def step(p: Step) -> None:
            bar.update(task, completed=p.done, total=p.total, description=f"{p.variant}, seed {p.seed}, day {p.day}")

        try:
            return simulate(scenario, variants, rates, params, step, side_by_side)  # type: ignore[arg-type]
        except ScenarioError as exc:
            bar.stop()
            _fail([str(p) for p in exc.problems])
            raise  # unreachable: _fail exits


def print_simulation(scenario: Scenario, sim: Simulation) -> None:
    """Side by side: totals, on time per department and priority, load per person; then one paragraph each."""
    outcomes = [sim.baseline, *sim.variants]
    names = {d.id: d.name for d in scenario.departments}
    title = (
        f"{len(sim.days)} working days from {sim.start.isoformat()}, {len(sim.seeds)} seed(s), "
        f"{number(sim.arrivals_per_day)} arrivals a day, planner: {sim.planner.value}"
    )
    table = Table(title=title)
    table.add_column("")
    for o in outcomes:
        table.add_column(o.variant, justify="right")
    rows: list[tuple[str, list[str]]] = [
        ("arrivals", [str(o.arrivals) for o in outcomes]),
        ("on time (%)", [number(o.on_time_pct) for o in outcomes]),
        ("backlog at the end (requests)", [number(o.backlog_end_requests) for o in outcomes]),
        ("backlog at the end (hours)", [number(o.backlog_end_hours) for o in outcomes]),
        ("median time to finish (working h)", [number(o.median_hours_to_finish) for o in outcomes]),
        ("90th percentile (working h)", [number(o.p90_hours_to_finish) for o in outcomes]),
    ]
    for key in dict.fromkeys(r.key for o in outcomes for r in o.by_department):
        rows.append((f"on time: {names.get(key, key)} (%)", [_rate(o.by_department, key) for o in outcomes]))
    for key in dict.fromkeys(r.key for o in outcomes for r in o.by_priority):
        rows.append((f"on time: {key} (%)", [_rate(o.by_priority, key) for o in outcomes]))
    for key in dict.fromkeys(f.department_id for o in outcomes for f in o.fairness):
        cells = [
            next(
                (
                    f"{number(f.on_time_share_pct)} / {number(f.fair_share_pct)}"
                    for f in o.fairness
                    if f.department_id == key
                ),
                "-",
            )
            for o in outcomes
        ]
        rows.append((f"on-time share / fair share: {names.get(key, key)} (%)", cells))
    for key in dict.fromkeys(load.agent_id for o in outcomes for load in o.load):
        cells = [next((f"{number(x.load_pct)}" for x in o.load if x.agent_id == key), "-") for o in outcomes]
        rows.append((f"load: {key} (%)", cells))
    for label, cells in rows:
        table.add_row(label, *cells)
    out.print(table)
    for c in sim.comparisons:
        out.print("")
        out.print(c.text, markup=False)


def _rate(rates: list, key: str) -> str:  # type: ignore[type-arg]
    found = next((r for r in rates if r.key == key), None)
    return f"{number(found.on_time_pct)} ({found.on_time}/{found.judged})" if found else "-"


def register(app: typer.Typer) -> None:
    """Add `tandem simulate` to the app."""
    app.command("simulate")(simulate_command)

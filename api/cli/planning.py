"""`tandem validate`, `plan`, `explain`, `report`, `what-if`, `help` and `schema`: scenario files in, answers out."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.cli.common import (
    BAD_INPUT,
    ScenarioPath,
    admit_limit,
    err,
    known,
    out,
    plan_once,
    read_plan,
    read_scenario,
    started,
)
from api.cli.progress import PlanPath, existing_plan, waiting
from solver.counterfactual import what_if
from solver.help import ask_help
from solver.params import SolveParams
from solver.run import plan as make_plan
from solver.tradeoffs import explain_request, override_effects
from triage.errors import ScenarioError
from triage.explanations.digest import summary, why
from triage.explanations.style import Register
from triage.model import Change, Scenario
from triage.names import PlanStatus, Priority
from triage.render import duration, moment
from triage.report import department_report, receipt
from triage.results import Plan


def feasible_plan(scenario: Scenario, time_limit: float, given: Path | None = None) -> Plan:
    """The plan to explain or report on (the `--plan` file when given, else planned with progress shown); when
    the pins cannot all hold, print why and stop (status 0)."""
    if given is not None:
        result = existing_plan(scenario, given)
    else:
        admit_limit(scenario, time_limit)
        result = waiting("planning", time_limit, lambda: plan_once(scenario, time_limit))
    if result.status == PlanStatus.INFEASIBLE:
        print_plan(scenario, result)
        raise typer.Exit(0)
    return result


def validate(scenario: ScenarioPath) -> None:
    """Check a scenario file without planning it."""
    loaded = read_scenario(scenario)
    out.print(
        f"{scenario}: valid: {len(loaded.departments)} departments, {len(loaded.agents)} agents, "
        f"{len(loaded.requests)} requests.",
        markup=False,
    )


def plan(
    scenario: ScenarioPath,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON instead of a table.")] = False,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.01, help="Seconds for the whole plan, model building included.")
    ] = 10.0,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Solver search workers.")] = 8,
    previous: Annotated[
        Path | None,
        typer.Option(help="The last plan (`tandem plan --json` output): re-plan from it and list what moved."),
    ] = None,
    given: PlanPath = None,
    detail: Annotated[
        bool, typer.Option("--detail", help="The engineering view: cost points, terms, rule names and bounds.")
    ] = False,
) -> None:
    """Plan a scenario: who does what and when, and why (with --plan: show that plan, without planning)."""
    loaded = read_scenario(scenario)
    last = read_plan(previous) if previous else None
    params = SolveParams(time_limit_seconds=time_limit, workers=workers)
    if given is not None:
        result = existing_plan(loaded, given)
    else:
        admit_limit(loaded, time_limit)
        result = waiting("planning", time_limit, lambda: make_plan(loaded, params, previous=last, started=started()))
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    print_plan(loaded, result, Register.DETAIL if detail else Register.PEOPLE)


def print_plan(scenario: Scenario, result: Plan, register: Register = Register.PEOPLE) -> None:
    """The plan as a table, then its summary and one line per request saying why, in the register; pin
    conflicts and moves when there are."""
    if result.status == PlanStatus.INFEASIBLE:
        out.print("No plan keeps every pin.", style="bold", markup=False)
        for conflict in result.conflicts:
            out.print(conflict.text, markup=False)
        return
    zone, now = scenario.calendar.zone, scenario.now
    names = {a.id: a.name for a in scenario.agents}
    requests = {r.id: r for r in scenario.requests}
    departments = {d.id: d.name for d in scenario.departments}
    table = Table(title=f"Plan from {moment(now, zone, now)} to {moment(result.horizon_end, zone, now)}")
    for column in ("request", "department", "priority", "agent", "start", "end", "late by"):
        table.add_column(column)
    for a in sorted(result.assignments, key=lambda x: (x.start_minute, x.agent_id)):
        request = requests[a.request_id]
        late = duration(a.minutes_late) if a.minutes_late else ""
        table.add_row(
            f"{a.request_id} {request.title}",
            departments[request.department],
            a.priority.value,
            names[a.agent_id],
            moment(a.start, zone, now),
            moment(a.end, zone, now),
            late,
        )
    for u in result.unassigned:
        request = requests[u.request_id]
        table.add_row(
            f"{u.request_id} {request.title}",
            departments[request.department],
            u.priority.value,
            "not planned",
            "",
            "",
            "",
        )
    out.print(table)
    out.print(summary(scenario, result, register), markup=False)
    out.print()
    out.print("Why", style="bold")
    for line in why(scenario, result, register):
        out.print(line, markup=False)
    if result.changes:
        out.print()
        out.print("Moved since the last plan", style="bold")
        for move in result.changes:
            where = f"{names.get(move.from_agent or '', '-')} -> {names.get(move.to_agent or '', 'not planned')}"
            out.print(f"{move.request_id} ({where}): {'; '.join(move.reasons)}.", markup=False)


def explain(
    scenario: ScenarioPath,
    request: Annotated[str, typer.Option("--request", help="The request to explain.")],
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.01, help="Seconds for the plan.")] = 10.0,
    given: PlanPath = None,
    detail: Annotated[
        bool, typer.Option("--detail", help="The engineering view: cost points, terms, rule names and bounds.")
    ] = False,
) -> None:
    """Every explanation about one request, for the queue lead: priority, placement, trade-offs in hours per
    department, why not others, what would help (`--detail`: with cost points and rule names)."""
    loaded = read_scenario(scenario)
    known("--request", request, {r.id for r in loaded.requests}, "request")
    result = feasible_plan(loaded, time_limit, given)
    for explanation in [receipt(loaded, result, request), *explain_request(loaded, result, request)]:
        out.print(f"- {explanation.in_register(Register.DETAIL if detail else Register.LEAD)}", markup=False)


def report(
    scenario: ScenarioPath,
    department: Annotated[str, typer.Option("--department", help="The department to report on.")],
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.01, help="Seconds for the plan.")] = 10.0,
    given: PlanPath = None,
) -> None:
    """What a department asked for, what it gets and when, and why its requests wait."""
    loaded = read_scenario(scenario)
    known("--department", department, {d.id for d in loaded.departments}, "department")
    result = feasible_plan(loaded, time_limit, given)
    for line in department_report(loaded, result, department, override_effects(loaded, result)):
        out.print(line, markup=False)


def _change(
    first: str | None, assign: str | None, before: str | None, absent: str | None, priority: str | None = None
) -> Change:
    given = [
        name
        for name, value in (
            ("--first", first),
            ("--assign", assign),
            ("--before", before),
            ("--absent", absent),
            ("--priority", priority),
        )
        if value
    ]
    if len(given) != 1:
        err.print(
            "give exactly one of --first ID, --assign ID=AGENT, --before A=B, --absent AGENT, "
            "--priority ID=P1 (ID= clears it)",
            markup=False,
        )
        raise typer.Exit(BAD_INPUT)
    for option, value in (("--assign", assign), ("--before", before), ("--priority", priority)):
        if value and value.count("=") != 1:
            err.print(f"{option}: expected two ids joined by '=', got {value!r}", markup=False)
            raise typer.Exit(BAD_INPUT)
    if first:
        return Change(kind="first", request=first)
    if assign:
        request_id, agent_id = assign.split("=")
        return Change(kind="assign", request=request_id, agent=agent_id)
    if before:
        request_id, other = before.split("=")
        return Change(kind="before", request=request_id, other=other)
    if priority:
        request_id, level = priority.split("=")
        if level and level not in {p.value for p in Priority}:
            err.print(f"--priority: {level!r} is not a priority (P1, P2, P3, P4, or none to clear)", markup=False)
            raise typer.Exit(BAD_INPUT)
        return Change(kind="priority", request=request_id, priority=Priority(level) if level else None)
    return Change(kind="absent", agent=absent)


def what_if_command(
    scenario: ScenarioPath,
    first: Annotated[str | None, typer.Option("--first", help="Put this request first.")] = None,
    assign: Annotated[
        str | None, typer.Option("--assign", help="REQUEST=AGENT: give the request to the agent.")
    ] = None,
    before: Annotated[str | None, typer.Option("--before", help="A=B: request A finishes before B starts.")] = None,
    absent: Annotated[str | None, typer.Option("--absent", help="This agent is away for the whole horizon.")] = None,
    priority: Annotated[
        str | None, typer.Option("--priority", help="REQUEST=P1: the lead's priority override; REQUEST= clears it.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the what-if as JSON.")] = False,
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.01, help="Seconds for the plan.")] = 10.0,
    given: PlanPath = None,
    detail: Annotated[
        bool, typer.Option("--detail", help="The engineering view: cost points, terms, rule names and bounds.")
    ] = False,
) -> None:
    """Price a change before making it: what moves, what gets later or earlier, what it costs."""
    loaded = read_scenario(scenario)
    change = _change(first, assign, before, absent, priority)
    if given is not None:
        result = existing_plan(loaded, given)
    else:
        admit_limit(loaded, time_limit)
        params = SolveParams(time_limit_seconds=time_limit)
        result = waiting("planning", time_limit, lambda: make_plan(loaded, params, started=started()))
    try:
        answer = waiting("pricing the change", time_limit, lambda: what_if(loaded, result, change))
    except ScenarioError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False)
        raise typer.Exit(BAD_INPUT) from exc
    if as_json:
        sys.stdout.write(answer.model_dump_json(indent=2) + "\n")
        return
    out.print(answer.detail_text if detail else answer.text, markup=False)


def help_command(
    scenario: ScenarioPath,
    agent: Annotated[str, typer.Option("--agent", help="The agent who asks for help.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.01, help="Seconds for the plan.")] = 10.0,
    given: PlanPath = None,
) -> None:
    """An agent above target asks for help: hand-offs to named peers with the skills and room, with notes."""
    loaded = read_scenario(scenario)
    known("--agent", agent, {a.id for a in loaded.agents}, "agent")
    answer = ask_help(loaded, feasible_plan(loaded, time_limit, given), agent)
    if as_json:
        sys.stdout.write(answer.model_dump_json(indent=2) + "\n")
        return
    for line in [answer.text, *(f"- {p.note}" for p in answer.proposals), *(f"- {w.note}" for w in answer.swarms)]:
        out.print(line, markup=False)


def schema_scenario() -> None:
    """The JSON Schema of a scenario file."""
    sys.stdout.write(json.dumps(Scenario.model_json_schema(), indent=2) + "\n")


def schema_plan() -> None:
    """The JSON Schema of a plan (`tandem plan --json`)."""
    sys.stdout.write(json.dumps(Plan.model_json_schema(), indent=2) + "\n")


def register(app: typer.Typer) -> None:
    """Add these commands to the `tandem` app."""
    app.command()(validate)
    app.command()(plan)
    app.command()(explain)
    app.command()(report)
    app.command("what-if")(what_if_command)
    app.command("help")(help_command)
    schema_app = typer.Typer(help="Print JSON Schemas of Tandem's documents.", no_args_is_help=True)
    schema_app.command("scenario")(schema_scenario)
    schema_app.command("plan")(schema_plan)
    app.add_typer(schema_app, name="schema")

"""The command line's short forms of staffing changes, read into `triage.simulation.changes` changes.

    --hire kim:net=2,db=1[:2026-11-30]      a new agent with skills at levels, from a date
    --leave ben:2026-11-25[:10]             gone from a date, for N calendar days or for good
    --time-off ana:2026-11-25:2026-11-27    away on those days (end included)
    --skill ivan:erp:2                      learns a skill at a level
    --hours hana:09:00-13:00[:mon,tue,wed]  new working hours (default: every weekday the team works)
    --surge sales:x2[:2026-11-24:2026-11-26] a department's arrivals multiplied, optionally on some days

A form that cannot be read raises `BadOption` naming the option and the value.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from triage.model import Scenario
from triage.simulation.changes import StaffingChange, Variant

_RANGE = r"\d{1,2}:\d{2}-\d{1,2}:\d{2}"


class BadOption(ValueError):
    def __init__(self, option: str, value: str, expected: str) -> None:
        super().__init__(f"{option} {value!r}: expected {expected}")


FORMS: dict[str, str] = {
    "--hire": "AGENT:SKILL=LEVEL,SKILL=LEVEL[:FROM-DATE]",
    "--leave": "AGENT:DATE[:DAYS]",
    "--time-off": "AGENT:FROM:TO",
    "--skill": "AGENT:SKILL:LEVEL",
    "--hours": "AGENT:HH:MM-HH:MM[:mon,tue,...]",
    "--surge": "DEPARTMENT:xFACTOR[:FROM:TO]",
}


def _hire(value: str, scenario: Scenario) -> dict[str, Any]:
    parts = value.split(":")
    if len(parts) not in (2, 3) or not parts[1]:
        raise ValueError
    skills = {}
    for item in parts[1].split(","):
        skill, _, level = item.partition("=")
        skills[skill] = int(level or "1")
    return {"kind": "hire", "agent": parts[0], "skills": skills, "start": parts[2] if len(parts) == 3 else None}


def _leave(value: str, scenario: Scenario) -> dict[str, Any]:
    parts = value.split(":")
    if len(parts) not in (2, 3):
        raise ValueError
    return {"kind": "leave", "agent": parts[0], "start": parts[1], "days": int(parts[2]) if len(parts) == 3 else None}


def _time_off(value: str, scenario: Scenario) -> dict[str, Any]:
    agent, start, end = value.split(":")
    return {"kind": "time_off", "agent": agent, "start": start, "end": end}


def _skill(value: str, scenario: Scenario) -> dict[str, Any]:
    agent, skill, level = value.split(":")
    return {"kind": "skill", "agent": agent, "skill": skill, "level": int(level)}


def _hours(value: str, scenario: Scenario) -> dict[str, Any]:
    match = re.fullmatch(rf"([^:]+):({_RANGE})(?::([a-z,]+))?", value)
    if match is None:
        raise ValueError
    team_days = [day.value for day, periods in scenario.calendar.working_hours.items() if periods]
    days = match.group(3).split(",") if match.group(3) else team_days
    return {"kind": "hours", "agent": match.group(1), "working_hours": {day: [match.group(2)] for day in days}}


def _surge(value: str, scenario: Scenario) -> dict[str, Any]:
    parts = value.split(":")
    if len(parts) not in (2, 4):
        raise ValueError
    factor = float(parts[1].removeprefix("x").removeprefix("X"))
    dates = {"start": parts[2], "end": parts[3]} if len(parts) == 4 else {}
    return {"kind": "surge", "department": parts[0], "factor": factor, **dates}


_READERS = {
    "--hire": _hire,
    "--leave": _leave,
    "--time-off": _time_off,
    "--skill": _skill,
    "--hours": _hours,
    "--surge": _surge,
}


def read_change(option: str, value: str, scenario: Scenario) -> StaffingChange:
    """One option's value as a change; BadOption naming the option when it cannot be read."""
    try:
        raw = _READERS[option](value, scenario)
        variant = Variant.model_validate({"name": "x", "changes": [raw]})
    except (ValueError, ValidationError) as exc:
        if isinstance(exc, ValidationError):
            detail = "; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in exc.errors())
            raise BadOption(option, value, f"{FORMS[option]} ({detail})") from exc
        raise BadOption(option, value, FORMS[option]) from exc
    return variant.changes[0]


def variants_from_options(options: list[tuple[str, str]], scenario: Scenario, *, combine: bool) -> list[Variant]:
    """One variant per option (named by the option as written), or all of them in one ('combined')."""
    changes = [
        (f"{option.removeprefix('--')} {value}", read_change(option, value, scenario)) for option, value in options
    ]
    if combine and changes:
        return [Variant(name="combined", changes=[c for _, c in changes])]
    return [Variant(name=name, changes=[change]) for name, change in changes]

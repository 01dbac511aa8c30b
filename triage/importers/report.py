"""The import report: what an export became (counts, departments, agents and their time shares, skills,
effort classes, the calibration check) and what the mapping could not say (warnings). Every number in its
text is a field of the report."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from triage.render import duration


class _Report(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AgentLine(_Report):
    """An agent the export's owners became."""

    id: str = Field(description="The agent's id (from their name).")
    name: str = Field(description="Their name in the source.")
    share_pct: int = Field(description="Share of their time this team gets, in per cent.")
    groups: list[str] = Field(description="The source's groups they owned tickets in.")
    skills: list[str] = Field(description="The skills of the team tickets they owned.")


class EffortLine(_Report):
    """An effort class (skill x priority, skill, or the whole team) and its learned estimate."""

    effort_class: str = Field(description="The class, e.g. 'network P3', 'network' or 'team'.")
    size: int = Field(description="Done tickets the estimate rests on.")
    minutes: int = Field(description="The estimate: clipped median of their active business minutes.")


class Calibration(_Report):
    """The team's estimated work in the export's window against its available working minutes in it."""

    estimated_minutes: int = Field(description="The estimated work of the team's tickets in the window, minutes.")
    available_minutes: int = Field(description="The team's working minutes in the window.")
    load_pct: int = Field(
        description="Estimated over available, in per cent (above 100: the estimates include waiting or multitasking)."
    )


class ImportReport(_Report):
    """What an export became: counts, departments, agents, skills, effort classes, calibration, warnings."""

    format: str = Field(description="The export's format, in words.")
    rows: int = Field(description="Rows (or JSON records) read.")
    tickets: int = Field(description="Tickets they hold (an event log has several rows per ticket).")
    team_tickets: int = Field(description="Tickets of the team's groups (all tickets when no group is named).")
    by_status: dict[str, int] = Field(description="Team tickets by Tandem status.")
    reopened: int = Field(description="Team tickets reopened at least once.")
    departments: int = Field(description="Departments the team's tickets come from.")
    top_departments: list[tuple[str, int]] = Field(description="The departments with most tickets, and how many.")
    agents: list[AgentLine] = Field(description="The agents, with their share of time and skills.")
    skills: list[str] = Field(description="The skills' ids.")
    effort_classes: list[EffortLine] = Field(description="The learned effort per class.")
    calibration: Calibration = Field(description="The estimated work against the team's hours.")
    made_sla_pct: int | None = Field(None, description="The source's own on-time rate of done team tickets.")
    warnings: list[str] = Field(description="What the mapping could not say, e.g. tickets with no category.")


def _wrapped(entries: list[str], width: int = 110) -> list[str]:
    """Comma-separated entries in indented lines of at most about `width` characters."""
    lines: list[str] = []
    for entry in entries:
        if lines and len(lines[-1]) + len(entry) + 2 <= width:
            lines[-1] += f", {entry}"
        else:
            lines.append(f"  {entry}")
    return lines


def render_report(report: ImportReport) -> str:
    """The report as text for a terminal or the README."""
    lines = [
        f"{report.format}: {report.rows:,} rows, {report.tickets:,} tickets, {report.team_tickets:,} of the team",
        "  by status: " + ", ".join(f"{status} {count:,}" for status, count in report.by_status.items()),
        f"  reopened at least once: {report.reopened:,}",
    ]
    if report.made_sla_pct is not None:
        lines.append(f"  the source's own SLA flag: {report.made_sla_pct} % of done tickets on time")
    top = ", ".join(f"{name} {count}" for name, count in report.top_departments)
    lines.append(f"departments: {report.departments:,} (most tickets: {top})")
    shared = [a for a in report.agents if a.share_pct < 100]
    lines.append(
        f"agents: {len(report.agents)}, of whom {len(shared)} also work in other groups (a share of their time):"
    )
    entries = [
        f"{a.name} {a.share_pct} % ({len(a.groups)} group{'' if len(a.groups) == 1 else 's'})"
        for a in sorted(report.agents, key=lambda a: a.name)
    ]
    lines += _wrapped(entries)
    lines.append(f"skills: {len(report.skills)}")
    lines += _wrapped(report.skills)
    lines.append("effort classes (median business time in progress with an owner, clipped):")
    lines += [f"  {e.effort_class}: {duration(e.minutes)} from {e.size} done" for e in report.effort_classes]
    c = report.calibration
    verdict = (
        "above the team's hours: the measured active time includes waiting or multitasking, so the estimates "
        "are likely too high"
        if c.load_pct > 100
        else "within the team's hours"
    )
    lines.append(
        f"calibration: estimated work {duration(c.estimated_minutes)} against {duration(c.available_minutes)} "
        f"available: {c.load_pct} %, {verdict}"
    )
    lines.append(f"warnings: {len(report.warnings)}")
    lines += [f"  {w}" for w in report.warnings]
    return "\n".join(lines)

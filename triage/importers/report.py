"""The import report: what an export became (counts, departments, agents and their time shares, skills,
effort classes, the calibration check) and what the mapping could not say (warnings). Every number in its
text is a field of the report."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from triage.render import duration


class _Report(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AgentLine(_Report):
    id: str
    name: str
    share_pct: int = Field(description="Share of their time this team gets, in per cent.")
    groups: list[str] = Field(description="The source's groups they owned tickets in.")
    skills: list[str]


class EffortLine(_Report):
    effort_class: str
    size: int = Field(description="Done tickets the estimate rests on.")
    minutes: int = Field(description="The estimate: clipped median of their active business minutes.")


class Calibration(_Report):
    """The team's estimated work in the export's window against its available working minutes in it."""

    estimated_minutes: int
    available_minutes: int
    load_pct: int


class ImportReport(_Report):
    format: str
    rows: int
    tickets: int
    team_tickets: int = Field(description="Tickets of the team's groups (all tickets when no group is named).")
    by_status: dict[str, int]
    reopened: int = Field(description="Team tickets reopened at least once.")
    departments: int
    top_departments: list[tuple[str, int]] = Field(description="The departments with most tickets, and how many.")
    agents: list[AgentLine]
    skills: list[str]
    effort_classes: list[EffortLine]
    calibration: Calibration
    made_sla_pct: int | None = Field(None, description="The source's own on-time rate of done team tickets.")
    warnings: list[str]


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
        f"{a.name} {a.share_pct} % ({len(a.groups)} groups)" for a in sorted(report.agents, key=lambda a: a.name)
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

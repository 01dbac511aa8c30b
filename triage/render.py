"""Plain language: durations as "1 h 30 min", times as "Tue 10:30" in the team's time zone, and the
sentences of each explanation kind, built only from the explanation's facts."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

_IMPACT_WORDS = {"company": "the whole company", "department": "a department", "team": "a team", "person": "one person"}
_URGENCY_WORDS = {
    "work_stopped": "stops their work",
    "degraded": "slows their work",
    "inconvenient": "is an inconvenience",
    "can_wait": "can wait",
}


def duration(minutes: int) -> str:
    """Minutes as "1 h 30 min", "45 min", "2 h"."""
    hours, rest = divmod(abs(int(minutes)), 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


def moment(instant: datetime, zone: ZoneInfo, now: datetime) -> str:
    """An instant as "Tue 10:30" in the team's zone when it falls in the six days from now's date,
    otherwise with its date, "Fri 20 Nov 14:00", so that a weekday is never ambiguous."""
    local = instant.astimezone(zone)
    days_ahead = (local.date() - now.astimezone(zone).date()).days
    return local.strftime("%a %H:%M" if 0 <= days_ahead < 7 else "%a %d %b %H:%M")


def possessive(name: str) -> str:
    """ "Sales'" and "Finance's"."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def impact_words(impact: str) -> str:
    return _IMPACT_WORDS.get(impact, impact)


def urgency_words(urgency: str) -> str:
    return _URGENCY_WORDS.get(urgency, urgency)


def people(names: list[str]) -> str:
    """ "Ana", "Ana and Ben", "Ana, Ben and Chloe"."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def skills_phrase(skills: dict[str, int], names: dict[str, str]) -> str:
    """{"network": 2} as "Networking (level 2 or higher)"; level 1 needs no mention."""
    parts = [names.get(s, s) + (f" (level {lvl} or higher)" if lvl > 1 else "") for s, lvl in sorted(skills.items())]
    return people(parts)

"""The style sheet of explanation sentences, as code (docs/explanations.md says it in words).

- Working time: under an hour in minutes rounded to 5 ("15 min"); under a working day in hours and minutes
  ("3 h 30 min"); a working day (8 h) or more in days and hours rounded to the hour ("about 1 day 4 h").
- Names before ids: Sales' "Demo set-up" (REQ-7), people by name, departments by name.
- At most `MAX_SENTENCE_WORDS` words a sentence; a department-wide rule is said once per department.
- Cost points, term and rule names, matrix cells, enum values, per mille, bounds and solver words appear only in
  the detail register.
"""

from __future__ import annotations

import re
from enum import StrEnum

WORKING_DAY_MINUTES = 480  # the unit "day" of a sentence: 8 working hours
MAX_SENTENCE_WORDS = 30


class Register(StrEnum):
    """Who reads a sentence."""

    PEOPLE = "people"  # requesters and department heads: hours, days, names and departments
    LEAD = "lead"  # the queue lead: the people sentence and its trade-off in hours per department
    DETAIL = "detail"  # the engineering view: cost points, term names, matrix cells, bounds


def working_time(minutes: int) -> str:
    """Working minutes as a reader says them: "15 min", "3 h 30 min", "about 1 day 4 h", "2 days"."""
    minutes = abs(int(minutes))
    if minutes < 60:
        return f"{max(5, 5 * round(minutes / 5)) if minutes else 0} min"
    if minutes < WORKING_DAY_MINUTES:
        hours, rest = divmod(5 * round(minutes / 5), 60)
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    rounded = 60 * round(minutes / 60)
    days, hours = divmod(rounded // 60, WORKING_DAY_MINUTES // 60)
    about = "about " if rounded != minutes else ""
    day_words = f"{days} day" + ("s" if days > 1 else "")
    return f"{about}{day_words} {hours} h" if hours else f"{about}{day_words}"


def sentences(text: str) -> list[str]:
    """A text split into sentences at a full stop, question or exclamation mark followed by a space."""
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"'])", text.strip()) if s]


def words(sentence: str) -> int:
    """Words of a sentence: tokens with a letter or a digit ("&" and "-" are not words)."""
    return sum(1 for token in sentence.split() if any(c.isalnum() for c in token))


def article(word: str) -> str:
    """ "an agent", "a lead": the indefinite article before a word."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def by_whom(by: str) -> str:
    """Who made a pin, as a sentence names them: a person by name ("Lee Lead"), a role with "the" ("the queue
    lead"); names are capitalised, roles are not."""
    by = by.strip()
    if not by:
        return "the queue lead"
    return by if by[:1].isupper() else f"the {by}"

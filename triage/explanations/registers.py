"""Every register of an explanation, filled from its facts: the people sentence, the lead's (the people one
with its effect per department), and the detail view (cost points and rule names) rendered by the builder's
own detail renderer."""

from __future__ import annotations

from triage.explanations.lead import lead
from triage.model import Scenario
from triage.results import Explanation


def fill(scenario: Scenario, e: Explanation, people_text: str, detail_text: str) -> Explanation:
    """Set the explanation's three sentences; returns it for chaining."""
    e.text = people_text
    e.lead_text = lead(scenario, e, people_text)
    e.detail_text = detail_text
    return e

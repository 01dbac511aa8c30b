"""The people register of the demo's explanations holds to the style sheet: no term names, enum values, cost
points or solver words; every number in a sentence is a fact of its explanation (or part of a name or title it
mentions); no sentence over the style sheet's length. The lead register is the people sentence plus its effect
per department."""

from __future__ import annotations

import contextlib
import re
from datetime import datetime
from pathlib import Path

import pytest

from solver.run import plan_by_routing
from solver.tradeoffs import DEFAULT_PARAMS, explain_request, let_in, trade_offs
from triage.explanations.digest import summary, why
from triage.explanations.style import MAX_SENTENCE_WORDS, Register, sentences, words, working_time
from triage.intake import load_scenario_json
from triage.model import Scenario
from triage.names import ExplanationKind, Term
from triage.render import duration, moment
from triage.report import receipt
from triage.results import Explanation, Plan

ROOT = Path(__file__).resolve().parents[2]
# words only the engineering view may use: the objective's terms, cost and proof, the model, the matrix
FORBIDDEN = (
    *(t.value for t in (Term.LATENESS, Term.DEFERRAL, Term.OVERLOAD, Term.SPREAD, Term.CHURN, Term.FAIRNESS)),
    "cost", "costs", "points", "per mille", "bound", "optimal", "objective", "solver", "cp-sat", "penalty",
    "variable", "constraint", "matrix", "weigh", "weighs", "weight", "weighted", "term", "gap", "heuristic",
)  # fmt: skip
ENUM_VALUE = re.compile(r"\b[a-z]+_[a-z_]+\b")  # work_stopped, missing_skill, no_room, in_progress ...
COST_POINTS = re.compile(r"\b\d{1,3}(,\d{3})+\b|\b\d{5,}\b")


@pytest.fixture(scope="module")
def demo() -> Scenario:
    return load_scenario_json((ROOT / "fixtures" / "demo.json").read_bytes())


@pytest.fixture(scope="module")
def routed(demo: Scenario) -> Plan:
    return plan_by_routing(demo)


@pytest.fixture(scope="module")
def explained(demo: Scenario, routed: Plan) -> list[Explanation]:
    out = list(routed.explanations) + trade_offs(demo, routed, DEFAULT_PARAMS)
    out += [receipt(demo, routed, r.id) for r in demo.requests if r.status != "done"]
    late = [a.request_id for a in routed.assignments if a.minutes_late][:4]
    out += [let_in(demo, routed, rid, DEFAULT_PARAMS) for rid in late]
    out += explain_request(demo, routed, "REQ-120", DEFAULT_PARAMS)
    return out


TITLES: list[str] = [r.title for r in load_scenario_json((ROOT / "fixtures" / "demo.json").read_bytes()).requests]


def _people_problems(text: str) -> list[str]:
    for title in TITLES:  # titles are the requesters' own words
        text = text.replace(title, "")
    lowered = text.lower()
    found = [w for w in FORBIDDEN if re.search(rf"\b{re.escape(w)}\b", lowered)]
    return found + ENUM_VALUE.findall(text) + [m.group(0) for m in COST_POINTS.finditer(text)]


def test_the_word_list_catches_the_engineering_view(demo: Scenario, routed: Plan, explained: list[Explanation]) -> None:
    # the check is not vacuous: the detail sentences of the same explanations trip it
    assert any(_people_problems(e.detail_text) for e in explained if e.detail_text)
    assert _people_problems(summary(demo, routed, Register.DETAIL))


def test_the_people_and_lead_registers_hold_no_engineering_words(
    demo: Scenario, routed: Plan, explained: list[Explanation]
) -> None:
    for e in explained:
        for text in (e.text, e.lead_text):
            assert not _people_problems(text), text
    for line in [summary(demo, routed), *why(demo, routed)]:
        assert not _people_problems(line), line


def _allowed_numbers(demo: Scenario, e: Explanation) -> set[str]:
    """Every number the explanation's facts can show: raw, as working time, as a moment; and the digits of the
    names and titles of the requests, people and skills the sentence mentions."""
    out: set[str] = set()
    for fact in e.facts:
        shown = [str(fact.value), fact.name]
        if isinstance(fact.value, int):
            shown += [working_time(fact.value), duration(fact.value)]
        else:
            with contextlib.suppress(ValueError):  # not every text fact is a moment
                shown.append(moment(datetime.fromisoformat(fact.value), demo.calendar.zone, demo.now))
        out |= {n for text in shown for n in re.findall(r"\d+", text)}
    for request in demo.requests:
        if request.id in e.text or request.id in e.lead_text:
            out |= set(re.findall(r"\d+", f"{request.id} {request.title}"))
    names = [a.name for a in demo.agents] + [s.name for s in demo.skills] + [d.name for d in demo.departments]
    return out | {n for name in names for n in re.findall(r"\d+", name)}


def test_every_number_in_a_sentence_is_a_fact_of_its_explanation(demo: Scenario, explained: list[Explanation]) -> None:
    for e in explained:
        allowed = _allowed_numbers(demo, e)
        for text in (e.text, e.lead_text):
            stray = [n for n in re.findall(r"\d+", text) if n not in allowed]
            assert not stray, (stray, text)


def _words_outside_titles(sentence: str) -> int:
    """Words of a sentence, a quoted title counting as one."""
    return words(re.sub(r'"[^"]*"', "TITLE", sentence))


def test_no_sentence_exceeds_the_style_sheets_length(
    demo: Scenario, routed: Plan, explained: list[Explanation]
) -> None:
    texts = [t for e in explained for t in (e.text, e.lead_text)] + why(demo, routed) + [summary(demo, routed)]
    for text in texts:
        for title in TITLES:  # a title counts as one word, quoted or at the head of a Why line
            text = text.replace(title, "TITLE")
        for sentence in sentences(text):
            assert _words_outside_titles(sentence) <= MAX_SENTENCE_WORDS, sentence


SEARCHED = re.compile(
    r" Worked out by re-arranging (\d+) (?:of [\w ]+'s requests|requests of (\d+) teammates) with that change, the"
    r" rest of the plan as it is: (no better arrangement of them exists\.|the best found in [\d.]+ s\. It was not"
    r" searched to the end: a better one may exist\.)$"
)


def test_the_lead_register_adds_the_trade_off_per_department(demo: Scenario, explained: list[Explanation]) -> None:
    offs = [e for e in explained if e.kind == ExplanationKind.TRADE_OFF]
    assert offs
    for e in offs:
        assert e.lead_text.startswith(e.text)
        searched = SEARCHED.search(e.lead_text)
        assert searched is not None, e.lead_text  # a claim says how its alternative was searched
        assert int(searched.group(1)) == e.fact("searched_requests")
        assert int(searched.group(2) or 1) == e.fact("searched_teammates")
        assert searched.group(3).startswith("no better") == bool(e.fact("search_proven"))
        moved = e.lead_text[len(e.text) : searched.start()]
        if moved:
            assert moved.startswith(" By department: ") and re.search(r"(later|earlier)\.$", moved)


def test_the_urgency_rule_is_said_once_per_department(demo: Scenario, routed: Plan) -> None:
    lines = why(demo, routed)
    rules = [line for line in lines if "count one level lower." in line]
    departments = [line.split(" marks ")[0] for line in rules]
    assert departments and len(departments) == len(set(departments))
    assert not [line for line in lines if line.startswith("REQ-") and " marks " in line]


@pytest.mark.parametrize(
    ("minutes", "said"),
    [(0, "0 min"), (14, "15 min"), (45, "45 min"), (90, "1 h 30 min"), (480, "1 day"), (720, "1 day 4 h"),
     (745, "about 1 day 4 h"), (1500, "3 days 1 h"), (1510, "about 3 days 1 h"), (960, "2 days")],
)  # fmt: skip
def test_working_time_follows_the_style_sheet(minutes: int, said: str) -> None:
    assert working_time(minutes) == said

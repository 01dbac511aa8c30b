"""Schemathesis fuzzes every operation of the OpenAPI document, valid and invalid input alike: no answer is a
5xx, every answer matches the document (status, content type, schema, headers), invalid input is refused and
valid input is accepted (positive_data_acceptance: 2xx, or 401/403/404/409 and nothing else).

What the document cannot say is arranged here, before a valid case is sent, and only for valid cases (see
`_arrange`): state the server holds (a fresh Idempotency-Key, the current ETag, ids that exist, the team's hours)
and the few rules across fields JSON Schema cannot express (each named in its operation's description too).
Nothing is allowed to fail: there is no list of known failures.
"""

from __future__ import annotations

import os
import re
import uuid
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    allow_header_conformance,
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from schemathesis.config import SchemathesisConfig
from schemathesis.python.asgi import shutdown_lifespans

from api.app import create_app
from api.deps import ETAG_PATTERN
from api.store.session import upgrade
from tests.api.conftest import BACKENDS, empty_postgres, make_settings
from tests.api.org import NOW, ORGANISATION, ROLE_OF, Seeded, seed

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    missing_required_header,
    unsupported_method,
    allow_header_conformance,
]
_COMMON: dict[str, Any] = {
    "generation": {"with-security-parameters": False, "allow-extra-parameters": False},
    "checks": {
        "negative_data_rejection": {"expected-statuses": [400, 401, 403, 404, 405, 409, 412, 413, 422, 428]},
        "missing_required_header": {"expected-statuses": [400, 401, 403, 422, 428]},
    },
}
"""The token is ours to send (a case without it is a 401 test of its own), and unknown query parameters are
ignored, not refused. An If-Match that is not one of our strong ETags fails its precondition (412), a missing
one is a required precondition (428, RFC 6585); both are documented on every update."""
CONFIGS = {
    "sqlite": SchemathesisConfig.from_dict({**_COMMON, "generation": {**_COMMON["generation"], "max-examples": 4}}),
    "postgresql": SchemathesisConfig.from_dict(
        {**_COMMON, "generation": {**_COMMON["generation"], "max-examples": 2, "mode": "positive"}}
    ),
}
"""SQLite gets the whole run: every phase (the boundary values of the coverage phase, then random cases), valid
and invalid input. PostgreSQL, whose answers to invalid input are the same (refused before any query), gets
the valid input only, boundary values included (the lengths, numbers and characters a database may refuse)."""
ROLES = ("admin", "lead", "manager", "sales", "ana", "snow")
"""One principal of each role. The first cases of an operation are sent as every one of them, which tells
which roles may use it (their answer to valid input is not 403); each later valid case is sent as the next
role in turn (most are refused 403 by most roles: the answer must still match the document) and as the next
of the roles that may (so that valid input reaches the operation itself); each later invalid case as the next
of the roles that may only (invalid input is refused whoever sends it)."""
EVERY_ROLE_CASES = 2

DEPARTMENTS = [d["id"] for d in ORGANISATION["departments"]]
AGENTS = [a["id"] for a in ORGANISATION["agents"]]
SKILLS = [s["id"] for s in ORGANISATION["skills"]]
_ETAG = re.compile(ETAG_PATTERN)
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


@dataclass
class Fuzzed:
    schema: Any
    seeded: Seeded
    client: TestClient  # the same app, for the state a valid case needs (current ETags, open requests)
    cases: Counter[str] = field(default_factory=Counter)  # cases sent, by operation
    allowed: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # roles that may, by operation

    def roles(self, case: Any) -> list[str]:
        """Whom to send `case` as (see ROLES)."""
        label = case.operation.label
        turn = self.cases[label]
        self.cases[label] += 1
        if turn < EVERY_ROLE_CASES:
            return list(ROLES)
        may = sorted(self.allowed[label])
        one_that_may = [may[turn % len(may)]] if may else []
        if not case.meta.generation.mode.is_positive:  # refused for what it is, whoever sends it
            return one_that_may or [ROLES[turn % len(ROLES)]]
        return list(dict.fromkeys([ROLES[turn % len(ROLES)], *one_that_may]))

    def get(self, path: str, who: str = "lead") -> Any:
        return self.client.get(path, headers={"Authorization": f"Bearer {self.seeded.tokens[who]}"})

    def etag(self, path: str) -> str | None:
        """The resource's current ETag, read by whoever may read it (a lead, or the admin the policy's)."""
        for who in ("lead", "admin"):
            found = self.get(path, who).headers.get("ETag")
            if found is not None:
                return str(found)
        return None


@pytest.fixture(scope="module", params=BACKENDS)
def fuzzed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    """The app on a seeded database of its own: a SQLite file, or the session's PostgreSQL database emptied."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"
        upgrade(url)
    else:
        url = request.getfixturevalue("postgres_database")
        empty_postgres(url)
    seeded = seed(url)
    app = create_app(make_settings(url, plan_max_time_limit_seconds=0.3, plan_time_limit_seconds=0.3))
    document = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIGS[request.param])
    document["/healthz"]["GET"].Case().call()  # schemathesis starts the app (its lifespan) once and keeps it
    try:
        yield Fuzzed(document, seeded, TestClient(app))  # a client outside the lifespan: the same started app
    finally:
        shutdown_lifespans()  # stops the app (its job runner first) before its database goes


schema = schemathesis.pytest.from_fixture("fuzzed_schema")
if os.environ.get("TANDEM_FUZZ_PATHS"):  # to fuzz some operations only, while working on them
    schema = schema.include(path_regex=os.environ["TANDEM_FUZZ_PATHS"])


@pytest.fixture(scope="module")
def fuzzed_schema(fuzzed: Fuzzed) -> Any:
    return fuzzed.schema


@pytest.mark.slow
@schema.parametrize()
@settings(derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_fails_or_breaks_its_contract(case: Any, fuzzed: Fuzzed) -> None:
    for who in fuzzed.roles(case):
        _arrange(case, who, fuzzed)
        response = case.call_and_validate(
            headers={"Authorization": f"Bearer {fuzzed.seeded.tokens[who]}"}, checks=CHECKS
        )
        if case.meta.generation.mode.is_positive and response.status_code != 403:
            fuzzed.allowed[case.operation.label].add(who)


# --- What a valid case needs that the document cannot say ---------------------------------------------------


def _arrange(case: Any, who: str, fuzzed: Fuzzed) -> None:
    """Make a valid case (positive mode) one the server must accept, without leaving what the document allows:
    every value put in is itself valid. Invalid cases are sent as generated."""
    if not case.meta.generation.mode.is_positive:
        return
    headers = case.headers if case.headers is not None else {}
    for name in list(headers):
        if name.lower() == "idempotency-key":
            headers[name] = str(uuid.uuid4())  # a key is for one request: a used one replays, or is refused 422
        if name.lower() == "if-match" and _ETAG.match(headers[name]):
            current = fuzzed.etag(case.formatted_path)  # the version this write must name
            headers[name] = current or headers[name]  # none: no such resource, and the write answers 404
    body = case.body
    if isinstance(body, dict):
        arrange = _BODIES.get(case.operation.label)
        if arrange is not None:
            arrange(body, who, fuzzed)


def _pick(choices: list[str], value: Any) -> str:
    """One of `choices`, chosen by the generated value (so that different cases name different ones)."""
    return choices[zlib.crc32(repr(value).encode()) % len(choices)]


def _known_keys(mapping: dict[str, Any] | None, known: list[str]) -> dict[str, Any] | None:
    """The map with each key replaced by a known id (skills, departments): the server refuses unknown ones."""
    if mapping is None:
        return None
    return {_pick(known, key): value for key, value in mapping.items()}


def _minutes(text: str) -> tuple[int, int]:
    match = _RANGE.match(text)
    assert match is not None, text  # the document's pattern
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    return h1 * 60 + m1, h2 * 60 + m2


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _week(hours: dict[str, list[str]]) -> dict[str, list[str]]:
    """Working hours each of whose periods ends after it starts, none overlapping on a day (a period reversed
    is turned round, one overlapping an earlier one dropped), and with some period at all: the rules across
    one period's two times and across a day's periods that the pattern cannot say."""
    week: dict[str, list[str]] = {}
    for day, ranges in hours.items():
        kept: list[tuple[int, int]] = []
        for start, end in sorted(tuple(sorted(_minutes(r))) for r in ranges):
            if start == end:
                start, end = (start - 1, end) if start else (start, end + 1)
            if not kept or start >= kept[-1][1]:
                kept.append((start, end))
        week[day] = [f"{_clock(s)}-{_clock(e)}" for s, e in kept]
    if not any(week.values()):
        week["mon"] = ["09:00-17:00"]
    return week


def _within_team(hours: dict[str, list[str]], fuzzed: Fuzzed) -> dict[str, list[str]]:
    """An agent's hours as `_week` makes them, with some period within the team's (whose calendar the fuzzer
    changes): else the team's own."""
    team = fuzzed.get("/calendar").json()["working_hours"]
    own = _week(hours)
    meets = any(
        max(_minutes(a)[0], _minutes(b)[0]) < min(_minutes(a)[1], _minutes(b)[1])
        for day in own
        for a in own[day]
        for b in team.get(day, [])
    )
    return own if meets else team


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))


def _request_create(body: dict[str, Any], who: str, fuzzed: Fuzzed) -> None:
    if body.get("department") is not None or ROLE_OF[who].value != "requester":
        body["department"] = _pick(DEPARTMENTS, body.get("department"))  # one that exists; others must name it
    if body.get("owner") is not None:
        body["owner"] = _pick(AGENTS, body["owner"])
    body["required_skills"] = _known_keys(body.get("required_skills"), SKILLS) or {}
    created = _moment(body["created_at"]) if body.get("created_at") else NOW
    if created > NOW:  # filed in the past, not in the future (relative to the server's clock)
        created = NOW - (created - NOW) % timedelta(days=3650)
        body["created_at"] = created.isoformat()
    if body.get("deadline") is not None and _moment(body["deadline"]) <= created:  # after it was filed
        body["deadline"] = (created + timedelta(days=1)).isoformat()


def _request_update(body: dict[str, Any], who: str, fuzzed: Fuzzed) -> None:
    if body.get("owner") is not None:
        body["owner"] = _pick(AGENTS, body["owner"])
    if "required_skills" in body:
        body["required_skills"] = _known_keys(body["required_skills"], SKILLS)


def _agent(body: dict[str, Any], who: str, fuzzed: Fuzzed) -> None:
    if body.get("skills") is not None:
        body["skills"] = _known_keys(body["skills"], SKILLS)
    if body.get("working_hours") is not None:
        body["working_hours"] = _within_team(body["working_hours"], fuzzed)
    for away in body.get("time_off") or []:  # ends on or after its start
        if str(away["end"]) < str(away["start"]):
            away["start"], away["end"] = away["end"], away["start"]


def _calendar(body: dict[str, Any], who: str, fuzzed: Fuzzed) -> None:
    if body.get("working_hours") is not None:
        body["working_hours"] = _week(body["working_hours"])


def _policy(body: dict[str, Any], who: str, fuzzed: Fuzzed) -> None:
    shares = _known_keys(body.get("fair_share_pct"), DEPARTMENTS)  # known departments, adding up to 100 % at most
    if shares is not None and sum(shares.values()) > 100:
        shares = {d: share * 100 // sum(shares.values()) for d, share in shares.items()}
    if "fair_share_pct" in body:
        body["fair_share_pct"] = shares


def _principal(body: dict[str, Any], who: str, fuzzed: Fuzzed) -> None:
    if body.get("department_id") is not None:
        body["department_id"] = _pick(DEPARTMENTS, body["department_id"])
    if body.get("agent_id") is not None:
        body["agent_id"] = _pick(AGENTS, body["agent_id"])


def _pin(body: dict[str, Any], who: str, fuzzed: Fuzzed) -> None:
    """Open requests (the queue changes as the fuzzer files and closes), another one for a before pin, and for
    an assign pin an agent with the request's skills."""
    page = fuzzed.get("/requests?status=open&status=in_progress").json()["items"]
    agents = {a["id"]: a["skills"] for a in fuzzed.get("/agents").json()}
    request = next(r for r in page if r["id"] == _pick([r["id"] for r in page], body["request"]))
    body["request"] = request["id"]
    if body.get("other") is not None:
        body["other"] = _pick([r["id"] for r in page if r["id"] != request["id"]], body["other"])
    if body.get("agent") is not None:
        able = [
            a
            for a, skills in agents.items()
            if all(skills.get(s, 0) >= level for s, level in request["required_skills"].items())
        ]
        body["agent"] = _pick(able or list(agents), body["agent"])


def _subscription(body: dict[str, Any], who: str, fuzzed: Fuzzed) -> None:
    """A host that resolves without the network (the server looks it up), on a port nothing listens to."""
    scheme, rest = body["url"].split("://", 1)
    tail = rest[len(re.split(r"[/?#]", rest, maxsplit=1)[0]) :]  # the path, query and fragment
    url = f"{scheme}://127.0.0.1:9{tail}"
    body["url"] = url[:2000]  # the longest URL allowed stays so
    if body.get("department_id") is not None:
        body["department_id"] = _pick(DEPARTMENTS, body["department_id"])


def _simulation(body: dict[str, Any], who: str, fuzzed: Fuzzed) -> None:
    """Variants with distinct names (not 'baseline'), whose changes name agents, skills and departments that
    exist (a hire one that does not), hours within the team's, and days from the simulation's first on, in order."""
    first = NOW.date()
    for v, variant in enumerate(body["variants"]):
        variant["name"] = f"{variant['name'][:70]} {v}"
        for c, change in enumerate(variant.get("changes", [])):
            if change["kind"] == "hire":
                change["agent"] = f"hired-{v}-{c}"
                change["skills"] = _known_keys(change.get("skills"), SKILLS)
            elif change["kind"] == "surge":
                change["department"] = _pick(DEPARTMENTS, change["department"])
            else:
                change["agent"] = _pick(AGENTS, change["agent"])
            if change["kind"] == "skill":
                change["skill"] = _pick(SKILLS, change["skill"])
            if change.get("working_hours") is not None:
                change["working_hours"] = _within_team(change["working_hours"], fuzzed)
            days = {k: date.fromisoformat(change[k]) for k in ("start", "end") if change.get(k) is not None}
            days = {
                k: day if day >= first else first + timedelta(days=(first - day).days % 365) for k, day in days.items()
            }
            if len(days) == 2 and days["end"] < days["start"]:
                days = {"start": days["end"], "end": days["start"]}
            change.update({k: day.isoformat() for k, day in days.items()})


def _import(body: dict[str, Any], who: str, fuzzed: Fuzzed) -> None:
    """A file with something in it (an empty one is refused at once, as the operation says) and the format's
    own mapping: whether the bytes are a valid export, or a mapping valid TOML, is the job's to find (the
    document cannot say what an export is)."""
    if not body.get("file"):
        body["file"] = b"number,opened_at\n"
    body.pop("mapping", None)


_BODIES = {
    "POST /imports": _import,
    "POST /simulations": _simulation,
    "POST /requests": _request_create,
    "PATCH /requests/{request_id}": _request_update,
    "POST /agents": _agent,
    "PATCH /agents/{agent_id}": _agent,
    "PUT /calendar": _calendar,
    "PUT /policy": _policy,
    "POST /principals": _principal,
    "POST /pins": _pin,
    "POST /webhooks/subscriptions": _subscription,
}

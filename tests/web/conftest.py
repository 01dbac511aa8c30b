"""Fixtures for the console's tests: the API's test organisation and app (tests.api.conftest, on SQLite and
PostgreSQL), and a `Console` that signs in as a principal and reads the CSRF token its pages carry; the browser
tests' demo server, browser and page (tests.web.browser)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from typing import Any

import pytest

from tests.api.conftest import (
    Api,
    api,
    database_url,
    postgres_database,
    postgres_seed,
    settings_overrides,
    sqlite_seeded_template,
    sqlite_template,
)
from tests.web.browser import browser, demo, page, shots

__all__ = [
    "api",
    "browser",
    "database_url",
    "demo",
    "page",
    "postgres_database",
    "postgres_seed",
    "settings_overrides",
    "shots",
    "sqlite_seeded_template",
    "sqlite_template",
]

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Console:
    """A browser-like client of the console (cookies kept), signed in as one principal at a time."""

    api: Api

    @property
    def client(self) -> Any:
        return self.api.client

    def sign_in(self, who: str) -> Any:
        self.client.cookies.clear()
        form = self.client.get("/console/sign-in")
        answer = self.client.post(
            "/console/sign-in",
            data={"token": self.api.seeded.tokens[who], "csrf": csrf_of(form.text)},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        return answer

    def csrf(self) -> str:
        return csrf_of(self.client.get("/console/requests" if self.client.cookies else "/console/sign-in").text)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, follow_redirects=False, **kwargs)

    def post(self, path: str, data: dict[str, str] | None = None, *, csrf: bool = True, **kwargs: Any) -> Any:
        form = dict(data or {})
        if csrf:
            form["csrf"] = self.page_csrf()
        return self.client.post(path, data=form, follow_redirects=False, **kwargs)

    def page_csrf(self) -> str:
        """The CSRF token of the current session, as its sign-out form carries it on every page."""
        return csrf_of(self.client.get("/console/", follow_redirects=True).text)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, html[:500]
    return found.group(1)


def text_of(html: str) -> str:
    """A page's visible text, tags dropped and white space folded."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


@pytest.fixture
def console(api: Api) -> Console:
    return Console(api)

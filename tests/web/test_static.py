"""Static assets are served by the API process itself, pinned: htmx's hash is the one the README records, and
the API documentation pages name no other host (they render without internet access)."""

from __future__ import annotations

import hashlib
import re

from api.web import STATIC
from tests.web.conftest import Console


def test_htmx_is_the_pinned_file_the_readme_records() -> None:
    readme = (STATIC / "README.md").read_text()
    recorded = re.search(r"`htmx\.min\.js` \| .*? \| ([\d.]+) \| `([0-9a-f]{64})`", readme)
    assert recorded is not None
    assert hashlib.sha256((STATIC / "htmx.min.js").read_bytes()).hexdigest() == recorded.group(2)
    assert f'version:"{recorded.group(1)}"' in (STATIC / "htmx.min.js").read_text()


def test_pages_and_docs_load_only_local_assets(console: Console) -> None:
    for path in ("/docs", "/redoc", "/console/sign-in"):
        page = console.get(path)
        assert page.status_code == 200, path
        sources = re.findall(r'(?:src|href)=["\']([^"\']+)["\']', page.text)
        assert sources and all(s.startswith(("/", "#")) for s in sources), (path, sources)
    for asset in ("/static/htmx.min.js", "/static/console.css", "/static/docs/swagger-ui-bundle.js",
                  "/static/docs/swagger-ui.css", "/static/docs/redoc.standalone.js"):  # fmt: skip
        assert console.get(asset).status_code == 200, asset


def test_the_root_leads_to_the_console(console: Console) -> None:
    assert console.get("/").headers["location"] == "/console/"
    assert console.get("/console/").headers["location"].startswith("/console/sign-in")

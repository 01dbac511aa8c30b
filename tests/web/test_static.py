"""Static assets are served by the API process itself, pinned: htmx's hash is the one the README records, and
the API documentation pages name no other host (they render without internet access). The style sheet's
colours pass WCAG AA contrast (4.5:1) for the text drawn on them."""

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
    for asset in (
        "/static/htmx.min.js",
        "/static/console.css",
        "/static/docs/swagger-ui-bundle.js",
        "/static/docs/swagger-ui.css",
        "/static/docs/redoc.standalone.js",
    ):
        assert console.get(asset).status_code == 200, asset


def _luminance(colour: str) -> float:
    if len(colour) == 4:  # #555 is #555555
        colour = "#" + "".join(c * 2 for c in colour[1:])
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(one: str, other: str) -> float:
    high, low = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_style_sheets_colours_pass_aa_contrast() -> None:
    css = (STATIC / "console.css").read_text()
    colours = dict(re.findall(r"--([a-z0-9]+): (#[0-9a-f]{3}(?:[0-9a-f]{3})?)\b", css))
    on_white = {"ink", "muted", "accent", "p1", "p2", "p3", "p4"}  # text on the page; bars' white labels on p1-p4
    assert on_white <= set(colours), colours
    low = {name: round(_contrast(colours[name], "#ffffff"), 2) for name in on_white}
    assert all(ratio >= 4.5 for ratio in low.values()), low
    errors = re.findall(r"\.(?:refused|field-error)[^{]*\{[^}]*color: (#[0-9a-f]{3}(?:[0-9a-f]{3})?)\b", css)
    assert errors and all(_contrast(c, "#ffffff") >= 4.5 for c in errors), errors  # refusals and field errors


def test_the_root_leads_to_the_console(console: Console) -> None:
    assert console.get("/").headers["location"] == "/console/"
    assert console.get("/console/").headers["location"].startswith("/console/sign-in")

"""Text safe to show (`triage.text`): normalised, never carrying a control or bidi character, never blank."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.builders import request
from triage.model import Request
from triage.text import BIDI_CONTROLS, clean

REFUSED = [
    "\x1b[31mred\x1b[0m",
    "exe\u202etxt.",
    "a\u2066b\u2069",
    "bell\x07",
    "nul\x00",
    "c1\x85mid",
    "del\x7f",
    "two\nlines",
    "tab\there",
    "para\u2029graph",
]
BLANK = ["", " ", "\t\n ", "\u3000", "\u00a0\u2003"]
KEPT = {
    "<script>alert(1)</script>": "<script>alert(1)</script>",
    "Jose\u0301": "Jos\u00e9",
    "  padded  ": "padded",
    "\U0001f469\u200d\U0001f4bb emoji": "\U0001f469\u200d\U0001f4bb emoji",
    "' OR 1=1 --": "' OR 1=1 --",
    "{{7*7}}": "{{7*7}}",
}


@pytest.mark.parametrize("value", REFUSED)
def test_control_and_bidi_characters_are_refused_naming_the_character(value: str) -> None:
    with pytest.raises(ValueError, match=r"contains U\+[0-9A-F]{4} \(.*\) at position \d+"):
        clean(value)


@pytest.mark.parametrize("value", BLANK)
def test_blank_text_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="empty or only whitespace"):
        clean(value)


@pytest.mark.parametrize(("value", "shown"), KEPT.items())
def test_markup_and_accents_are_kept_as_text_normalised(value: str, shown: str) -> None:
    assert clean(value) == shown


def test_multi_line_text_keeps_its_lines_but_not_escapes() -> None:
    assert clean("first\r\nsecond\tthird", multiline=True) == "first\nsecond\tthird"
    with pytest.raises(ValueError, match="U\\+001B"):
        clean("first\n\x1b[2J", multiline=True)


@given(st.text())
def test_whatever_is_accepted_is_normalised_and_safe(value: str) -> None:
    try:
        shown = clean(value, multiline=True)
    except ValueError:
        return
    assert shown == unicodedata.normalize("NFC", shown) and shown == shown.strip() and shown
    assert not any(c in BIDI_CONTROLS or (unicodedata.category(c) == "Cc" and c not in "\n\t") for c in shown)
    assert clean(shown, multiline=True) == shown


def test_the_domain_request_refuses_unsafe_titles_and_requesters() -> None:
    for field in ("title", "requester"):
        with pytest.raises(ValidationError, match=field):
            Request.model_validate(request("REQ-1", **{field: "evil\u202e"}))
        with pytest.raises(ValidationError, match=field):
            Request.model_validate(request("REQ-1", **{field: "   "}))
    assert Request.model_validate(request("REQ-1", title="Cafe\u0301")).title == "Caf\u00e9"

"""The OpenAPI document's patterns for shown text say exactly what `triage.text.clean` accepts: a client that
checks the pattern is never refused, and nothing the pattern refuses is stored."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from triage.text import LINE_PATTERN, OPTIONAL_TEXT_PATTERN, TEXT_PATTERN, clean

TRICKY = "ab \t\n\r\x00\x1b\x85\xa0\u2028\u2029\u202e\u2066\u2003e\u0301\x7f\x9f\x0b\x1c<>"
texts = st.text(alphabet=st.sampled_from(TRICKY), max_size=10) | st.text(max_size=10)


def _accepted(value: str, **how: bool) -> bool:
    try:
        clean(value, **how)
    except ValueError:
        return False
    return True


@settings(max_examples=3000)
@given(texts)
@example("\n")
@example("a\r\nb")
@example("a\r\r\nb")
@example("")
def test_each_pattern_matches_exactly_what_clean_accepts(value: str) -> None:
    assert (re.search(LINE_PATTERN, value) is not None) == _accepted(value)
    assert (re.search(TEXT_PATTERN, value) is not None) == _accepted(value, multiline=True)
    assert (re.search(OPTIONAL_TEXT_PATTERN, value) is not None) == _accepted(value, multiline=True, allow_empty=True)

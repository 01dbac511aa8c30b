"""Text people typed that other people will read (titles, names, reasons, notes): the one definition of what
is safe to show, used by the domain model and the HTTP schemas alike.

The rule: text is normalised to NFC (one spelling of "é"), trimmed, and refused when it is blank or carries
a character that changes how the text around it is shown rather than showing itself: control characters
(C0, DEL, C1: terminal escapes such as ANSI colours start with one) and the bidirectional embeddings,
overrides and isolates (U+202A-U+202E, U+2066-U+2069), which can make "exe.txt" read as "txt.exe". A
one-line text refuses line breaks and tabs too; a multi-line one (reasons, notes) keeps them. Markup such
as `<script>` is only text here: escaping it is the job of whoever renders it (pages, chat payloads).
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
MULTILINE_ALLOWED = frozenset("\n\t")


_REFUSED_ALWAYS = r"\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_REFUSED_IN_A_LINE = _REFUSED_ALWAYS + r"\t\n\u2028\u2029"
LINE_PATTERN = rf"^\s*[^{_REFUSED_IN_A_LINE}\s](?:[^{_REFUSED_IN_A_LINE}]*[^{_REFUSED_IN_A_LINE}\s])?\s*$"
"""The rule of `clean` for one line as a regular expression (for the OpenAPI document): blanks at either end
(they are trimmed), at least one other character, and none refused in between. `\\s` is Python's whitespace,
which is `str.strip`'s."""
TEXT_PATTERN = rf"^\s*[^{_REFUSED_ALWAYS}\s](?:(?:[^{_REFUSED_ALWAYS}]|\r\n)*[^{_REFUSED_ALWAYS}\s])?\s*$"
"""As `LINE_PATTERN` for text of several lines: tabs, line breaks ("\\n" or "\\r\\n") and separators inside."""
OPTIONAL_TEXT_PATTERN = rf"^(?!\s)$|{TEXT_PATTERN}"  # "" or text ((?!\s): Python's $ also matches before a last "\n")


def _refused(char: str, multiline: bool) -> bool:
    if char in BIDI_CONTROLS:
        return True
    if unicodedata.category(char) == "Cc":
        return not (multiline and char in MULTILINE_ALLOWED)
    return char in ("\u2028", "\u2029") and not multiline  # line and paragraph separators


def clean(value: str, *, multiline: bool = False, allow_empty: bool = False) -> str:
    """`value` normalised (NFC, trimmed, "\\r\\n" as "\\n"); ValueError naming the first refused character
    and its position, or when only whitespace is left (an empty string is kept when `allow_empty`)."""
    if value.isascii() and value.isprintable():  # the common case: nothing to normalise, nothing refused
        text = value.strip()
        if not text and not (allow_empty and value == ""):
            raise ValueError("must not be empty or only whitespace")
        return text
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n")).strip()
    for position, char in enumerate(text):
        if _refused(char, multiline):
            name = unicodedata.name(char, "control character")
            raise ValueError(f"contains U+{ord(char):04X} ({name.lower()}) at position {position}: not shown safely")
    if not text and not (allow_empty and value == ""):
        raise ValueError("must not be empty or only whitespace")
    return text


def _line(value: str) -> str:
    return clean(value)


def _paragraphs(value: str) -> str:
    return clean(value, multiline=True)


def _optional_paragraphs(value: str) -> str:
    return clean(value, multiline=True, allow_empty=True)


ShownLine = Annotated[str, AfterValidator(_line), Field(json_schema_extra={"pattern": LINE_PATTERN})]
"""One line shown to people: a title, a person's or a department's name."""

ShownText = Annotated[str, AfterValidator(_paragraphs), Field(json_schema_extra={"pattern": TEXT_PATTERN})]
"""Text of one or more lines shown to people: a reason, a note."""

OptionalShownText = Annotated[
    str, AfterValidator(_optional_paragraphs), Field(json_schema_extra={"pattern": OPTIONAL_TEXT_PATTERN})
]
"""As `ShownText`, where "" means none was given (a pin's or a time off's reason)."""

"""The sentence a requester reads when a lead pins their request, one per kind of pin."""

from __future__ import annotations

import pytest

from triage.model import Pin
from triage.names import PinKind
from triage.pin_text import render_pin


@pytest.mark.parametrize(
    ("kind", "fields", "expected"),
    [
        (PinKind.ASSIGN, {"agent": "ana"}, 'Lee Lead, the queue lead, pinned Sales\' "VPN drops" (REQ-1) to Ana '
         "Costa."),
        (PinKind.FIRST, {}, 'Lee Lead, the queue lead, pinned Sales\' "VPN drops" (REQ-1) first: its teammate does it '
         "before anything else."),
        (PinKind.BEFORE, {"other": "REQ-2"}, 'Lee Lead, the queue lead, pinned Sales\' "VPN drops" (REQ-1) to finish '
         'before "Payroll export" (REQ-2) starts.'),
        (PinKind.UNFREEZE, {}, 'Lee Lead, the queue lead, let Sales\' "VPN drops" (REQ-1), in progress, move to '
         "another teammate."),
    ],
)  # fmt: skip
def test_each_kind_of_pin_reads_as_its_rule_with_the_reason(
    kind: PinKind, fields: dict[str, str], expected: str
) -> None:
    pin = Pin(id="p1", kind=kind, request="REQ-1", reason="CEO demo at 10:00", by="Lee Lead", **fields)
    text = render_pin(pin, department_name="Sales", title="VPN drops", agent_name="Ana Costa",
                      other_title="Payroll export")  # fmt: skip
    assert text == f'{expected} Reason: "CEO demo at 10:00".'


def test_a_department_name_ending_in_s_takes_an_apostrophe_only_and_others_take_s() -> None:
    pin = Pin(id="p1", kind=PinKind.FIRST, request="REQ-9", reason="month end", by="Lee Lead")
    assert render_pin(pin, department_name="Finance", title="Close", agent_name=None).startswith(
        'Lee Lead, the queue lead, pinned Finance\'s "Close" (REQ-9) first'
    )

"""The CRM bridge speaks the integration API's handler names and reason texts (SPEC.md §3).

The bridge is the one place those names live; this reads its tables so a typo in a name a CRM
page registers fails here rather than silently never firing. The browser tests fire two of
them end to end.
"""

from __future__ import annotations

import re
from pathlib import Path

import agentbar

NAMES = Path(agentbar.__file__).parent / "static" / "toolbar" / "crm" / "names.js"


def table(name: str) -> dict[str, tuple[str, str]]:
    text = NAMES.read_text()
    body = re.search(rf"export const {name} = \{{(.*?)\n\}};", text, re.S)
    assert body is not None, f"{name} not found in crm/names.js"
    rows = re.findall(r'(\w+): \["(\w+)", "([^"]+)"\]', body.group(1))
    return {kind: (handler, reason) for kind, handler, reason in rows}


def test_each_transfer_kind_fires_its_spec_handler_with_its_reason() -> None:
    assert table("TRANSFER_HANDLERS") == {
        "phone": ("transferToPhoneHandler", "transfer to phone request sent"),
        "incall": ("transferInCallHandler", "transfer to phone incall request sent"),
        "queue": ("transferToAQHandler", "transfer to agent queue request sent"),
        "ivr": ("transferToIVRHandler", "transfer to ivr request sent"),
        "user": ("transferToUserHandler", "transfer to user request sent"),
        "campaign": ("transferToCampaignHandler", "transfer to campaign request sent"),
    }


def test_each_conference_kind_fires_its_spec_handler_with_its_reason() -> None:
    assert table("CONFERENCE_HANDLERS") == {
        "phone": ("conferWithPhoneHandler", "confer phone request sent"),
        "tpv": ("conferWithTPVHandler", "confer with tpv request sent"),
        "user": ("conferWithUserHandler", "confer with user request sent"),
        "ivr": ("conferWithLocalIVRHandler", "confer with local ivr request sent"),
    }

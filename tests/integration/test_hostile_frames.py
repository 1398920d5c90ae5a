"""Hostile toolbar frames against a live server: for every command the socket accepts,
hypothesis builds frames with fields of the wrong type, missing or extra, huge strings, deep
nesting, text that is not text (NUL, lone surrogates), numbers JSON or Python cannot hold, and
frames that are not objects at all. Each one, before login and on a logged-in agent, gets an
answer with a specific, documented error code (never `internal_error`), leaves the floor as it
was, puts no traceback in the server's log, and leaves the socket and the server answering."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import httpx
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed

from agentbar.web import frames
from agentbar.web.frames import MAX_FRAME_BYTES, BadFrame, parse_frame
from tests.conftest import CRM_ORIGIN
from tests.integration.test_bad_input import stored_counts
from tests.integration.test_slice_socket import log_in
from tests.support.hostile_json import (
    ODD_TEXT,
    encode,
    hostile_ids,
    hostile_values,
    junk,
    odd_numbers,
    odd_text,
)
from tests.support.servers import AgentbarServer, agentbar_server
from tests.support.toolbar_client import ToolbarClient

pytestmark = pytest.mark.slow  # about 30 s for the module on a two-core machine

EXAMPLES = 12
"""Generated frames per command and socket: each kind of damage comes up, and the module
stays well under a minute on a two-core machine."""

DOCS = Path(__file__).parents[2] / "docs" / "toolbar.md"


def documented_codes() -> frozenset[str]:
    """The error codes docs/toolbar.md promises the toolbar socket answers with."""
    text = DOCS.read_text()
    listed = text[text.index("Error codes:") : text.index("`internal_error`.") + 20]
    return frozenset(re.findall(r"`([a-z_]+)`", listed))


REFUSALS = (documented_codes() | {"too_many_attempts"}) - {"internal_error"}
"""What a hostile frame may be answered with: a documented, specific refusal (the login
throttle's `too_many_attempts` is not in the toolbar docs' list, but it is a specific answer)."""

ROUTINE = {
    "ping",
    "snapshot",
    "disposition.list",
    "phone.credentials",
    "phone.room",
    "phone.problem",
}
"""Commands that change nothing even when well-formed: they may be answered `ok`."""

SAFE_WHEN_WELL_FORMED = ROUTINE | {
    "auth.login",
    "auth.resume",
    "call.hangup",
    "call.hold",
    "call.resume",
    "call.transfer",
    "call.transfer.complete",
    "call.transfer.cancel",
    "call.conference",
    "call.leg.drop",
    "call.record",
    "screen_pop.ack",
    "disposition.dispose",
    "disposition.dispose_and_dial",
}
"""Commands a logged-in agent with no call, not ready, cannot change anything with even when
the frame is well-formed (already logged in; no call, so nothing to act on); the others, sent
well-formed, would move the agent, and only their malformed frames are sent on that socket."""

VALID: dict[str, dict[str, Any]] = {
    "auth.login": {  # no such agent: a well-formed login must not take agent1's place
        "username": "hostile-nobody",
        "password": "not a password",
        "authPolicy": "AUTH_TYPE_PASSWORD",
        "crmOrigin": CRM_ORIGIN,
        "force": False,
    },
    "auth.resume": {"token": "t", "crmOrigin": CRM_ORIGIN, "lastSeq": 0},
    "auth.logout": {},
    "extension.select": {"name": "SIP 1001", "phone": "1001"},
    "campaign.select": {"campaignId": "c"},
    "presence.ready": {},
    "presence.break": {"reason": "Lunch"},
    "presence.auto_call": {"on": True},
    "call.hangup": {},
    "disposition.list": {"campaignId": "c"},
    "disposition.dispose": {
        "code": "Sale",
        "callRef": "call-1",
        "note": "n",
        "callback": {
            "at": "2030-01-01T10:00:00+00:00",
            "selfCallback": True,
            "phone": "+14085551212",
            "params": {"a": 1},
        },
    },
    "screen_pop.ack": {"screenPopId": "p", "recordId": "r", "recordName": "n", "recordType": "t"},
    "call.record": {"callRef": "c", "recordId": "r", "recordName": "n", "recordType": "t"},
    "snapshot": {},
    "call.dial": {
        "phone": "+14085551212",
        "callType": "click_to_dial",
        "customerId": "c",
        "campaignId": "c",
        "additionalParams": {"a": [1, {"b": None}]},
    },
    "disposition.dispose_and_dial": {"code": "Sale", "phone": "+14085551212"},
    "lead.dial": {},
    "lead.skip": {},
    "call.hold": {},
    "call.resume": {},
    "call.transfer": {"kind": "phone", "target": "+14085551212"},
    "call.transfer.complete": {},
    "call.transfer.cancel": {},
    "call.conference": {"kind": "user", "target": "agent2"},
    "call.leg.drop": {"legId": "leg-1"},
    "phone.credentials": {},
    "phone.room": {},
    "phone.problem": {"code": "invalid_dtmf", "detail": "'X' is not a DTMF digit"},
    "ping": {},
}
"""A well-formed frame of each command (every field given), the base each hostile frame is
made from; a new command without one here fails `test_every_command_has_a_base_frame`."""

MODELS = {get_args(t.model_fields["cmd"].annotation)[0]: t for t in frames.FRAME_TYPES}


# -- hostile frames -----------------------------------------------------------------------------


@st.composite
def odd_frame(draw: st.DrawFn, cmd: str) -> dict[str, Any]:
    """A frame of `cmd` of the right shape, its text fields odd: control, bidi and zero-width
    characters, markup, SQL, paths (and NUL or lone surrogates, which make it malformed)."""
    frame: dict[str, Any] = {"id": draw(st.integers(1, 10**6)), "cmd": cmd, **VALID[cmd]}
    for name, value in VALID[cmd].items():
        if isinstance(value, str) and draw(st.booleans()):
            frame[name] = draw(odd_text)
    return frame


def cmd_variants(cmd: str) -> st.SearchStrategy[Any]:
    return st.sampled_from(
        [
            cmd.upper(),
            cmd + " ",
            " " + cmd,
            cmd + "\x00",
            cmd.replace(".", "_"),
            [cmd],
            {"cmd": cmd},
        ]
    ) | st.one_of(st.none(), st.booleans(), odd_numbers, odd_text)


@st.composite
def hostile_frame(draw: st.DrawFn, cmd: str) -> dict[str, Any]:
    """A frame of `cmd` damaged in one to three ways."""
    model = MODELS[cmd]
    frame: dict[str, Any] = {"id": draw(st.integers(1, 10**6)), "cmd": cmd, **VALID[cmd]}
    fields = [name for name in model.model_fields if name not in ("id", "cmd")]
    required = [n for n in fields if model.model_fields[n].is_required()]
    for _ in range(draw(st.integers(1, 3))):
        damage = draw(st.sampled_from(["field", "missing", "extra", "id", "no id", "cmd"]))
        if damage == "field" and fields:
            frame[draw(st.sampled_from(fields))] = draw(hostile_values)
        elif damage == "missing" and required:
            frame.pop(draw(st.sampled_from(required)), None)
        elif damage == "id":
            frame["id"] = draw(hostile_ids)
        elif damage == "no id":
            frame.pop("id", None)
        elif damage == "cmd":
            frame["cmd"] = draw(cmd_variants(cmd))
        else:
            name = draw(st.sampled_from(ODD_TEXT) | st.text(min_size=1, max_size=20))
            assume(name not in model.model_fields)
            frame[name] = draw(hostile_values)
    return frame


# -- the live floor ------------------------------------------------------------------------------


@dataclass
class Floor:
    server: AgentbarServer
    anonymous: ToolbarClient
    agent: ToolbarClient
    """agent1 logged in with extension SIP 1001 selected: not ready, no call, no campaign."""
    http: httpx.Client
    token: str
    """agent1's session token, for more sockets of the same session."""

    def state(self) -> tuple[Any, ...]:
        """What a hostile frame must not change: what is stored, and the agent's own view."""
        snapshot = self.agent.expect_ok("snapshot")["snapshot"]
        return stored_counts(self.server), snapshot

    def socket(self, logged_in: bool) -> ToolbarClient:
        return self.agent if logged_in else self.anonymous

    def reconnect(self, logged_in: bool) -> None:
        """A new socket in place of one the server closed (agent1's by resuming its session)."""
        toolbar = ToolbarClient(self.server.socket_url, origin=self.server.base_url)
        if logged_in:
            self.agent.close()
            toolbar.expect_ok("auth.resume", token=self.token, crmOrigin=CRM_ORIGIN)
            self.agent = toolbar
        else:
            self.anonymous.close()
            self.anonymous = toolbar


@pytest.fixture(scope="module")
def floor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Floor]:
    # The socket budget is not under test here: its rate must not refuse the fuzz, nor its
    # log-in deadline close the socket that stays anonymous for the whole module.
    budget = {
        "AGENTBAR_SOCKET_RATE": "10000",
        "AGENTBAR_SOCKET_BURST": "100000",
        "AGENTBAR_SOCKET_AUTH_TIMEOUT": "600",
    }
    data_dir = tmp_path_factory.mktemp("hostile") / "agentbar"
    with (
        agentbar_server(data_dir, [CRM_ORIGIN], budget) as server,
        httpx.Client(base_url=server.base_url) as http,
    ):
        agent = ToolbarClient(server.socket_url, origin=server.base_url)
        token = log_in(agent)["token"]
        agent.expect_ok("extension.select", name="SIP 1001", phone="1001")
        floor = Floor(server, ToolbarClient(server.socket_url, server.base_url), agent, http, token)
        try:
            yield floor
        finally:
            floor.agent.close()
            floor.anonymous.close()


def expected_answer(text: str, cmd: str, logged_in: bool) -> tuple[str | None, Any]:
    """(the error code the frame must get, or None for a well-formed frame; the `re`)."""
    try:
        frame = parse_frame(text)
    except BadFrame as bad:
        return bad.code, bad.frame_id
    if not logged_in and cmd not in ("auth.login", "auth.resume", "ping"):
        return "not_authenticated", frame.id
    # Well-formed: sent only where it cannot change anything (see SAFE_WHEN_WELL_FORMED).
    assume(not logged_in or cmd in SAFE_WHEN_WELL_FORMED)
    return None, frame.id


def exchange(floor: Floor, text: str, logged_in: bool) -> dict[str, Any] | int:
    """The answer to `text`, or the code the server closed the socket with (a new socket then
    takes its place)."""
    try:
        floor.socket(logged_in).send_raw(text)
        return floor.socket(logged_in).next_answer()
    except ConnectionClosed as closed:
        floor.reconnect(logged_in)
        return closed.rcvd.code if closed.rcvd is not None else 1006


def send_and_check(floor: Floor, text: str, cmd: str, logged_in: bool) -> None:
    code, frame_id = expected_answer(text, cmd, logged_in)
    before = floor.state()
    answer = exchange(floor, text, logged_in)
    if isinstance(answer, int):
        # Over the cap the server may close before reading the frame: 1009, message too big.
        assert (code, answer) == ("frame_too_large", 1009)
    else:
        assert answer["re"] == frame_id, answer
        if code is not None:
            assert answer["ok"] is False, answer
            assert answer["error"]["code"] == code, answer
        elif not answer["ok"]:
            assert answer["error"]["code"] in REFUSALS, answer
        else:
            assert cmd in ROUTINE, answer
    assert floor.state() == before
    assert floor.socket(logged_in).expect_ok("ping")["ok"]
    assert floor.http.get("/healthz").status_code == 200
    assert "Traceback" not in floor.server.log()


HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


def test_every_command_has_a_base_frame() -> None:
    assert set(VALID) == frames.COMMANDS
    for cmd, fields in VALID.items():
        parse_frame(json.dumps({"id": 1, "cmd": cmd, **fields}))  # well-formed, every field set
        assert set(fields) == set(MODELS[cmd].model_fields) - {"id", "cmd"}, cmd


@pytest.mark.parametrize("logged_in", [False, True], ids=["before login", "logged in"])
@pytest.mark.parametrize("cmd", sorted(frames.COMMANDS))
def test_a_hostile_frame_of_each_command_is_refused_and_changes_nothing(
    floor: Floor, cmd: str, logged_in: bool
) -> None:
    @HYPOTHESIS
    @given(frame=hostile_frame(cmd))
    def run(frame: dict[str, Any]) -> None:
        send_and_check(floor, encode(frame), cmd, logged_in)

    run()


@pytest.mark.parametrize(
    ("cmd", "logged_in"),
    [(cmd, False) for cmd in sorted(frames.COMMANDS)]
    + [(cmd, True) for cmd in sorted(SAFE_WHEN_WELL_FORMED)],
)
def test_a_frame_of_the_right_shape_with_odd_text_gets_a_specific_answer(
    floor: Floor, cmd: str, logged_in: bool
) -> None:
    """Past the frame's checks odd text reaches the floor (phones parsed, names looked up):
    still a specific refusal, or a routine answer, and nothing changed."""

    @HYPOTHESIS
    @given(frame=odd_frame(cmd))
    def run(frame: dict[str, Any]) -> None:
        send_and_check(floor, encode(frame), cmd, logged_in)

    run()


def sendable(value: Any) -> bool:
    """Whether `value` can go back to the toolbar in a JSON text frame (UTF-8)."""
    try:
        json.dumps(value, ensure_ascii=False, allow_nan=False).encode()
    except (ValueError, UnicodeEncodeError):
        return False
    return True


@pytest.mark.parametrize("cmd", sorted(frames.COMMANDS))
def test_parse_frame_answers_any_frame_with_a_frame_or_a_sendable_bad_frame(cmd: str) -> None:
    """No server needed: whatever arrives, `parse_frame` returns a frame whose every value can
    be stored and sent back, or raises BadFrame whose `re` and message can be sent back."""

    @HYPOTHESIS
    @given(frame=hostile_frame(cmd) | odd_frame(cmd))
    def run(frame: dict[str, Any]) -> None:
        try:
            outcome: Any = parse_frame(encode(frame))
        except BadFrame as bad:
            outcome = bad
        if isinstance(outcome, BadFrame):
            assert outcome.code in REFUSALS
            assert sendable({"re": outcome.frame_id, "error": outcome.message})
            assert len(outcome.message) < 2000
        else:
            assert sendable(outcome.model_dump(mode="json"))

    run()


NOT_OBJECTS = [
    "",
    " ",
    "null",
    "1",
    '"ping"',
    "[]",
    '[{"id": 1, "cmd": "ping"}]',
    "{",
    "}",
    "{}",
    '{"id": 1, "cmd": "ping"}}',
    '{"id": 1, "cmd": "ping"} {"id": 2, "cmd": "ping"}',
    '\ufeff{"id": 1, "cmd": "ping"}',
    '{"id": 1, "cmd": "ping",}',
    "{'id': 1, 'cmd': 'ping'}",
    '{"id": 1, "cmd": "ping"',
    '"\\ud800"',
    "NaN",
    "1e309",
    "9" * 5000,
    "[" * 30000 + "]" * 30000,
]


@pytest.mark.parametrize("logged_in", [False, True], ids=["before login", "logged in"])
def test_a_frame_that_is_not_an_object_is_refused(floor: Floor, logged_in: bool) -> None:
    @HYPOTHESIS
    @given(text=st.sampled_from(NOT_OBJECTS) | st.text(max_size=50) | junk.map(encode))
    @example(text='{"id": 1, "cmd": ["ping"]}')  # a list for the command is not hashable
    @example(text='{"id": 1, "cmd": {"a": 1}}')
    @example(text='{"id": "\\ud800", "cmd": "ping"}')  # nothing could send that `re` back
    @example(text='{"id": 1, "cmd": "ping", "\\u0000": 1}')
    @example(text='{"id": ' + "9" * 5000 + ', "cmd": "ping"}')  # over Python's digit limit
    @example(text='{"id": 1, "cmd": "presence.break", "reason": "\\udfff"}')
    @example(
        text='{"id": 1, "cmd": "auth.resume", "token": "t", "crmOrigin": "'
        + CRM_ORIGIN
        + '", "lastSeq": 99999999999999999999}'
    )  # beyond storage's integers
    @example(text='{"id": 1, "cmd": "call.dial", "phone": "1", "additionalParams": {"a": 1e309}}')
    def run(text: str) -> None:
        cmd = "ping"
        try:
            raw = json.loads(text)
            if isinstance(raw, dict) and isinstance(raw.get("cmd"), str):
                cmd = raw["cmd"]
        except (ValueError, RecursionError):
            pass
        send_and_check(floor, text, cmd, logged_in)

    run()


@pytest.mark.parametrize("logged_in", [False, True], ids=["before login", "logged in"])
def test_a_frame_over_the_cap_is_refused_or_closes_the_socket(
    floor: Floor, logged_in: bool
) -> None:
    """Over 64 KiB: answered `frame_too_large`, or the socket closed with 1009 (message too
    big) before the frame was read; the floor is as it was and the server answers."""
    before = floor.state()
    with ToolbarClient(floor.server.socket_url, origin=floor.server.base_url) as toolbar:
        if logged_in:  # a second socket of agent1's session (a second tab)
            toolbar.expect_ok("auth.resume", token=floor.token, crmOrigin=CRM_ORIGIN)
        padding = "x" * (MAX_FRAME_BYTES + 1)
        toolbar.send_raw(json.dumps({"id": 1, "cmd": "ping", "padding": padding}))
        try:
            answer: dict[str, Any] | None = toolbar.next_answer()
        except ConnectionClosed as closed:
            answer, close = None, closed.rcvd
        if answer is None:
            assert close is not None
            assert close.code == 1009
        else:
            assert answer == {
                "re": None,
                "ok": False,
                "error": {
                    "code": "frame_too_large",
                    "message": f"frames are limited to {MAX_FRAME_BYTES} bytes",
                },
            }
            toolbar.expect_ok("ping")
    assert floor.state() == before
    assert floor.http.get("/healthz").status_code == 200
    assert "Traceback" not in floor.server.log()

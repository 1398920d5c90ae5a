"""The toolbar socket's client frames, validated at the edge into typed commands.

Client -> server: {"id": 7, "cmd": "presence.ready", ...}; the server answers
{"re": 7, "ok": true, ...} or {"re": 7, "ok": false, "error": {"code", "message"}}.
"""

from __future__ import annotations

import json
import math
import re
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

MAX_DEPTH = 16
"""How deep arrays and objects may nest in a frame: CRM parameters need a few levels."""
MAX_FRAME_BYTES = 64 * 1024
TOO_DEEP = f"frame is nested too deeply (at most {MAX_DEPTH} levels)"
NOT_TEXT = "frame holds a NUL character or a lone surrogate (\\ud800-\\udfff), which are not text"
"""Both pass JSON's grammar as escapes, and neither can be stored, logged or sent back as UTF-8."""
INT_LIMIT = 2**63
"""Integers in a frame fit in 64 bits, as storage holds them (`lastSeq` is compared with a
stored `seq`); Python would otherwise take any length, and refuse past 4300 digits."""
_NOT_TEXT_CHARS = re.compile(r"[\x00\ud800-\udfff]")
MAX_CRM_PARAMS_BYTES = 4 * 1024

Text = Annotated[str, Field(max_length=500)]
Id = Annotated[str, Field(min_length=1, max_length=200)]
Secret = Annotated[str, Field(max_length=4096)]
"""A password, or a login token (an RS256 JWT runs to 600 characters and more)."""


class _Frame(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: StrictInt | StrictStr


class Login(_Frame):
    cmd: Literal["auth.login"]
    username: Text
    password: Secret
    authPolicy: Text
    crmOrigin: Text
    force: bool = False


class Resume(_Frame):
    """`lastSeq`: the last event `seq` this toolbar saw; the events it missed since are
    replayed after the answer (or, too far behind, the answer says to trust the snapshot)."""

    cmd: Literal["auth.resume"]
    token: Text
    crmOrigin: Text
    lastSeq: Annotated[StrictInt, Field(ge=0)] | None = None


class Logout(_Frame):
    cmd: Literal["auth.logout"]


class SelectExtension(_Frame):
    """By name and phone (both must match), or by either alone."""

    cmd: Literal["extension.select"]
    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    phone: Annotated[str, Field(min_length=1, max_length=40)] | None = None

    @model_validator(mode="after")
    def _named(self) -> SelectExtension:
        if self.name is None and self.phone is None:
            raise ValueError("name an extension: its name, its phone, or both")
        return self


class SelectCampaign(_Frame):
    cmd: Literal["campaign.select"]
    campaignId: Id


class Ready(_Frame):
    cmd: Literal["presence.ready"]


class Break(_Frame):
    cmd: Literal["presence.break"]
    reason: Annotated[str, Field(min_length=1, max_length=100)]


class AutoCall(_Frame):
    cmd: Literal["presence.auto_call"]
    on: StrictBool


class HangUp(_Frame):
    cmd: Literal["call.hangup"]


class ListDispositions(_Frame):
    cmd: Literal["disposition.list"]
    campaignId: Id | None = None


def _small_params(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is not None and len(json.dumps(value)) > MAX_CRM_PARAMS_BYTES:
        raise ValueError(f"must be at most {MAX_CRM_PARAMS_BYTES} bytes of JSON")
    return value


class CallbackFields(BaseModel):
    """When and how to call the customer back; `at` must carry its time zone."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    at: AwareDatetime
    selfCallback: bool = False
    phone: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    params: dict[str, Any] | None = None

    _params_size = field_validator("params")(_small_params)


class Dispose(_Frame):
    """`callRef`: the call meant (its id, `userCrt` or `customerCrt`); refused if that is not
    the call in wrap-up."""

    cmd: Literal["disposition.dispose"]
    code: Annotated[str, Field(max_length=100)]
    callRef: Id | None = None
    note: Annotated[str, Field(max_length=4000)] | None = None
    callback: CallbackFields | None = None


class AcknowledgeScreenPop(_Frame):
    """The CRM record shown for a screen pop (`screenPopId`, as `call.screen_pop` gave it)."""

    cmd: Literal["screen_pop.ack"]
    screenPopId: Id
    recordId: Id
    recordName: Text | None = None
    recordType: Text | None = None


class RecordForCall(_Frame):
    """The CRM record a call belongs to, the call named by `callRef` (its id, `userCrt` or
    `customerCrt`)."""

    cmd: Literal["call.record"]
    callRef: Id
    recordId: Id
    recordName: Text | None = None
    recordType: Text | None = None


class Snapshot(_Frame):
    """The agent's state read afresh, as after a resume."""

    cmd: Literal["snapshot"]


class PhoneCredentials(_Frame):
    """Where and how the toolbar registers the agent's browser phone (a `browser` extension)."""

    cmd: Literal["phone.credentials"]


class PhoneRoom(_Frame):
    """On the simulator: the room of the agent's call, for the browser phone to join."""

    cmd: Literal["phone.room"]


class PhoneProblem(_Frame):
    """The browser phone tells agentbar why it cannot work (the agent sees it in the toolbar)."""

    cmd: Literal["phone.problem"]
    code: Literal[
        "microphone_denied",
        "janus_unreachable",
        "register_failed",
        "codec_mismatch",
        "invalid_dtmf",
        "renegotiation_failed",
    ]
    detail: Annotated[str, Field(max_length=300)] = ""


class Dial(_Frame):
    """Manual dial (the toolbar's dial box) or click-to-dial (asked by the CRM page)."""

    cmd: Literal["call.dial"]
    phone: Annotated[str, Field(min_length=1, max_length=40)]
    callType: Literal["manual", "click_to_dial"] = "manual"
    customerId: Text | None = None
    campaignId: Id | None = None
    additionalParams: dict[str, Any] | None = None

    _params_size = field_validator("additionalParams")(_small_params)


class DisposeAndDial(_Frame):
    cmd: Literal["disposition.dispose_and_dial"]
    code: Annotated[str, Field(max_length=100)]
    phone: Annotated[str, Field(min_length=1, max_length=40)]


class DialLead(_Frame):
    cmd: Literal["lead.dial"]


class SkipLead(_Frame):
    cmd: Literal["lead.skip"]


class Hold(_Frame):
    cmd: Literal["call.hold"]


class ResumeCall(_Frame):
    cmd: Literal["call.resume"]


Target = Annotated[str, Field(min_length=1, max_length=200)]


class Transfer(_Frame):
    """`target`: a phone number (phone, incall), an IVR's name, a campaign's id or name
    (queue, campaign) or an agent's user id (user)."""

    cmd: Literal["call.transfer"]
    kind: Literal["phone", "incall", "queue", "ivr", "user", "campaign"]
    target: Target


class CompleteTransfer(_Frame):
    cmd: Literal["call.transfer.complete"]


class CancelTransfer(_Frame):
    cmd: Literal["call.transfer.cancel"]


class Conference(_Frame):
    """`target`: a phone number (phone, tpv), an agent's user id (user), an IVR's name."""

    cmd: Literal["call.conference"]
    kind: Literal["phone", "tpv", "user", "ivr"]
    target: Target


class DropLeg(_Frame):
    cmd: Literal["call.leg.drop"]
    legId: Id


class Ping(_Frame):
    cmd: Literal["ping"]


FRAME_TYPES = (
    Login,
    Resume,
    Logout,
    SelectExtension,
    SelectCampaign,
    Ready,
    Break,
    AutoCall,
    HangUp,
    ListDispositions,
    Dispose,
    AcknowledgeScreenPop,
    RecordForCall,
    Snapshot,
    PhoneCredentials,
    PhoneRoom,
    PhoneProblem,
    Dial,
    DisposeAndDial,
    DialLead,
    SkipLead,
    Hold,
    ResumeCall,
    Transfer,
    CompleteTransfer,
    CancelTransfer,
    Conference,
    DropLeg,
    Ping,
)
ClientFrame = Annotated[
    Login
    | Resume
    | Logout
    | SelectExtension
    | SelectCampaign
    | Ready
    | Break
    | AutoCall
    | HangUp
    | ListDispositions
    | Dispose
    | AcknowledgeScreenPop
    | RecordForCall
    | Snapshot
    | PhoneCredentials
    | PhoneRoom
    | PhoneProblem
    | Dial
    | DisposeAndDial
    | DialLead
    | SkipLead
    | Hold
    | ResumeCall
    | Transfer
    | CompleteTransfer
    | CancelTransfer
    | Conference
    | DropLeg
    | Ping,
    Field(discriminator="cmd"),
]
COMMANDS = frozenset(get_args(t.model_fields["cmd"].annotation)[0] for t in FRAME_TYPES)
_ADAPTER: TypeAdapter[ClientFrame] = TypeAdapter(ClientFrame)


class BadFrame(Exception):
    def __init__(self, code: str, message: str, frame_id: int | str | None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.frame_id = frame_id


def _readable_int(text: str) -> int:
    """An integer storage and the toolbar's JavaScript can hold (the length is checked first:
    converting thousands of digits is slow, and Python refuses beyond 4300)."""
    if len(text) > len(str(-INT_LIMIT)) or not -INT_LIMIT <= int(text) < INT_LIMIT:
        raise ValueError("integers are limited to 64 bits")
    return int(text)


def _readable_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e309 reads as infinity
        raise ValueError(f"number {_bounded(text)} is out of range")
    return number


def _not_a_number(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _load(text: str) -> Any:
    try:
        return json.loads(
            text,
            parse_float=_readable_float,
            parse_int=_readable_int,
            parse_constant=_not_a_number,
        )
    except json.JSONDecodeError as error:
        raise BadFrame("bad_frame", f"frame is not valid JSON: {error.msg}", None) from None
    except ValueError as error:  # from the number hooks
        raise BadFrame("bad_frame", f"frame is not valid JSON: {error}", None) from None
    except RecursionError:  # deeper than the parser goes
        raise BadFrame("bad_frame", TOO_DEEP, None) from None


def _problem_in(value: Any) -> str | None:
    """TOO_DEEP if arrays and objects nest more than MAX_DEPTH levels, NOT_TEXT if a key or a
    string is not text; walked without recursion, so a hostile frame cannot exhaust the stack."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if _NOT_TEXT_CHARS.search(item):
                return NOT_TEXT
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > MAX_DEPTH:
            return TOO_DEEP
        children = list(item.values()) + list(item) if isinstance(item, dict) else item
        pending.extend((child, depth + 1) for child in children)
    return None


def _id_of(raw: Any) -> int | str | None:
    """The frame's `id` if it can be read and sent back, else None."""
    frame_id = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(frame_id, bool) or not isinstance(frame_id, int | str):
        return None
    if isinstance(frame_id, str) and _NOT_TEXT_CHARS.search(frame_id):
        return None
    return frame_id


def _bounded(text: str) -> str:
    """Client text for an error message, bounded (what it is printable already)."""
    return text if len(text) <= 100 else text[:97] + "..."


def _field_name(part: str | int) -> str:
    """A field's name (or a list index) in an error message: an unknown field's name is the
    client's text, so it is shown escaped and bounded."""
    return _bounded(repr(part)[1:-1]) if isinstance(part, str) else str(part)


def parse_frame(text: str) -> ClientFrame:
    """A typed frame, or BadFrame naming exactly what is wrong with it."""
    if len(text.encode(errors="surrogatepass")) > MAX_FRAME_BYTES:
        raise BadFrame("frame_too_large", f"frames are limited to {MAX_FRAME_BYTES} bytes", None)
    raw = _load(text)
    problem = _problem_in(raw)
    if problem is not None:
        raise BadFrame("bad_frame", problem, _id_of(raw))
    if not isinstance(raw, dict):
        raise BadFrame("bad_frame", "a frame must be a JSON object", None)
    frame_id = _id_of(raw)
    if frame_id is None:
        raise BadFrame("bad_frame", "a frame needs an 'id' (number or string)", None)
    cmd = raw.get("cmd")
    if not isinstance(cmd, str) or cmd not in COMMANDS:  # a list or object is not hashable
        raise BadFrame("unknown_command", f"unknown command {_bounded(repr(cmd))}", frame_id)
    try:
        return _ADAPTER.validate_python(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(_field_name(p) for p in e['loc'][1:]) or 'frame'}: {e['msg']}"
            for e in error.errors()
        )
        raise BadFrame("bad_frame", f"invalid '{cmd}' frame: {problems}", frame_id) from None

"""An agent's presence as a transition table: (state, input) -> next state.

Rules kept here: an agent takes at most one call (offers and conference invitations only go
to READY agents, dialling only from READY or NOT_READY); a call that ended puts the agent in
WRAP_UP until a disposition; logging out is refused while a call is live or waiting for its
disposition. A forced logout (supervisor, idle timeout) is never refused: the agent's call is
withdrawn or closed by the system first, a conference party's leg is dropped (presence.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from agentbar.domain.model.errors import IllegalTransition


class AgentState(StrEnum):
    LOGGED_OUT = "logged_out"
    NOT_READY = "not_ready"
    READY = "ready"
    BREAK = "break"
    RESERVED = "reserved"
    DIALING = "dialing"
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    INVITED = "invited"
    """Their phone rings to join another agent's call as a conference party."""
    CONFERENCING = "conferencing"
    """A party to another agent's call: that agent owns it (and disposes it)."""


class AgentInput(StrEnum):
    LOGIN = "login"
    LOGOUT = "logout"
    READY = "ready"
    BREAK = "break"
    OFFER = "offer"
    OFFER_WITHDRAWN = "offer_withdrawn"
    ANSWER = "answer"
    CALL_ENDED = "call_ended"
    DISPOSE = "dispose"
    DISPOSE_NOT_READY = "dispose_not_ready"
    DIAL = "dial"
    FORCE_LOGOUT = "force_logout"
    INVITE = "invite"
    LEAVE = "leave"


S = AgentState
I = AgentInput  # noqa: E741 - a table reads better with one-letter aliases

TRANSITIONS: Final[Mapping[tuple[AgentState, AgentInput], AgentState]] = {
    (S.LOGGED_OUT, I.LOGIN): S.NOT_READY,
    (S.NOT_READY, I.READY): S.READY,
    (S.BREAK, I.READY): S.READY,
    (S.NOT_READY, I.BREAK): S.BREAK,
    (S.READY, I.BREAK): S.BREAK,
    (S.BREAK, I.BREAK): S.BREAK,
    (S.READY, I.OFFER): S.RESERVED,
    (S.RESERVED, I.OFFER_WITHDRAWN): S.READY,
    (S.RESERVED, I.ANSWER): S.ON_CALL,
    (S.ON_CALL, I.CALL_ENDED): S.WRAP_UP,
    (S.WRAP_UP, I.DISPOSE): S.READY,
    # An agent who dialled out while not ready returns to not ready after the call.
    (S.WRAP_UP, I.DISPOSE_NOT_READY): S.NOT_READY,
    (S.READY, I.DIAL): S.DIALING,
    (S.NOT_READY, I.DIAL): S.DIALING,
    # Dispose-and-dial: the disposition ends wrap-up and the next call starts at once, with no
    # moment of READY in between in which an inbound call could be offered.
    (S.WRAP_UP, I.DIAL): S.DIALING,
    (S.DIALING, I.ANSWER): S.ON_CALL,
    (S.DIALING, I.CALL_ENDED): S.WRAP_UP,
    (S.NOT_READY, I.LOGOUT): S.LOGGED_OUT,
    (S.READY, I.LOGOUT): S.LOGGED_OUT,
    (S.BREAK, I.LOGOUT): S.LOGGED_OUT,
    # A forced logout leaves from every logged-in state. With no call it is a logout...
    (S.NOT_READY, I.FORCE_LOGOUT): S.LOGGED_OUT,
    (S.READY, I.FORCE_LOGOUT): S.LOGGED_OUT,
    (S.BREAK, I.FORCE_LOGOUT): S.LOGGED_OUT,
    # ...a ringing offer is withdrawn and the call goes back to the front of its queue...
    (S.RESERVED, I.FORCE_LOGOUT): S.LOGGED_OUT,
    # ...a live call (or one still dialling) is ended by the system, then disposed like a
    # wrap-up timeout...
    (S.ON_CALL, I.FORCE_LOGOUT): S.LOGGED_OUT,
    (S.DIALING, I.FORCE_LOGOUT): S.LOGGED_OUT,
    # ...a call waiting for its disposition is disposed by the system...
    (S.WRAP_UP, I.FORCE_LOGOUT): S.LOGGED_OUT,
    # ...and a conference party's leg is dropped from the other agent's call.
    (S.INVITED, I.FORCE_LOGOUT): S.LOGGED_OUT,
    (S.CONFERENCING, I.FORCE_LOGOUT): S.LOGGED_OUT,
    # Conferenced in by another agent: only a ready agent is invited, and leaving the
    # conference (hung up, dropped, never answered, or the call ended) needs no wrap-up,
    # since the call's own agent disposes it.
    (S.READY, I.INVITE): S.INVITED,
    (S.INVITED, I.ANSWER): S.CONFERENCING,
    (S.INVITED, I.LEAVE): S.READY,
    (S.CONFERENCING, I.LEAVE): S.READY,
}

BUSY_STATES: Final = frozenset(
    {S.RESERVED, S.DIALING, S.ON_CALL, S.WRAP_UP, S.INVITED, S.CONFERENCING}
)
"""The agent has a call: ringing for them, dialled, live, waiting for its disposition, or
another agent's as a party. Their extension and campaign stay put, and their session outlives
its clock until they are free."""

PARTY_STATES: Final = frozenset({S.INVITED, S.CONFERENCING})
"""An agent in these states is a party to another agent's call, not its owner."""

_REFUSALS: Final[Mapping[AgentInput, str]] = {
    I.LOGOUT: "cannot log out while a call is live or waiting for its disposition",
    I.READY: "cannot become ready now",
    I.BREAK: "cannot take a break during a call or its wrap-up",
    I.DISPOSE: "there is no call waiting for a disposition",
    I.DIAL: "cannot dial now: finish the current call or leave the break first",
    I.FORCE_LOGOUT: "cannot log out an agent who is not logged in",
}


def next_state(state: AgentState, given: AgentInput) -> AgentState:
    """The state after `given`, or IllegalTransition naming both."""
    try:
        return TRANSITIONS[(state, given)]
    except KeyError:
        reason = _REFUSALS.get(given, f"cannot {given.value}")
        raise IllegalTransition(f"{reason} (agent is {state.value})") from None


class ExtensionKind(StrEnum):
    """What answers an extension's calls."""

    PHONE = "phone"
    """A SIP desk phone or softphone of the agent's own."""
    BROWSER = "browser"
    """The toolbar's own phone, in the agent's browser."""


@dataclass(frozen=True)
class Extension:
    """A SIP endpoint an agent works from, e.g. name 'SIP 1001', phone '1001'."""

    name: str
    phone: str
    kind: ExtensionKind = ExtensionKind.PHONE


@dataclass(frozen=True)
class BreakReason:
    """A configured reason for a break; a productive one (training, coaching) still counts as
    work time in reports, an unproductive one (lunch) does not."""

    name: str
    productive: bool = False


@dataclass(frozen=True)
class AgentProfile:
    """What the domain needs to know of a provisioned agent when it logs in."""

    agent_id: str
    name: str
    campaign_ids: frozenset[str]


@dataclass
class Agent:
    profile: AgentProfile
    state: AgentState = AgentState.LOGGED_OUT
    state_since: float = 0.0
    extension: Extension | None = None
    campaign_id: str | None = None
    call_id: str | None = None
    break_reason: str | None = None
    idle_since: float = field(default=0.0)
    last_offer: int = 0
    """Order of the last offer this agent got (round-robin routing)."""
    missed: int = 0
    """Offers missed in a row."""
    lead_id: str | None = None
    """The lead a preview campaign is showing this agent."""
    after_call: AgentInput = AgentInput.DISPOSE
    """How the current call's disposition releases the agent (back to where they dialled from)."""
    auto_call: bool = False
    """The dialer may place calls for this agent; only ever on in an outbound campaign."""

    @property
    def agent_id(self) -> str:
        return self.profile.agent_id

    def report_changes_to(self, changed: set[str]) -> None:
        """From now on every change of this agent adds its id to `changed`: how the floor
        knows which agents to store after a move, whichever handler made it."""
        object.__setattr__(self, "_changed", changed)
        changed.add(self.profile.agent_id)

    def __setattr__(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)
        changed: set[str] | None = self.__dict__.get("_changed")
        if changed is not None:
            changed.add(self.profile.agent_id)

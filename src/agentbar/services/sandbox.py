"""Simulated customers for the sandbox API: place a call into a campaign, hang it up, script
how a number treats outbound calls; and the abandon messages the simulated network played."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agentbar.domain.model.campaign import CampaignKind
from agentbar.domain.model.errors import DomainError, UnknownCampaign
from agentbar.phones import InvalidPhone, normalize_phone
from agentbar.ports import CustomerBehaviour, Sandbox
from agentbar.services.runtime import Runtime

__all__ = [
    "CallNotTaken",
    "InvalidPhone",
    "InvalidScript",
    "PlayedMessage",
    "SandboxCalls",
    "WrongCampaignKind",
]


class WrongCampaignKind(DomainError):
    code = "wrong_campaign_kind"


class CallNotTaken(DomainError):
    """The call arrived but the floor did not store it (storage failed): not acknowledged."""

    code = "call_not_taken"


class InvalidScript(DomainError):
    """A customer's script asks for what no customer does (a busy line that answers)."""

    code = "invalid_customer_script"


@dataclass(frozen=True)
class PlayedMessage:
    call_id: str
    message: str


PLACE = "sandbox.place"
HANG_UP = "sandbox.hang_up"
SCRIPT_CUSTOMER = "sandbox.script_customer"
ABANDON_MESSAGES = "sandbox.abandon_messages"


class SandboxCalls:
    """On any node: the simulated network lives with the floor's owner, so a door asks it."""

    def __init__(self, runtime: Runtime, sandbox: Sandbox, default_region: str = "US") -> None:
        self._runtime = runtime
        self._sandbox = sandbox
        self._region = default_region
        runtime.provide(PLACE, self._place_here)
        runtime.provide(HANG_UP, self._hang_up_here)
        runtime.provide(SCRIPT_CUSTOMER, self._script_here)
        runtime.provide(ABANDON_MESSAGES, self._abandon_messages_here)

    async def place_inbound(self, phone: str, campaign_name: str) -> str:
        """The customer's call, once the floor has it stored (so an acknowledged call is never
        lost to a crash); CallNotTaken if the floor could not take it, OwnerBusy if the floor's
        owner (on another node) was too far behind to try."""
        campaign = self._runtime.center.campaign_named(campaign_name)
        if campaign is None:
            raise UnknownCampaign(f"no campaign named '{campaign_name}'")
        if campaign.kind is not CampaignKind.INBOUND:
            raise WrongCampaignKind(
                f"campaign '{campaign.name}' is {campaign.kind.value}; "
                "simulated customer calls go to inbound campaigns"
            )
        placed = await self._runtime.on_owner(
            PLACE,
            {"phone": normalize_phone(phone, self._region), "campaignId": campaign.campaign_id},
            new_work=True,  # nothing is done before it: an owner that is behind may refuse it
        )
        return str(placed["callId"])

    async def hang_up(self, call_id: str) -> None:
        """The customer hangs up; answered once the floor has stored the call's end."""
        await self._runtime.on_owner(HANG_UP, {"callId": call_id})

    async def script_customer(self, phone: str, behaviour: CustomerBehaviour) -> None:
        """From now on the customer at `phone` treats outbound calls as `behaviour` says;
        InvalidScript if no customer could, InvalidPhone if `phone` is no number."""
        _refuse_impossible(behaviour)
        number = normalize_phone(phone, self._region)
        await self._runtime.on_owner(
            SCRIPT_CUSTOMER,
            {
                "phone": number,
                "answerAfter": behaviour.answer_after,
                "busy": behaviour.busy,
                "machine": behaviour.machine,
                "hangUpAfter": behaviour.hang_up_after,
                "ivrKeys": behaviour.ivr_keys,
            },
        )

    async def abandon_messages(self) -> list[PlayedMessage]:
        """The message every abandoned call heard, oldest first (since the owner started)."""
        answer = await self._runtime.on_owner(ABANDON_MESSAGES, {})
        return [PlayedMessage(played["callId"], played["message"]) for played in answer["played"]]

    async def _place_here(self, args: dict[str, Any]) -> dict[str, Any]:
        call_id = self._sandbox.place_inbound_call(args["phone"], args["campaignId"])
        await self._runtime.caught_up()
        if self._runtime.center.any_call(call_id) is None:
            raise CallNotTaken(f"call '{call_id}' could not be taken; try again")
        return {"callId": call_id}

    async def _hang_up_here(self, args: dict[str, Any]) -> dict[str, Any]:
        self._sandbox.hang_up_customer(args["callId"])
        await self._runtime.caught_up()
        return {}

    async def _script_here(self, args: dict[str, Any]) -> dict[str, Any]:
        behaviour = CustomerBehaviour(
            answer_after=args["answerAfter"],
            busy=args["busy"],
            machine=args["machine"],
            hang_up_after=args["hangUpAfter"],
            ivr_keys=args.get("ivrKeys", ""),
        )
        self._sandbox.script_outbound_customer(args["phone"], behaviour)
        return {}

    async def _abandon_messages_here(self, args: dict[str, Any]) -> dict[str, Any]:
        played = self._sandbox.dialer_record.messages_played
        return {"played": [{"callId": call, "message": message} for call, message in played]}


def _refuse_impossible(behaviour: CustomerBehaviour) -> None:
    """InvalidScript naming what no customer does: a field that could never take effect is a
    mistake in the test that sent it, better told than silently ignored."""
    if behaviour.busy and behaviour.machine:
        raise InvalidScript("busy and machine: a busy line is picked up by nobody, not a machine")
    if behaviour.busy and behaviour.answer_after is not None:
        raise InvalidScript("busy: a busy line is never picked up; leave answerAfter out")
    if behaviour.machine and behaviour.answer_after is None:
        raise InvalidScript("machine: an answering machine picks up; give answerAfter")
    if behaviour.hang_up_after is not None and (
        behaviour.busy or behaviour.machine or behaviour.answer_after is None
    ):
        raise InvalidScript(
            "hangUpAfter: only a person who picks up hangs up; leave it out with busy, "
            "machine or an answerAfter of null"
        )

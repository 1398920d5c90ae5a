"""Domain errors: each carries a stable machine code and a message meant for a person."""

from __future__ import annotations


class DomainError(Exception):
    """A command or signal the contact center refuses; nothing was changed."""

    code = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IllegalTransition(DomainError):
    code = "illegal_transition"


class UnknownAgent(DomainError):
    code = "unknown_agent"


class UnknownCampaign(DomainError):
    code = "unknown_campaign"


class UnknownCall(DomainError):
    code = "unknown_call"


class CampaignNotAssigned(DomainError):
    code = "campaign_not_assigned"


class NotSetUp(DomainError):
    """The agent lacks an extension or a campaign needed for the command."""

    code = "not_set_up"


class NoCurrentCall(DomainError):
    code = "no_current_call"


class InvalidDisposition(DomainError):
    code = "invalid_disposition"


class UnknownBreakReason(DomainError):
    code = "unknown_break_reason"


class CallbackNotAllowed(DomainError):
    code = "callback_not_allowed"


class NoLead(DomainError):
    code = "no_lead"


class NotOutboundCampaign(DomainError):
    """Auto-call needs an outbound campaign selected: inbound calls come to the agent anyway."""

    code = "not_outbound_campaign"


class UnknownTarget(DomainError):
    """A transfer or conference names no known IVR, queue, campaign or logged-in agent."""

    code = "unknown_target"


class TargetUnavailable(DomainError):
    """The named agent exists but cannot take the call now (not ready, busy, yourself)."""

    code = "target_unavailable"


class ConsultInProgress(DomainError):
    """Another transfer or a conference was asked for while the customer is held for a
    consult: complete or cancel the consult first."""

    code = "consult_in_progress"


class NoConsult(DomainError):
    code = "no_consult"


class ConsultNotAnswered(DomainError):
    """A consult can be completed only once its target has answered."""

    code = "consult_not_answered"


class ConferenceInProgress(DomainError):
    """A transfer while conference parties are still on the call: drop them first."""

    code = "conference_in_progress"


class UnknownLeg(DomainError):
    code = "unknown_leg"


class DoNotCall(DomainError):
    """The number is on the do-not-call list: it is never dialled, in any mode."""

    code = "do_not_call"

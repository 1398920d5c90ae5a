"""The catalog: agents, extensions, campaigns, break reasons and IVRs, as provisioned.

Names are the keys: writing a name that exists replaces what it names. A phone belongs to
one extension at most; a write that would give it to a second raises StorageConflict.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from agentbar.domain.model.agent import BreakReason, Extension, ExtensionKind
from agentbar.domain.model.campaign import (
    DEFAULT_ABANDON_LIMIT,
    DEFAULT_ABANDON_WINDOW,
    DEFAULT_CALLING_HOURS,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MIN_RING_SECONDS,
    DEFAULT_RETRY_DELAYS,
    Campaign,
    CampaignKind,
    DialMode,
    DispositionPlan,
    RetryDelays,
    Routing,
    WallboardThresholds,
)
from agentbar.domain.model.ivr import DigitCollection, Ivr
from agentbar.ports.values import AgentRecord, AgentSummary


class Catalog(Protocol):
    # -- agents ------------------------------------------------------------------------------

    def upsert_agent(
        self, agent_id: str, name: str, password_hash: str | None, auth_policy: str = "any"
    ) -> None:
        """Create the agent or replace its name, password hash and policy (not campaigns)."""
        ...

    def set_agent_campaigns(self, agent_id: str, campaign_names: Sequence[str]) -> list[str]:
        """Assign exactly these campaigns to the agent; if some names match no campaign,
        nothing changes and those names are returned."""
        ...

    async def agent(self, agent_id: str) -> AgentRecord | None: ...

    async def agent_summaries(self) -> list[AgentSummary]:
        """Every agent, by id, with the names of its campaigns (by name)."""
        ...

    def campaign_agent_ids(self) -> dict[str, list[str]]:
        """Each campaign's id with the ids of the agents assigned to it, by agent id."""
        ...

    # -- extensions --------------------------------------------------------------------------

    def upsert_extension(
        self, name: str, phone: str, kind: ExtensionKind = ExtensionKind.PHONE
    ) -> None: ...

    def put_extensions(self, entries: Sequence[Extension]) -> None:
        """Create or replace these extensions at once, so phones may move between them."""
        ...

    def delete_extension(self, name: str) -> bool:
        """False if there was no such extension."""
        ...

    async def extensions(self, limit: int | None = None) -> Sequence[Extension]:
        """Provisioned extensions, by phone; at most `limit` of them."""
        ...

    async def extension_with_phone(self, phone: str) -> Extension | None:
        """The provisioned extension with that phone number."""
        ...

    async def extension(self, name: str) -> Extension | None:
        """A provisioned extension, its name matched regardless of case."""
        ...

    # -- campaigns ---------------------------------------------------------------------------

    def upsert_campaign(
        self,
        name: str,
        kind: CampaignKind,
        plan: DispositionPlan,
        agent_ids: Sequence[str],
        *,
        routing: Routing = Routing.LONGEST_IDLE,
        ring_timeout: float | None = None,
        max_misses: int | None = None,
        wrap_up_timeout: float | None = None,
        default_disposition: str | None = None,
        callback_in_dispose_dial: bool = False,
        dial_mode: DialMode = DialMode.MANUAL,
        abandon_limit: float = DEFAULT_ABANDON_LIMIT,
        abandon_window: str = DEFAULT_ABANDON_WINDOW,
        min_ring_seconds: int = DEFAULT_MIN_RING_SECONDS,
        calling_hours: str = DEFAULT_CALLING_HOURS,
        time_zone: str | None = None,
        abandon_message: str | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        retry_delays: RetryDelays = DEFAULT_RETRY_DELAYS,
        # The model's defaults: a dataclass keeps each field's default on the class.
        service_level_seconds: int = Campaign.service_level_seconds,
        short_abandon_seconds: int = Campaign.short_abandon_seconds,
        wallboard: WallboardThresholds = Campaign.wallboard,
    ) -> str:
        """Create or update the campaign named `name` (its plan replaced, `agent_ids` added
        to those assigned); returns its id, which stays the same across updates. The settings
        are stored as given: the services check them first."""
        ...

    async def campaigns(self) -> Sequence[Campaign]:
        """Every campaign, in the order they were created."""
        ...

    # -- break reasons -----------------------------------------------------------------------

    def replace_break_reasons(self, reasons: Sequence[BreakReason]) -> None:
        """These reasons, in this order, and no others."""
        ...

    def upsert_break_reason(self, name: str, productive: bool, position: int) -> None: ...

    async def break_reasons(self) -> Sequence[BreakReason]:
        """Every configured break reason, in display order."""
        ...

    # -- IVRs --------------------------------------------------------------------------------

    def upsert_ivr(self, name: str, position: int) -> None:
        """Create the IVR at `position`, or move it there (what it is stays as it was)."""
        ...

    def put_ivr(self, name: str, description: str | None, collect: DigitCollection | None) -> None:
        """Create the IVR at the end of the list, or replace its description and the digits
        it collects (None: none) in place."""
        ...

    def delete_ivr(self, name: str) -> bool:
        """False if there was no such IVR."""
        ...

    def ivr_details(self) -> list[Ivr]:
        """Every IVR, with its description and the digits it collects, in display order."""
        ...

    async def ivrs(self) -> Sequence[str]:
        """The names of the IVRs calls can be transferred or conferenced to, in order."""
        ...

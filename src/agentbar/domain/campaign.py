"""Campaigns and their two-level disposition plans (class -> codes)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from agentbar.domain.errors import InvalidDisposition


class CampaignKind(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


@dataclass(frozen=True)
class DispositionClass:
    name: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class DispositionPlan:
    classes: tuple[DispositionClass, ...]

    def resolve(self, code: str) -> tuple[str, str]:
        """(class, code) as spelled in the plan; codes match regardless of case and spacing."""
        wanted = code.strip().casefold()
        for klass in self.classes:
            for known in klass.codes:
                if known.casefold() == wanted:
                    return klass.name, known
        offered = ", ".join(c for k in self.classes for c in k.codes) or "none"
        raise InvalidDisposition(
            f"invalid disposition code '{code}' (this campaign offers: {offered})"
        )


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    name: str
    kind: CampaignKind
    plan: DispositionPlan

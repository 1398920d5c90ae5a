"""Demo data: five agents, five SIP phone extensions and five browser ones, two campaigns,
break reasons, IVRs. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from agentbar.auth.passwords import Passwords
from agentbar.domain.model.agent import ExtensionKind
from agentbar.domain.model.campaign import (
    ANY_HOUR,
    CampaignKind,
    DialMode,
    DispositionClass,
    DispositionPlan,
)
from agentbar.domain.model.ivr import DigitCollection
from agentbar.ports import Catalog

DEMO_AGENTS = tuple(f"agent{n}" for n in range(1, 6))
DEMO_PLAN = DispositionPlan(
    (
        DispositionClass("Resolved", ("Sale", "Info Given")),
        DispositionClass("Follow Up", ("Callback", "Escalated")),
    )
)
DEMO_IVRS = ("Survey", "Main Menu")
SURVEY_RATING = DigitCollection(max_digits=1, terminator=None, timeout_seconds=10.0)
"""The Survey asks the caller to rate the call: one key, 1 to 5."""
DEMO_BREAK_REASONS = (
    ("Training", True),
    ("Snacks", False),
    ("Lunch", False),
    ("Unavailable", False),
)


@dataclass(frozen=True)
class DemoCredentials:
    user_id: str
    password: str
    extension_name: str
    extension_phone: str


def seed_demo(storage: Catalog, passwords: Passwords) -> list[DemoCredentials]:
    credentials = []
    for n, user_id in enumerate(DEMO_AGENTS, start=1):
        phone = str(1000 + n)
        # Demo only: each password is the user id, printed at start.
        storage.upsert_agent(user_id, f"Agent {n}", passwords.hash(user_id))
        storage.upsert_extension(f"SIP {phone}", phone)
        credentials.append(DemoCredentials(user_id, user_id, f"SIP {phone}", phone))
        # The toolbar's own phone, for an agent with no SIP phone at hand.
        browser_phone = str(2000 + n)
        storage.upsert_extension(f"Browser {browser_phone}", browser_phone, ExtensionKind.BROWSER)
    for name, kind in (
        ("Inbound Support", CampaignKind.INBOUND),
        ("Outbound Sales", CampaignKind.OUTBOUND),
    ):
        storage.upsert_campaign(
            name,
            kind,
            DEMO_PLAN,
            DEMO_AGENTS,
            ring_timeout=20.0,
            max_misses=3,
            wrap_up_timeout=120.0,
            default_disposition="Info Given",
            dial_mode=DialMode.PREVIEW if kind is CampaignKind.OUTBOUND else DialMode.MANUAL,
            # A sandbox calls nobody: its leads are dealt out at any hour of the demo's day.
            calling_hours=ANY_HOUR,
        )
    for position, (name, productive) in enumerate(DEMO_BREAK_REASONS):
        storage.upsert_break_reason(name, productive, position)
    for position, name in enumerate(DEMO_IVRS):
        storage.upsert_ivr(name, position)
    survey = next(ivr for ivr in storage.ivr_details() if ivr.name == "Survey")
    storage.put_ivr(survey.name, survey.description, SURVEY_RATING)
    return credentials

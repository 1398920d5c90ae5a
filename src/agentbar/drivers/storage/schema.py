"""The tables, as SQLAlchemy Core metadata; migrations/ creates them, this module reads them."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
    text,
)

metadata = MetaData()

agents = Table(
    "agents",
    metadata,
    Column("agent_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("password_hash", String(255), nullable=True),
    Column("auth_policy", String(20), nullable=False, server_default="any"),
)

extensions = Table(
    "extensions",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("phone", String(40), nullable=False, unique=True),
    # What answers its calls (ExtensionKind; migration 0020): a phone of the agent's own, or
    # the toolbar's phone in the browser.
    Column("kind", String(20), nullable=False, server_default="phone"),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("campaign_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),
    Column("routing", String(20), nullable=False, server_default="longest_idle"),
    Column("ring_timeout", Float, nullable=True),
    Column("max_misses", Integer, nullable=True),
    Column("wrap_up_timeout", Float, nullable=True),
    Column("default_disposition", String(100), nullable=True),
    Column("callback_in_dispose_dial", Boolean, nullable=False, server_default=false()),
    Column("dial_mode", String(20), nullable=False, server_default="manual"),
    # The dialer's settings (migration 0015); the server defaults are the model's defaults,
    # so a campaign stored before them reads as it always did.
    Column("abandon_limit", Float, nullable=False, server_default="0.03"),
    Column("abandon_window", String(8), nullable=False, server_default="30d"),
    Column("min_ring_seconds", Integer, nullable=False, server_default="15"),
    Column("calling_hours", String(20), nullable=False, server_default="08:00-21:00"),
    Column("time_zone", String(100), nullable=True),
    Column("abandon_message", String(500), nullable=True),
    Column("max_attempts", Integer, nullable=False, server_default="3"),
    Column("retry_busy_seconds", Integer, nullable=False, server_default="600"),
    Column("retry_no_answer_seconds", Integer, nullable=False, server_default="3600"),
    Column("retry_machine_seconds", Integer, nullable=False, server_default="14400"),
    Column("retry_abandoned_seconds", Integer, nullable=False, server_default="86400"),
    Column("retry_dispositions", Text, nullable=False, server_default="{}"),
    # Seconds by disposition code, as JSON: leads retried after a call disposed so.
    # What its reports and wallboard measure it by (migration 0023; docs/reports.md), the
    # server defaults again the model's.
    Column("service_level_seconds", Integer, nullable=False, server_default="20"),
    Column("short_abandon_seconds", Integer, nullable=False, server_default="5"),
    Column("wallboard_sl_warning", Float, nullable=False, server_default="80"),
    Column("wallboard_sl_alarm", Float, nullable=False, server_default="60"),
    Column("wallboard_wait_warning", Integer, nullable=False, server_default="30"),
    Column("wallboard_wait_alarm", Integer, nullable=False, server_default="60"),
)

disposition_codes = Table(
    "disposition_codes",
    metadata,
    Column("campaign_id", Integer, ForeignKey("campaigns.campaign_id"), primary_key=True),
    Column("code", String(100), primary_key=True),
    Column("class_name", String(100), nullable=False),
    Column("position", Integer, nullable=False),
)

campaign_agents = Table(
    "campaign_agents",
    metadata,
    Column("campaign_id", Integer, ForeignKey("campaigns.campaign_id"), primary_key=True),
    Column("agent_id", String(64), ForeignKey("agents.agent_id"), primary_key=True),
)

break_reasons = Table(
    "break_reasons",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("productive", Boolean, nullable=False),
    Column("position", Integer, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("session_id", String(64), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("agent_id", String(64), ForeignKey("agents.agent_id"), nullable=False, index=True),
    Column("crm_origin", String(300), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("ended_at", Float, nullable=True),
    Column("end_reason", String(200), nullable=True),
    Column("crm_session_id", String(200), nullable=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("audit_id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("action", String(40), nullable=False),
    Column("username", String(64), nullable=True, index=True),
    Column("client", String(100), nullable=True),
    Column("reason", String(200), nullable=True),
)

calls = Table(
    "calls",
    metadata,
    Column("call_id", String(64), primary_key=True),
    Column("call_type", String(20), nullable=False),
    Column("campaign_id", Integer, ForeignKey("campaigns.campaign_id"), nullable=False),
    Column("phone", String(40), nullable=False),
    Column("state", String(20), nullable=False),
    Column("agent_id", String(64), nullable=True, index=True),
    Column("user_crt", String(64), nullable=True),
    Column("customer_crt", String(64), nullable=False),
    Column("screen_pop_id", String(64), nullable=True, index=True),
    Column("record_id", String(200), nullable=True),
    Column("queued_at", Float, nullable=False),
    Column("offered_at", Float, nullable=True),
    Column("answered_at", Float, nullable=True),
    Column("ended_at", Float, nullable=True),
    Column("ended_by", String(20), nullable=True),
    Column("disposed_at", Float, nullable=True),
    Column("disposition_class", String(100), nullable=True),
    Column("disposition_code", String(100), nullable=True),
    Column("disposition_note", Text, nullable=True),
    Column("transferred_from", String(64), nullable=True, index=True),
    Column("tpv", Boolean, nullable=False, server_default=false()),
    Column("hold_seconds", Float, nullable=False, server_default=text("0")),
)
# The reports find a day's calls, by campaign or all, without reading the rest.
Index("ix_calls_queued_at", calls.c.queued_at)
Index("ix_calls_campaign_queued_at", calls.c.campaign_id, calls.c.queued_at)

call_legs = Table(
    "call_legs",
    metadata,
    Column("call_id", String(64), ForeignKey("calls.call_id"), primary_key=True),
    # A leg's CRT id; the customer's appears again in the call a transfer continues as.
    Column("leg_id", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("party", String(200), nullable=False),
    Column("purpose", String(20), nullable=False),
    Column("state", String(20), nullable=False),
    Column("started_at", Float, nullable=False),
    Column("answered_at", Float, nullable=True),
    Column("ended_at", Float, nullable=True),
    Column("end_reason", String(40), nullable=True),
)

call_transfers = Table(
    "call_transfers",
    metadata,
    Column("transfer_id", String(64), primary_key=True),
    Column("call_id", String(64), ForeignKey("calls.call_id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("target", String(200), nullable=False),
    Column("agent_id", String(64), nullable=False),
    Column("leg_id", String(64), nullable=True),
    Column("new_call_id", String(64), nullable=True),
    Column("state", String(20), nullable=False),
    Column("requested_at", Float, nullable=False),
    Column("finished_at", Float, nullable=True),
)

ivrs = Table(
    "ivrs",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("description", String(200), nullable=True),
    # The digits it asks callers for (DigitCollection; migration 0021): none when
    # collect_max_digits is null; a null terminator is a collection no key ends early.
    Column("collect_max_digits", Integer, nullable=True),
    Column("collect_terminator", String(1), nullable=True),
    Column("collect_timeout_seconds", Float, nullable=True),
)

events = Table(
    "events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(60), nullable=False),
    Column("at", Float, nullable=False),
    Column("agent_id", String(64), nullable=True, index=True),
    Column("call_id", String(64), nullable=True, index=True),
    Column("data", Text, nullable=False),
)
# The agent report reads a day's state changes without reading every other event.
Index("ix_events_kind_at", events.c.kind, events.c.at)
# ... and each agent's state when the day began: one seek per agent.
Index("ix_events_kind_agent_at", events.c.kind, events.c.agent_id, events.c.at)

callbacks = Table(
    "callbacks",
    metadata,
    Column("callback_id", String(64), primary_key=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.campaign_id"), nullable=False),
    Column("phone", String(40), nullable=False),
    Column("due_at", Float, nullable=False),
    Column("scheduled_by", String(64), nullable=False),
    Column("for_agent", String(64), nullable=True),
    Column("params", Text, nullable=False),
    Column("state", String(20), nullable=False, index=True),
    Column("call_id", String(64), nullable=True),
)

leads = Table(
    "leads",
    metadata,
    Column("lead_id", String(64), primary_key=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.campaign_id"), nullable=False),
    Column("phone", String(40), nullable=False),
    Column("name", String(200), nullable=True),
    Column("data", Text, nullable=False),
    Column("state", String(20), nullable=False, index=True),
    Column("agent_id", String(64), nullable=True),
    Column("call_id", String(64), nullable=True),
    Column("position", Integer, nullable=False),
    Column("zones", Text, nullable=False, server_default=""),
    # The lead's time zones, comma-separated; empty: unknown.
    Column("attempts", Text, nullable=False, server_default="[]"),
    # Every ended dial of the lead: a JSON list of {callId, dialledAt, outcome}.
    Column("next_try_at", Float, nullable=True),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("url", String(1000), nullable=False),
    Column("secret", String(200), nullable=False),
    Column("cursor", Integer, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("delivery_id", Integer, primary_key=True, autoincrement=True),
    Column("webhook", String(100), nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at", Float, nullable=False),
    Column("status", String(20), nullable=False),
    Column("detail", String(300), nullable=True),
)

allowed_origins = Table(
    "allowed_origins",
    metadata,
    Column("origin", String(300), primary_key=True),
    Column("position", Integer, nullable=False),
)

server_settings = Table(
    "server_settings",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)


# -- the live floor, as the last stored move left it (read back by a starting process) -------

floor_agents = Table(
    "floor_agents",
    metadata,
    Column("agent_id", String(64), primary_key=True),
    Column("doc", Text, nullable=False),
)

floor_calls = Table(
    "floor_calls",
    metadata,
    Column("call_id", String(64), primary_key=True),
    Column("doc", Text, nullable=False),
)

floor_queues = Table(
    "floor_queues",
    metadata,
    Column("campaign_id", String(64), primary_key=True),
    Column("call_ids", Text, nullable=False),
)

floor_timers = Table(
    "floor_timers",
    metadata,
    Column("timer_key", String(200), primary_key=True),
    Column("due_at", Float, nullable=False),
)

floor_dialers = Table(
    "floor_dialers",
    metadata,
    Column("campaign_id", String(64), primary_key=True),
    Column("doc", Text, nullable=False),
    # The predictive dialer's abandon window, figures and level, as JSON.
)


# -- several nodes: the floor's lease (one row) and every node's heartbeat ---------------------

floor_lease = Table(
    "floor_lease",
    metadata,
    Column("name", String(20), primary_key=True),
    Column("owner", String(100), nullable=True),
    Column("epoch", Integer, nullable=False),
    Column("expires_at", Float, nullable=False),
)

cluster_nodes = Table(
    "cluster_nodes",
    metadata,
    Column("node_id", String(100), primary_key=True),
    Column("last_seen", Float, nullable=False),
    Column("sockets", Integer, nullable=False),
)


# -- the telephony driver's own dialogs (SIP), kept across a restart ---------------------------

sip_dialogs = Table(
    "sip_dialogs",
    metadata,
    Column("dialog_key", Text, primary_key=True),
    Column("doc", Text, nullable=False),
)


# -- numbers never to be dialled ---------------------------------------------------------------

do_not_call = Table(
    "do_not_call",
    metadata,
    Column("phone", String(40), primary_key=True),
    Column("note", String(200), nullable=True),
    Column("added_at", Float, nullable=False),
)

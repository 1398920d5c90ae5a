"""Settings, from command-line flags and AGENTBAR_* environment variables; no I/O at import."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from agentbar.origins import parse_allowed_origin

MIN_ADMIN_TOKEN = 22
"""Characters of the shortest admin token accepted: 128 bits written in base64url."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AGENTBAR_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    data_dir: Path = Path("agentbar-data")
    demo: bool = False

    allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """CRM origins allowed to embed the toolbar (comma-separated in the environment)."""

    admin_token: str | None = None
    """Bearer token for the admin and simulator API; generated and printed when unset. At
    least 22 characters (128 bits as base64url; `openssl rand -hex 16` gives 32)."""

    public_url: str | None = None
    """The URL agents' browsers reach this server at (e.g. https://agentbar.example.com): its
    host is what the `Host` header must name. Unset: the address it listens on."""

    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """More `Host` names (host or host:port, comma-separated) the server answers to, besides
    the public URL's and the listening address's (DNS rebinding guard)."""

    api_docs: bool = False
    """Serve the OpenAPI description and its pages (/docs, /redoc, /openapi.json)."""

    public_metrics: bool = False
    """Serve /metrics without the admin token (for a scraper on a trusted network)."""

    allow_private_targets: bool = False
    """Let webhook and CRM SSO URLs name loopback, link-local or private addresses."""

    socket_rate: float = Field(default=20.0, gt=0.0, le=10_000.0)
    """Frames per second one toolbar socket may send, on average."""

    socket_burst: int = Field(default=40, ge=1, le=100_000)
    """Frames one toolbar socket may send at once, above its rate."""

    socket_queue: int = Field(default=64, ge=1, le=10_000)
    """Frames one socket may have waiting for their answer; one more closes it (1008)."""

    socket_auth_timeout: float = Field(default=10.0, gt=0.0, le=600.0)
    """Seconds a toolbar socket may stay open without logging in or resuming."""

    sockets_per_address: int = Field(default=1_000, ge=1)
    """Open sockets from one client address (a call center's agents often share one)."""

    sockets_total: int = Field(default=20_000, ge=1)
    """Open sockets in all."""

    max_requests_in_flight: int = Field(default=256, ge=1)
    """API requests handled at once; one more is answered 503 with Retry-After at once."""

    max_queue_ms: float = Field(default=20.0, ge=0.0, le=60_000.0)
    """While even the quickest API request that changes something took longer than this, in
    two 50 ms windows in a row (work standing in a queue inside the process), fewer API
    requests are let in at once and the rest are answered 503 at once; 0 turns it off."""

    max_loop_lag_ms: float = Field(default=50.0, ge=0.0, le=10_000.0)
    """While the event loop runs this many milliseconds late (at each of its last few
    wake-ups), new API requests and sockets are answered 503 / closed 1013 at once instead of
    queued; 0 turns it off."""

    max_body_bytes: int = Field(default=1_048_576, ge=1_024)
    """The largest request body, except on routes that take whole files (lead lists, the
    configuration), which take `max_upload_bytes`."""

    max_upload_bytes: int = Field(default=33_554_432, ge=1_024)
    """The largest lead-list or configuration upload."""

    storage_timeout: float = Field(default=5.0, gt=0.0, le=120.0)
    """Seconds a command waits for the database (a lock, a slow disk) before it is answered
    `storage_unavailable`."""

    database_url: str | None = None
    """SQLAlchemy URL; a SQLite file in the data dir when unset."""

    report_retention_days: int | None = Field(default=None, ge=1, le=3650)
    """Days calls and events are kept for the reports; older ones are deleted every hour.
    None: everything is kept."""

    telephony: str = "simulator"
    bus: str = "memory"
    redis_url: str | None = None
    """The Redis server of `bus: redis`, e.g. redis://127.0.0.1:6379/0."""
    node_id: str = Field(default_factory=socket.gethostname, min_length=1, max_length=100)
    """This process's name among the nodes sharing one database (the floor's lease names it)."""
    lease_seconds: float = Field(default=5.0, ge=1.0, le=300.0)
    """How long the floor's lease holds without renewal: the longest a dead owner keeps the
    floor from another node."""

    simulator_answer_delay: float = Field(default=0.0, ge=0.0)
    """Seconds a simulated agent phone rings before it auto-answers."""

    idle_timeout: float = Field(default=600.0, gt=0.0)
    """Seconds a session may have no toolbar socket open before it is logged out."""

    session_max_age: float = Field(default=12 * 3600.0, gt=0.0)
    """Seconds a session may last at most (it ends at the first moment its agent is free)."""

    crm_sso_url: str | None = None
    """The CRM's login/logout endpoint for AUTH_TYPE_CRM_HTTP; CRM login is refused when unset."""

    crm_sso_format: Literal["json", "form", "xml"] = "json"
    """How requests to the CRM are encoded and its answers parsed."""

    crm_sso_connect_timeout: float = Field(default=3.0, gt=0.0, le=60.0)
    """Seconds to establish the connection to the CRM."""

    crm_sso_timeout: float = Field(default=5.0, gt=0.0, le=60.0)
    """Seconds for a whole request to the CRM, connection included."""

    token_secret: SecretStr | None = None
    """Shared secret for HS256 login tokens (AUTH_TYPE_TOKEN)."""

    token_public_key: str | None = None
    """PEM public key for RS256 login tokens (AUTH_TYPE_TOKEN)."""

    sip_listen_host: str = "127.0.0.1"
    """Address the SIP driver listens on (UDP) for the phones and the trunk."""

    sip_listen_port: int = Field(default=5060, ge=0, le=65535)

    sip_trunk: str | None = None
    """host:port of the SIP trunk: outbound calls go there, inbound calls are taken from it only."""

    sip_realm: str = "agentbar"
    """Digest realm the extensions authenticate in."""

    sip_passwords: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    """Digest passwords of the extensions, `1001=secret,1002=other` in the environment."""

    sip_password: SecretStr | None = None
    """One digest password for every extension without its own in `sip_passwords`."""

    sip_routes: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    """Dialed number -> inbound campaign name, `+18005550100=Inbound Support,...`."""

    sip_default_campaign: str | None = None
    """The inbound campaign for dialed numbers not in `sip_routes`; None: they are refused."""

    sip_ring_timeout: float = Field(default=30.0, gt=0.0, le=600.0)
    """Seconds a phone may ring before the SIP driver gives up on it (no answer)."""

    janus_url: str | None = None
    """The Janus WebSocket API the toolbars' browser phones connect to (ws:// or wss://, as the
    agents' browsers reach it); None: no browser phone."""

    janus_token_secret: SecretStr | None = None
    """Janus's `token_auth_secret`: agentbar signs the toolbars' Janus tokens and derives the
    browser phones' SIP passwords with it. Needed with `janus_url`."""

    janus_js_dir: Path = Path("/usr/share/javascript")
    """Where Debian's libjs-janus-gateway and libjs-webrtc-adapter put janus.js and adapter.js,
    which agentbar serves to the toolbar."""

    ivr_prompts: Path | None = None
    """On SIP: the folder (on Janus's machine) of the IVRs' prompts, one Opus file per IVR
    named after it ("Main Menu": main-menu.opus); None: transfers and conferences to IVRs are
    refused."""

    sandbox_greeting: Path | None = None
    """An Opus file (on Janus's machine) the simulator's customers speak to a browser phone;
    None: they are silent. `scripts/demo` makes one with espeak-ng."""

    log_level: str = "info"

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            return [parse_allowed_origin(str(item)) for item in value]
        return value

    @field_validator("admin_token")
    @classmethod
    def _long_enough(cls, value: str | None) -> str | None:
        if value is not None and len(value) < MIN_ADMIN_TOKEN:
            raise ValueError(
                f"the admin token must be at least {MIN_ADMIN_TOKEN} characters (128 bits); "
                "generate one with `openssl rand -hex 16`"
            )
        return value

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().lower() for part in value.split(",") if part.strip()]
        return value

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("http://", "https://")) or value.rstrip("/")[-3:] == "://":
            raise ValueError(f"expected an http(s) URL, got '{value}'")
        return value.strip().rstrip("/")

    @field_validator("sip_passwords", "sip_routes", mode="before")
    @classmethod
    def _split_pairs(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        pairs: dict[str, str] = {}
        for item in value.split(","):
            if not item.strip():
                continue
            key, equals, rest = item.partition("=")
            if not equals or not key.strip() or not rest.strip():
                raise ValueError(f"expected key=value pairs separated by commas, got '{item}'")
            pairs[key.strip()] = rest.strip()
        return pairs

    @field_validator("sip_trunk")
    @classmethod
    def _check_trunk(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        host, colon, port = value.strip().rpartition(":")
        if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"expected host:port, got '{value}'")
        return value.strip()

    @field_validator("janus_url")
    @classmethod
    def _check_janus_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("ws://", "wss://")) or value.rstrip("/")[-3:] == "://":
            raise ValueError(f"expected a ws:// or wss:// URL, got '{value}'")
        return value.strip()

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'agentbar.db').resolve()}"

    @property
    def storage_driver(self) -> str:
        return self.resolved_database_url.split(":", 1)[0].split("+", 1)[0]

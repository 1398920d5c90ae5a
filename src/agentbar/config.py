"""Settings, from command-line flags and AGENTBAR_* environment variables; no I/O at import."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from agentbar.origins import parse_allowed_origin


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AGENTBAR_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    data_dir: Path = Path("agentbar-data")
    demo: bool = False

    allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """CRM origins allowed to embed the toolbar (comma-separated in the environment)."""

    admin_token: str | None = None
    """Bearer token for the admin and simulator API; generated and printed when unset."""

    database_url: str | None = None
    """SQLAlchemy URL; a SQLite file in the data dir when unset."""

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

    log_level: str = "info"

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            return [parse_allowed_origin(str(item)) for item in value]
        return value

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

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'agentbar.db').resolve()}"

    @property
    def storage_driver(self) -> str:
        return self.resolved_database_url.split(":", 1)[0].split("+", 1)[0]

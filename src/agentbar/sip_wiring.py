"""The wiring of real telephony: the SIP driver, and the browser phones that register at it
through Janus. Part of the composition root (bootstrap.py), kept apart to stay small."""

from __future__ import annotations

from agentbar.auth.phone_secrets import browser_sip_password, janus_token
from agentbar.config import Settings
from agentbar.configuration_error import ConfigurationError
from agentbar.domain.center import Center
from agentbar.domain.model.campaign import CampaignKind
from agentbar.drivers.media.janus import AUDIOBRIDGE, JanusClient
from agentbar.drivers.telephony.sip import SipSettings, SipTelephony
from agentbar.ids import new_id
from agentbar.ports import Storage
from agentbar.services.browser_phone import BrowserPhoneSettings


def janus_secret(settings: Settings) -> str | None:
    """The Janus token secret when the browser phone is configured, else None; a URL without
    its secret (or the reverse) cannot start."""
    secret = settings.janus_token_secret.get_secret_value() if settings.janus_token_secret else None
    if bool(settings.janus_url) != bool(secret):
        raise ConfigurationError(
            "AGENTBAR_JANUS_URL and AGENTBAR_JANUS_TOKEN_SECRET go together: the browser phone "
            "needs both (the secret is Janus's token_auth_secret)"
        )
    if settings.janus_url and settings.telephony != "sip":
        raise ConfigurationError(
            "the browser phone registers at agentbar's SIP registrar: AGENTBAR_JANUS_URL needs "
            "AGENTBAR_TELEPHONY=sip"
        )
    return secret


def browser_phone_settings(settings: Settings, telephony: object) -> BrowserPhoneSettings | None:
    secret = janus_secret(settings)
    if secret is None or not settings.janus_url or not isinstance(telephony, SipTelephony):
        return None
    sip = telephony

    def registrar() -> str:
        host, port = sip.address
        return f"{host}:{port}"

    return BrowserPhoneSettings(settings.janus_url, secret, registrar)


def sip_driver(settings: Settings, center: Center, storage: Storage) -> SipTelephony:
    """The SIP driver; inbound calls go to the campaign their dialed number is routed to, and
    its established dialogs are kept in the storage's dialog store across a restart."""
    shared = settings.sip_password.get_secret_value() if settings.sip_password else None
    secret = janus_secret(settings)

    def password_of(extension: str) -> str | None:
        return settings.sip_passwords.get(extension, shared)

    def browser_password_of(extension: str) -> str | None:
        return None if secret is None else browser_sip_password(secret, extension)

    def route(dialed: str) -> str | None:
        name = settings.sip_routes.get(dialed, settings.sip_default_campaign)
        campaign = center.campaign_named(name) if name else None
        if campaign is None or campaign.kind is not CampaignKind.INBOUND:
            return None
        return campaign.campaign_id

    trunk = None
    if settings.sip_trunk:
        host, _, port = settings.sip_trunk.rpartition(":")
        trunk = (host, int(port))
    sip_settings = SipSettings(
        host=settings.sip_listen_host,
        port=settings.sip_listen_port,
        trunk=trunk,
        realm=settings.sip_realm,
        ring_timeout=settings.sip_ring_timeout,
        password_of=password_of,
        browser_password_of=browser_password_of,
    )
    janus = None
    if secret is not None and settings.janus_url:
        # Conferences are mixed in Janus's AudioBridge, with agentbar's own token for it.
        token_secret = secret
        janus = JanusClient(
            settings.janus_url, lambda expires: janus_token(token_secret, expires, (AUDIOBRIDGE,))
        )
    return SipTelephony(sip_settings, new_id, route, storage.dialogs, janus)

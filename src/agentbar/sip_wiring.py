"""The wiring of real telephony: the SIP driver, and the browser phones that register at it
through Janus. Part of the composition root (bootstrap.py), kept apart to stay small."""

from __future__ import annotations

from functools import partial

from agentbar.auth.phone_secrets import browser_sip_password
from agentbar.config import Settings
from agentbar.configuration_error import ConfigurationError
from agentbar.domain.center import Center
from agentbar.domain.model.campaign import CampaignKind
from agentbar.drivers.media.janus import JanusClient
from agentbar.drivers.telephony.sip import SipSettings, SipTelephony
from agentbar.ids import new_id
from agentbar.ports import Clock, Storage
from agentbar.services.browser_phone import BrowserPhones, BrowserPhoneSettings
from agentbar.services.provisioning import ivr_collection
from agentbar.services.runtime import Runtime
from agentbar.services.sandbox_voices import SandboxVoices


def janus_secret(settings: Settings) -> str | None:
    """The Janus token secret when the browser phone is configured, else None; a URL without
    its secret (or the reverse) cannot start."""
    secret = settings.janus_token_secret.get_secret_value() if settings.janus_token_secret else None
    if bool(settings.janus_url) != bool(secret):
        raise ConfigurationError(
            "AGENTBAR_JANUS_URL and AGENTBAR_JANUS_TOKEN_SECRET go together: the browser phone "
            "needs both (the secret is Janus's token_auth_secret)"
        )
    return secret


def janus_client(settings: Settings) -> JanusClient | None:
    """agentbar's own client of Janus (AudioBridge rooms), when Janus is configured."""
    secret = janus_secret(settings)
    if secret is None or not settings.janus_url:
        return None
    return JanusClient.signing(settings.janus_url, secret)


def browser_phone_settings(settings: Settings, telephony: object) -> BrowserPhoneSettings | None:
    """On SIP the phone registers at the driver's registrar; on the simulator (no registrar)
    it joins the sandbox's rooms."""
    secret = janus_secret(settings)
    if secret is None or not settings.janus_url:
        return None
    if not isinstance(telephony, SipTelephony):
        return BrowserPhoneSettings(settings.janus_url, secret, None)
    sip = telephony

    def registrar() -> str:
        host, port = sip.address
        return f"{host}:{port}"

    return BrowserPhoneSettings(settings.janus_url, secret, registrar)


def browser_phones(
    settings: Settings, runtime: Runtime, clock: Clock, telephony: object
) -> BrowserPhones:
    """The browser phones' service; on the simulator with a greeting, the sandbox's customers
    speak to them."""
    phone_settings = browser_phone_settings(settings, telephony)
    voices = None
    rooms = janus_client(settings) if phone_settings and phone_settings.registrar is None else None
    if rooms is not None and settings.sandbox_greeting is not None:
        voices = SandboxVoices(runtime, rooms, settings.sandbox_greeting)
        runtime.watch(voices.see)
    return BrowserPhones(runtime, clock, phone_settings, settings.janus_js_dir, voices)


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
        ivr_collection=partial(ivr_collection, storage.catalog),
        ivr_prompts=settings.ivr_prompts,
    )
    # Conferences are mixed in Janus's AudioBridge, with agentbar's own token for it.
    return SipTelephony(sip_settings, new_id, route, storage.dialogs, janus_client(settings))

"""The browser phone's secrets: the Janus token's form (which Janus checks itself; the browser
phone test shows a real Janus accepting it), the SIP password a browser extension registers
with, and the settings that must come together."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import pytest

from agentbar.auth.phone_secrets import browser_sip_password, janus_token
from agentbar.bootstrap import build
from agentbar.config import Settings
from agentbar.configuration_error import ConfigurationError
from agentbar.drivers.telephony.sip.registrar import Password
from agentbar.drivers.telephony.sip.settings import SipSettings


def test_a_janus_token_names_its_expiry_realm_and_plugin_and_is_signed() -> None:
    token = janus_token("s3cret", 1_900_000_000.7)
    data, _, signature = token.partition(":")
    assert data == "1900000000,janus,janus.plugin.sip"
    expected = hmac.new(b"s3cret", data.encode(), hashlib.sha1).digest()
    assert base64.b64decode(signature) == expected
    assert janus_token("other", 1_900_000_000) != token


def test_each_extension_has_its_own_browser_password_under_each_secret() -> None:
    one = browser_sip_password("s3cret", "2001")
    assert len(one) == 32
    assert one == browser_sip_password("s3cret", "2001")
    assert one != browser_sip_password("s3cret", "2002")
    assert one != browser_sip_password("other", "2001")


def test_an_extension_registers_with_its_own_or_its_browser_password() -> None:
    settings = SipSettings(
        host="127.0.0.1",
        port=0,
        trunk=None,
        realm="agentbar",
        ring_timeout=5.0,
        password_of=lambda ext: "desk" if ext == "1001" else None,
        browser_password_of=lambda ext: f"browser-{ext}",
    )
    assert settings.passwords("1001") == (Password("desk"), Password("browser-1001", True))
    assert settings.passwords("2001") == (Password("browser-2001", True),)
    without_browser = SipSettings("127.0.0.1", 0, None, "agentbar", 5.0, lambda ext: None)
    assert without_browser.passwords("2001") == ()


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"janus_url": "ws://127.0.0.1:8188/"}, "go together"),
        ({"janus_token_secret": "x" * 16}, "go together"),
    ],
)
def test_the_browser_phone_needs_its_url_and_its_secret(
    tmp_path: Path, fields: dict[str, str], says: str
) -> None:
    with pytest.raises(ConfigurationError, match=says):
        build(Settings(data_dir=tmp_path, **fields))  # type: ignore[arg-type]


def test_a_janus_url_must_be_a_websocket_url() -> None:
    with pytest.raises(ValueError, match="ws:// or wss://"):
        Settings(janus_url="http://127.0.0.1:8188/")

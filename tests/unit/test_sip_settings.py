"""Choosing and configuring the SIP driver: AGENTBAR_TELEPHONY=sip and AGENTBAR_SIP_*."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from agentbar.bootstrap import build
from agentbar.config import Settings
from agentbar.configuration_error import ConfigurationError
from agentbar.drivers.telephony.sip import SipTelephony


def test_pairs_and_the_trunk_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTBAR_SIP_PASSWORDS", "1001=alpha, 1002=beta")
    monkeypatch.setenv("AGENTBAR_SIP_ROUTES", "+18005550100=Inbound Support")
    monkeypatch.setenv("AGENTBAR_SIP_TRUNK", "127.0.0.1:5080")
    settings = Settings()
    assert settings.sip_passwords == {"1001": "alpha", "1002": "beta"}
    assert settings.sip_routes == {"+18005550100": "Inbound Support"}
    assert settings.sip_trunk == "127.0.0.1:5080"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("AGENTBAR_SIP_PASSWORDS", "1001", "key=value"),
        ("AGENTBAR_SIP_PASSWORDS", "1001=", "key=value"),
        ("AGENTBAR_SIP_TRUNK", "trunk.example", "host:port"),
        ("AGENTBAR_SIP_TRUNK", "trunk.example:99999", "host:port"),
        ("AGENTBAR_SIP_LISTEN_PORT", "70000", "65535"),
    ],
)
def test_bad_sip_settings_are_refused_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=message):
        Settings()


def test_the_sip_driver_is_chosen_by_name_and_the_simulator_stays_the_default(
    tmp_path: Path,
) -> None:
    default = build(Settings(data_dir=tmp_path / "a"))
    assert default.sandbox is not None
    default.storage.close()
    sip = build(Settings(data_dir=tmp_path / "b", telephony="sip", sip_trunk="127.0.0.1:5080"))
    assert isinstance(sip.telephony, SipTelephony)
    assert sip.sandbox is None  # no simulated customers on a real network
    sip.storage.close()
    with pytest.raises(ConfigurationError, match="known: simulator, sip"):
        build(Settings(data_dir=tmp_path / "c", telephony="pbx"))

"""Outbound URLs that point inside the network are refused, however the address is spelled
or whatever a name resolves to; public ones pass; the setting lets private ones through. The
CRM SSO client asks before each request and sends nothing to a refused target."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from agentbar.auth.crm_sso import CrmSso, SsoSettings, SsoUnavailable
from agentbar.auth.sso_wire import SsoFormat
from agentbar.bootstrap import _crm_sso
from agentbar.config import Settings
from agentbar.configuration_error import ConfigurationError
from agentbar.services.outbound_urls import (
    PRIVATE_TARGET,
    OutboundTargets,
    PrivateTarget,
    Resolver,
    literal_address,
    literal_refusal,
)

INSIDE = [
    "http://127.0.0.1/hook",
    "http://127.8.9.10:8080/hook",
    "http://2130706433/hook",  # 127.0.0.1 as one integer
    "http://0x7f000001/hook",  # … in hex
    "http://0177.0.0.1/hook",  # … with an octal first part
    "http://127.1/hook",  # … with the middle parts left out
    "http://0x7f.1/hook",
    "http://127.0.0.1./hook",  # a trailing dot
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",  # IPv4-mapped loopback
    "http://[::ffff:7f00:1]/hook",
    "http://[2002:7f00:1::]/hook",  # 6to4 around 127.0.0.1
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://[fe80::1]/hook",
    "http://10.1.2.3/hook",
    "http://172.16.0.1/hook",
    "http://172.31.255.255/hook",
    "http://192.168.1.1/hook",
    "http://100.64.0.1/hook",  # shared address space (CGNAT)
    "http://[fc00::1]/hook",
    "http://[fd12:3456::1]/hook",
    "http://0.0.0.0/hook",
    "http://0/hook",
    "http://[::]/hook",
    "http://224.0.0.1/hook",
    "http://[ff02::1]/hook",
    "http://255.255.255.255/hook",
    "http://240.0.0.1/hook",
    "http://192.0.2.1/hook",  # documentation range: not public either
    "https://user@10.0.0.1:8443/hook",
]

PUBLIC = [
    "http://93.184.216.34/hook",
    "https://[2606:4700::1111]/hook",
    "https://8.8.8.8:8443/hook",
    "http://1.1.1.1/hook",
]


@pytest.mark.parametrize("url", INSIDE)
def test_an_internal_address_is_refused_however_spelled(url: str) -> None:
    reason = literal_refusal(url)
    assert reason is not None
    assert reason.startswith(PRIVATE_TARGET)


@pytest.mark.parametrize("url", PUBLIC)
def test_a_public_address_passes(url: str) -> None:
    assert literal_refusal(url) is None


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("crm.example.com", None),
        ("0x7g.0.0.1", None),  # not a number: a name
        ("1.2.3.4 evil", None),  # inet_aton would read the first part; a URL host cannot
        ("999.1.1.1", None),
    ],
)
def test_numeric_hosts_are_read_as_the_resolver_reads_them(host: str, address: str | None) -> None:
    found = literal_address(host)
    assert (str(found) if found is not None else None) == address


def resolver(answers: dict[str, list[str]]) -> Resolver:
    async def resolve(host: str, port: int | None) -> list[str]:
        if host not in answers:
            raise OSError(f"no such host {host}")
        return answers[host]

    return resolve


async def test_a_name_is_refused_when_any_of_its_addresses_is_internal() -> None:
    targets = OutboundTargets(
        False,
        resolve=resolver(
            {
                "public.example": ["93.184.216.34", "2606:4700::1111"],
                "mixed.example": ["93.184.216.34", "169.254.169.254"],
                "mapped.example": ["::ffff:10.0.0.1"],
            }
        ),
    )
    assert await targets.refusal("https://public.example/hook", strict=True) is None
    with pytest.raises(PrivateTarget, match=r"'mixed.example' is 169\.254\.169\.254: link-local"):
        await targets.check("https://mixed.example/hook")
    assert await targets.refusal("https://mapped.example/h", strict=False) is not None


async def test_a_name_that_does_not_resolve_passes_when_configured_but_not_before_a_request() -> (
    None
):
    targets = OutboundTargets(False, resolve=resolver({}))
    assert await targets.refusal("https://later.example/hook", strict=False) is None
    refusal = await targets.refusal("https://later.example/hook", strict=True)
    assert refusal is not None
    assert "could not be resolved" in refusal


async def test_a_name_that_resolves_too_slowly_is_refused_before_a_request() -> None:
    async def never(host: str, port: int | None) -> list[str]:
        await asyncio.Event().wait()
        return []

    targets = OutboundTargets(False, resolve=never, timeout=0.05)
    refusal = await targets.refusal("https://slow.example/hook", strict=True)
    assert refusal is not None
    assert "TimeoutError" in refusal


async def test_private_targets_may_be_allowed() -> None:
    targets = OutboundTargets(True, resolve=resolver({}))
    for url in INSIDE:
        assert await targets.refusal(url, strict=True) is None


async def test_the_sso_client_sends_nothing_to_a_refused_target() -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"status": "success"})

    settings = SsoSettings("http://crm.example/sso", SsoFormat.JSON, 1.0, 2.0)
    sso = CrmSso(settings, transport=httpx.MockTransport(answer))
    targets = OutboundTargets(False, resolve=resolver({"crm.example": ["10.0.0.7"]}))

    async def guard(url: str) -> str | None:
        return await targets.refusal(url, strict=True)

    sso.guard = guard
    with pytest.raises(SsoUnavailable, match="private address"):
        await sso.login("alice", "secret")
    assert sent == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/sso", "http://0x7f000001/sso"])
def test_an_sso_url_from_the_environment_pointing_inside_stops_the_start(url: str) -> None:
    with pytest.raises(ConfigurationError, match="AGENTBAR_CRM_SSO_URL is refused") as refused:
        _crm_sso(Settings(crm_sso_url=url, allow_private_targets=False))
    assert "\n" not in str(refused.value)
    allowed = _crm_sso(Settings(crm_sso_url=url, allow_private_targets=True))
    assert allowed is not None
    assert allowed.url == url

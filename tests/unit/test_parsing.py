"""Input parsing at the edges: login policies, CRM origins, socket frames and settings."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from agentbar.auth.policy import AuthPolicy, parse_policy
from agentbar.config import Settings
from agentbar.origins import origin_of, parse_allowed_origin
from agentbar.web import frames
from agentbar.web.frames import MAX_FRAME_BYTES, BadFrame, parse_frame

# -- auth.policy ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("AUTH_TYPE_PASSWORD", AuthPolicy.PASSWORD),
        ("auth.type.password", AuthPolicy.PASSWORD),
        ("Auth-Type-Password", AuthPolicy.PASSWORD),
        ("AUTH_TYPE_CRM_HTTP", AuthPolicy.CRM_HTTP),
        ("Auth-Type-Crm-Http", AuthPolicy.CRM_HTTP),
        ("auth type crm http", AuthPolicy.CRM_HTTP),
        ("Auth.Type.Crm.Http", AuthPolicy.CRM_HTTP),
        ("  auth__type--crm . http ", AuthPolicy.CRM_HTTP),
        ("AUTH_TYPE_TOKEN", AuthPolicy.TOKEN),
        ("auth.type.token", AuthPolicy.TOKEN),
        ("Auth Type-Token", AuthPolicy.TOKEN),
    ],
)
def test_parse_policy_accepts_any_spelling(raw: str, expected: AuthPolicy) -> None:
    assert parse_policy(raw) is expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "password",
        "AUTH_TYPE",
        "AUTH_TYPE_LDAP",
        "AUTH_TYPE_PASSWORDS",
        "AUTH/TYPE/PASSWORD",
        "crm_http",
        "AUTH_TYPE_TOKENS",
        "token",
        None,
        42,
        b"AUTH_TYPE_PASSWORD",
        ["AUTH_TYPE_PASSWORD"],
        {"policy": "AUTH_TYPE_PASSWORD"},
    ],
)
def test_parse_policy_rejects_other_names_and_non_strings(raw: object) -> None:
    assert parse_policy(raw) is None


# -- origins --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://crm.example.com/app/page?record=7#top", "https://crm.example.com"),
        ("https://crm.example.com", "https://crm.example.com"),
        ("https://crm.example.com:443/x", "https://crm.example.com"),
        ("http://crm.example.com:80/", "http://crm.example.com"),
        ("http://crm.example.com:443/", "http://crm.example.com:443"),
        ("https://crm.example.com:8443/x", "https://crm.example.com:8443"),
        ("HTTPS://CRM.Example.COM/Path", "https://crm.example.com"),
        ("  http://crm.test:8081/page  ", "http://crm.test:8081"),
        ("https://user:secret@crm.example.com/", "https://crm.example.com"),
        ("http://[::1]:8080/", "http://[::1]:8080"),
    ],
)
def test_origin_of_absolute_http_urls(url: str, expected: str) -> None:
    assert origin_of(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "ftp://crm.example.com/file",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:text/html,hi",
        "garbage",
        "",
        "//crm.example.com/path",
        "/relative/path",
        "http://",
        "https://crm.example.com:99999/",
        "https://crm.example.com:port/",
        "http://[::1/",
    ],
)
def test_origin_of_returns_none_without_an_http_origin(url: str) -> None:
    assert origin_of(url) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://crm.example.com", "https://crm.example.com"),
        ("https://crm.example.com/", "https://crm.example.com"),
        ("HTTPS://CRM.Example.com", "https://crm.example.com"),
        (" http://crm.test:8081 ", "http://crm.test:8081"),
        ("https://crm.example.com:443", "https://crm.example.com"),
        ("http://crm.example.com:80/", "http://crm.example.com"),
    ],
)
def test_parse_allowed_origin_accepts_bare_origins(text: str, expected: str) -> None:
    assert parse_allowed_origin(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "https://crm.example.com/app",
        "https://crm.example.com/app/",
        "https://crm.example.com?x=1",
        "https://crm.example.com/#frag",
        "https://user@crm.example.com",
        "crm.example.com",
        "ftp://crm.example.com",
        "",
    ],
)
def test_parse_allowed_origin_rejects_anything_but_an_origin(text: str) -> None:
    with pytest.raises(ValueError, match="is not an origin"):
        parse_allowed_origin(text)


# -- web.frames -----------------------------------------------------------------------------

VALID_FRAMES: list[tuple[dict[str, Any], type[BaseModel]]] = [
    (
        {
            "id": 1,
            "cmd": "auth.login",
            "username": "alice",
            "password": "s3cret",
            "authPolicy": "AUTH_TYPE_PASSWORD",
            "crmOrigin": "https://crm.example.com",
        },
        frames.Login,
    ),
    (
        {"id": 2, "cmd": "auth.resume", "token": "tok", "crmOrigin": "https://crm.example.com"},
        frames.Resume,
    ),
    ({"id": 3, "cmd": "auth.logout"}, frames.Logout),
    (
        {"id": 4, "cmd": "extension.select", "name": "SIP 1001", "phone": "1001"},
        frames.SelectExtension,
    ),
    ({"id": 5, "cmd": "campaign.select", "campaignId": "1"}, frames.SelectCampaign),
    ({"id": 6, "cmd": "presence.ready"}, frames.Ready),
    ({"id": 7, "cmd": "presence.break", "reason": "Lunch"}, frames.Break),
    ({"id": 8, "cmd": "call.hangup"}, frames.HangUp),
    ({"id": 13, "cmd": "presence.auto_call", "on": True}, frames.AutoCall),
    ({"id": 9, "cmd": "disposition.list"}, frames.ListDispositions),
    (
        {
            "id": 10,
            "cmd": "disposition.dispose",
            "code": "Sale",
            "callRef": "crt-1",
            "note": "ok",
        },
        frames.Dispose,
    ),
    (
        {"id": 11, "cmd": "screen_pop.ack", "screenPopId": "pop-1", "recordId": "rec-9"},
        frames.AcknowledgeScreenPop,
    ),
    (
        {"id": 14, "cmd": "call.record", "callRef": "crt-1", "recordId": "rec-9"},
        frames.RecordForCall,
    ),
    ({"id": 15, "cmd": "snapshot"}, frames.Snapshot),
    ({"id": "twelve", "cmd": "ping"}, frames.Ping),
    (
        {
            "id": 13,
            "cmd": "call.dial",
            "phone": "+14085551212",
            "callType": "click_to_dial",
            "customerId": "cust 567",
            "additionalParams": {"leadsource": "web"},
        },
        frames.Dial,
    ),
    ({"id": 14, "cmd": "call.hold"}, frames.Hold),
    ({"id": 17, "cmd": "lead.dial"}, frames.DialLead),
    ({"id": 18, "cmd": "lead.skip"}, frames.SkipLead),
    (
        {"id": 16, "cmd": "disposition.dispose_and_dial", "code": "Sale", "phone": "+14085551212"},
        frames.DisposeAndDial,
    ),
    ({"id": 15, "cmd": "call.resume"}, frames.ResumeCall),
    (
        {"id": 16, "cmd": "call.transfer", "kind": "queue", "target": "Inbound Support"},
        frames.Transfer,
    ),
    ({"id": 17, "cmd": "call.transfer.complete"}, frames.CompleteTransfer),
    ({"id": 18, "cmd": "call.transfer.cancel"}, frames.CancelTransfer),
    (
        {"id": 19, "cmd": "call.conference", "kind": "tpv", "target": "+14155550100"},
        frames.Conference,
    ),
    ({"id": 20, "cmd": "call.leg.drop", "legId": "crt-7"}, frames.DropLeg),
    ({"id": 21, "cmd": "phone.credentials"}, frames.PhoneCredentials),
    ({"id": 22, "cmd": "phone.room"}, frames.PhoneRoom),
    (
        {"id": 23, "cmd": "phone.problem", "code": "microphone_denied", "detail": "blocked"},
        frames.PhoneProblem,
    ),
]


@pytest.mark.parametrize(
    ("raw", "frame_type"), VALID_FRAMES, ids=[str(raw["cmd"]) for raw, _ in VALID_FRAMES]
)
def test_parse_frame_accepts_each_command(raw: dict[str, Any], frame_type: type[BaseModel]) -> None:
    frame = parse_frame(json.dumps(raw))
    assert type(frame) is frame_type
    assert frame.model_dump(exclude_unset=True) == raw


def test_every_command_has_a_valid_example() -> None:
    assert {raw["cmd"] for raw, _ in VALID_FRAMES} == frames.COMMANDS
    assert len(frames.COMMANDS) == len(frames.FRAME_TYPES)


def test_parse_frame_fills_defaults() -> None:
    login = parse_frame(
        '{"id": 1, "cmd": "auth.login", "username": "u", "password": "p",'
        ' "authPolicy": "x", "crmOrigin": "y"}'
    )
    assert isinstance(login, frames.Login)
    assert login.force is False
    dispose = parse_frame('{"id": 2, "cmd": "disposition.dispose", "code": "Sale"}')
    assert isinstance(dispose, frames.Dispose)
    assert (dispose.callRef, dispose.note) == (None, None)


@pytest.mark.parametrize(
    ("text", "code", "frame_id", "message_part"),
    [
        ("{not json", "bad_frame", None, "not valid JSON"),
        ("", "bad_frame", None, "not valid JSON"),
        ("[1, 2]", "bad_frame", None, "JSON object"),
        ('"ping"', "bad_frame", None, "JSON object"),
        ('{"cmd": "ping"}', "bad_frame", None, "needs an 'id'"),
        ('{"id": null, "cmd": "ping"}', "bad_frame", None, "needs an 'id'"),
        ('{"id": 1.5, "cmd": "ping"}', "bad_frame", None, "needs an 'id'"),
        ('{"id": [1], "cmd": "ping"}', "bad_frame", None, "needs an 'id'"),
        ('{"id": true, "cmd": "ping"}', "bad_frame", None, "needs an 'id'"),
        ('{"id": 7, "cmd": "presence.levitate"}', "unknown_command", 7, "presence.levitate"),
        ('{"id": "x", "cmd": 5}', "unknown_command", "x", "5"),
        ('{"id": 8}', "unknown_command", 8, "None"),
        ('{"id": 2, "cmd": "campaign.select"}', "bad_frame", 2, "campaignId: Field required"),
        ('{"id": 3, "cmd": "presence.ready", "extra": 1}', "bad_frame", 3, "extra"),
        ('{"id": "b", "cmd": "presence.break", "reason": 5}', "bad_frame", "b", "reason"),
        ('{"id": 4, "cmd": "presence.break", "reason": ""}', "bad_frame", 4, "reason"),
        ('{"id": 5, "cmd": "campaign.select", "campaignId": ""}', "bad_frame", 5, "campaignId"),
        ('{"id": 6, "cmd": "presence.auto_call"}', "bad_frame", 6, "on: Field required"),
        ('{"id": 7, "cmd": "presence.auto_call", "on": "yes"}', "bad_frame", 7, "on"),
        ('{"id": 8, "cmd": "presence.auto_call", "on": 1}', "bad_frame", 8, "on"),
        (
            '{"id": 16, "cmd": "call.transfer", "kind": "fax", "target": "1"}',
            "bad_frame",
            16,
            "kind",
        ),
        ('{"id": 17, "cmd": "call.transfer", "kind": "phone"}', "bad_frame", 17, "target"),
        (
            '{"id": 18, "cmd": "call.conference", "kind": "queue", "target": "x"}',
            "bad_frame",
            18,
            "kind",
        ),
        (
            '{"id": 19, "cmd": "call.conference", "kind": "ivr", "target": ""}',
            "bad_frame",
            19,
            "target",
        ),
        ('{"id": 20, "cmd": "call.leg.drop"}', "bad_frame", 20, "legId: Field required"),
        ('{"id": 21, "cmd": "call.transfer.complete", "legId": "x"}', "bad_frame", 21, "legId"),
    ],
)
def test_parse_frame_names_what_is_wrong(
    text: str, code: str, frame_id: int | str | None, message_part: str
) -> None:
    with pytest.raises(BadFrame) as raised:
        parse_frame(text)
    assert raised.value.code == code
    assert raised.value.frame_id == frame_id
    assert message_part in raised.value.message
    assert str(raised.value) == raised.value.message


def test_parse_frame_bounds_field_lengths() -> None:
    too_long = json.dumps({"id": 9, "cmd": "presence.break", "reason": "x" * 101})
    with pytest.raises(BadFrame) as raised:
        parse_frame(too_long)
    assert (raised.value.code, raised.value.frame_id) == ("bad_frame", 9)
    assert "reason" in raised.value.message
    just_right = parse_frame(json.dumps({"id": 9, "cmd": "presence.break", "reason": "x" * 100}))
    assert isinstance(just_right, frames.Break)


def test_a_frame_over_the_byte_limit_is_refused_before_parsing() -> None:
    note = "x" * MAX_FRAME_BYTES
    text = json.dumps({"id": 1, "cmd": "disposition.dispose", "code": "Sale", "note": note})
    with pytest.raises(BadFrame) as raised:
        parse_frame(text)
    assert raised.value.code == "frame_too_large"
    assert raised.value.frame_id is None
    assert str(MAX_FRAME_BYTES) in raised.value.message


def test_the_byte_limit_counts_encoded_bytes_not_characters() -> None:
    # 'é' is two bytes in UTF-8: fewer characters than the limit, more bytes than it
    padding = "é" * (MAX_FRAME_BYTES // 2)
    text = json.dumps({"id": 1, "cmd": "ping", "pad": padding}, ensure_ascii=False)
    assert len(text) < MAX_FRAME_BYTES < len(text.encode())
    with pytest.raises(BadFrame) as raised:
        parse_frame(text)
    assert raised.value.code == "frame_too_large"


def test_a_frame_at_the_byte_limit_is_parsed() -> None:
    head = '{"id": 1, "cmd": "ping"}'
    text = head + " " * (MAX_FRAME_BYTES - len(head))
    assert len(text.encode()) == MAX_FRAME_BYTES
    assert isinstance(parse_frame(text), frames.Ping)


# -- config.Settings ------------------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("AGENTBAR_ALLOWED_ORIGINS", raising=False)
    return monkeypatch


def test_allowed_origins_default_to_none(clean_env: pytest.MonkeyPatch) -> None:
    assert Settings().allowed_origins == []


def test_allowed_origins_are_read_comma_separated(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv(
        "AGENTBAR_ALLOWED_ORIGINS", "https://crm.example.com, HTTP://Localhost:8081/ ,,"
    )
    assert Settings().allowed_origins == ["https://crm.example.com", "http://localhost:8081"]


def test_a_single_allowed_origin(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("AGENTBAR_ALLOWED_ORIGINS", "http://crm.test:8081")
    assert Settings().allowed_origins == ["http://crm.test:8081"]


def test_an_allowed_origin_with_a_path_is_refused(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv(
        "AGENTBAR_ALLOWED_ORIGINS", "https://crm.example.com,https://other.example.com/app"
    )
    with pytest.raises(ValidationError, match="is not an origin"):
        Settings()


def test_allowed_origins_given_as_a_list_are_checked_too(clean_env: pytest.MonkeyPatch) -> None:
    settings = Settings(allowed_origins=["HTTPS://CRM.example.com/"])
    assert settings.allowed_origins == ["https://crm.example.com"]
    with pytest.raises(ValidationError, match="is not an origin"):
        Settings(allowed_origins=["https://crm.example.com/app"])


def test_an_admin_token_under_128_bits_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 22 characters"):
        Settings(admin_token="short-admin-token")
    assert Settings(admin_token="a" * 22).admin_token == "a" * 22


def test_the_public_url_must_be_http() -> None:
    with pytest.raises(ValidationError, match="http"):
        Settings(public_url="agentbar.example.com")
    assert Settings(public_url="https://agentbar.example.com/").public_url == (
        "https://agentbar.example.com"
    )
    assert Settings(allowed_hosts="A.example.com, b.example.com").allowed_hosts == [
        "a.example.com",
        "b.example.com",
    ]

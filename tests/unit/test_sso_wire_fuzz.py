"""Whatever a CRM's single sign-on endpoint answers (any status, headers and body bytes: JSON of
the wrong shape, huge, not UTF-8, XML with entities, form noise), the parser and the client
return a clean refusal or a verified identity, and never raise anything else."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from agentbar.auth.crm_sso import ANSWER_LIMIT, CrmSso, SsoSettings, SsoUnavailable
from agentbar.auth.sso_wire import (
    MESSAGE_LIMIT,
    SESSION_ID_LIMIT,
    MalformedAnswer,
    SsoAnswer,
    SsoFormat,
    parse_answer,
)

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
NOT_TEXT = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
"""What no part of an accepted answer may carry on: control characters and lone surrogates
(neither can be shown, logged or stored as UTF-8)."""

ODD_TEXT = ["\x00", "\ud800", "\udfff", "\u202e", "\u200b", "\ufeff", "\n", "\x1b[31m", "é", "😀"]
odd_text = st.lists(st.sampled_from(ODD_TEXT) | st.text(max_size=10), max_size=5).map("".join)
statuses = st.sampled_from(["success", "SUCCESS", " Failed ", "failed", "ok", "", "succes"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | odd_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(odd_text, inner, max_size=3),
    max_leaves=10,
)
fields = st.fixed_dictionaries(
    {},
    optional={
        "status": statuses | json_values,
        "message": odd_text | json_values | st.integers(0, 5000).map(lambda n: "m" * n),
        "crmSessionId": odd_text
        | json_values
        | st.integers(0, 400).map(lambda n: "s" * n)
        | st.integers(),
    },
)


def as_json(value: Any) -> bytes:
    return json.dumps(value).encode()


def as_xml(answer: dict[str, Any]) -> bytes:
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in answer.items())
    return f"<response>{inner}</response>".encode("utf-8", "surrogatepass")


def as_form(answer: dict[str, Any]) -> bytes:
    return "&".join(f"{k}={v}" for k, v in answer.items()).encode("utf-8", "surrogatepass")


RAW_BODIES = [
    b"",
    b"\xff\xfe{}",
    b'{"status": "success", "crmSessionId": "\xc3\x28"}',
    '{"status": "success", "crmSessionId": "s"}'.encode("utf-16"),
    b'{"status": "success", "crmSessionId": "\\ud800"}',
    b'{"status": "success", "crmSessionId": "s", "message": "\\udc00"}',
    b'{"status": "success", "crmSessionId": 1e309}',
    b'{"status": "success", "crmSessionId": ' + b"9" * 5000 + b"}",
    b'{"status": NaN}',
    b"[" * 100000 + b"]" * 100000,
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><r><status>&a;</status></r>',
    b'<?xml version="1.0" encoding="UTF-16"?><r><status>success</status></r>',
    b'<?xml version="1.0" encoding="x-unknown"?><r><status>success</status></r>',
    b"<r><status>success</status><crmSessionId>&#0;</crmSessionId></r>",
    b"<r><status>success</status><crmSessionId>&#xD800;</crmSessionId></r>",
    b"<r xmlns='urn:x'><status>success</status></r>",
    b"<r>" * 5000 + b"</r>" * 5000,
    b"status=success&crmSessionId=%00",
    b"status=success&crmSessionId=%ED%A0%80",
    b"status=success&crmSessionId=%FF",
    b"&".join([b"a=1"] * 100),
    b"status=success&status=failed",
]
bodies = st.one_of(
    st.sampled_from(RAW_BODIES),
    st.binary(max_size=200),
    json_values.map(as_json),
    fields.map(as_json),
    fields.map(as_xml),
    fields.map(as_form),
    st.integers(ANSWER_LIMIT // 2, ANSWER_LIMIT).map(
        lambda n: b'{"status": "failed", "message": "' + b"x" * n + b'"}'
    ),
)


def assert_clean(answer: SsoAnswer) -> None:
    """A verified identity carries only what may travel on: bounded text, nothing hidden."""
    assert isinstance(answer.success, bool)
    assert isinstance(answer.message, str)
    assert len(answer.message) <= MESSAGE_LIMIT
    assert not NOT_TEXT.search(answer.message)
    answer.message.encode()  # storable and sendable as UTF-8
    if answer.crm_session_id is not None:
        assert isinstance(answer.crm_session_id, str)
        assert 0 < len(answer.crm_session_id) <= SESSION_ID_LIMIT
        assert not NOT_TEXT.search(answer.crm_session_id)
        answer.crm_session_id.encode()


@pytest.mark.parametrize("fmt", list(SsoFormat))
def test_any_answer_body_parses_clean_or_is_refused_as_malformed(fmt: SsoFormat) -> None:
    @FUZZ
    @given(body=bodies)
    @example(body=b'{"status": "success", "crmSessionId": "\\ud800"}')  # not storable
    @example(body=b'{"status": "failed", "message": "locked \\udc00"}')  # not sendable
    def run(body: bytes) -> None:
        try:
            answer = parse_answer(fmt, body)
        except MalformedAnswer as refused:
            reason = str(refused)
            assert reason  # for the log
        else:
            assert_clean(answer)

    run()


STATUSES = [200, 201, 204, 301, 302, 303, 307, 308, 400, 401, 403, 404, 418, 429, 500, 502, 503]
headers = st.dictionaries(
    st.sampled_from(
        ["Content-Type", "Content-Length", "Location", "Content-Encoding", "Set-Cookie", "X-Odd"]
    ),
    st.sampled_from(
        ["application/json", "text/html", "0", "1", "99999999", "-1", "abc", "gzip", "", "/sso"]
    ),
    max_size=3,
)


class Streamed(httpx.AsyncByteStream):
    """A body sent as the network would, in chunks (the client reads it raw, capped)."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self._body), 4096):
            yield self._body[start : start + 4096]


def crm_answering(status: int, answer_headers: dict[str, str], body: bytes) -> CrmSso:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=answer_headers, stream=Streamed(body))

    return CrmSso(
        SsoSettings("http://crm.test/sso", SsoFormat.JSON, connect_timeout=1.0, timeout=2.0),
        transport=httpx.MockTransport(answer),
    )


@FUZZ
@given(status=st.sampled_from(STATUSES), answer_headers=headers, body=bodies)
@example(status=200, answer_headers={"Content-Encoding": "gzip"}, body=b"not gzip")
@example(status=200, answer_headers={"Content-Length": "99999999"}, body=b"{}")
def test_any_answer_logs_in_clean_or_is_unavailable(
    status: int, answer_headers: dict[str, str], body: bytes
) -> None:
    sso = crm_answering(status, answer_headers, body)
    try:
        answer = asyncio.run(sso.login("agent1", "secret"))
    except SsoUnavailable as refused:
        reason = str(refused)
        assert reason  # for the log
    else:
        assert 200 <= status < 300
        assert_clean(answer)

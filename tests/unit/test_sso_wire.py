"""The CRM single sign-on wire format: requests in three encodings, answers parsed safely."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest

from agentbar.auth.sso_wire import (
    MESSAGE_LIMIT,
    MalformedAnswer,
    SsoAnswer,
    SsoFormat,
    encode_request,
    parse_answer,
)

FIELDS = {"userId": "agent1", "password": "p&ss<w>rd", "command": "login"}


def test_json_requests_are_a_json_body() -> None:
    request = encode_request(SsoFormat.JSON, FIELDS)
    assert request.content_type == "application/json"
    assert json.loads(request.body) == FIELDS


def test_form_requests_carry_the_json_in_a_request_field() -> None:
    request = encode_request(SsoFormat.FORM, FIELDS)
    assert request.content_type == "application/x-www-form-urlencoded"
    assert json.loads(parse_qs(request.body.decode())["request"][0]) == FIELDS


def test_xml_requests_carry_escaped_xml_in_a_requestxml_field() -> None:
    request = encode_request(SsoFormat.XML, FIELDS)
    [xml] = parse_qs(request.body.decode())["requestxml"]
    assert xml == (
        "<request><userId>agent1</userId><password>p&amp;ss&lt;w&gt;rd</password>"
        "<command>login</command></request>"
    )


@pytest.mark.parametrize(
    ("fmt", "body"),
    [
        (SsoFormat.JSON, b'{"status": "success", "crmSessionId": "c1", "message": "hi"}'),
        (SsoFormat.FORM, b'{"status": "Success", "crmSessionId": "c1", "message": "hi"}'),
        (SsoFormat.FORM, b"status=SUCCESS&crmSessionId=c1&message=hi"),
        (
            SsoFormat.XML,
            b"<?xml version='1.0'?><response><status>success</status><message>hi</message>"
            b"<crmSessionId>c1</crmSessionId></response>",
        ),
    ],
)
def test_a_success_in_each_format(fmt: SsoFormat, body: bytes) -> None:
    assert parse_answer(fmt, body) == SsoAnswer(True, "hi", "c1")


def test_a_numeric_session_id_is_taken_as_text() -> None:
    assert parse_answer(
        SsoFormat.JSON, b'{"status":"success","crmSessionId":42}'
    ).crm_session_id == ("42")


def test_a_failure_keeps_only_a_cleaned_bounded_message() -> None:
    body = json.dumps({"status": "failed", "message": "bad\x00\x1b\npassword\u202e" + "y" * 999})
    answer = parse_answer(SsoFormat.JSON, body.encode())
    assert not answer.success
    assert answer.message.startswith("bad password y")
    assert len(answer.message) == MESSAGE_LIMIT


@pytest.mark.parametrize(
    ("fmt", "body"),
    [
        (SsoFormat.JSON, b"<html><body>Sign in</body></html>"),
        (SsoFormat.JSON, b'["status", "success"]'),
        (SsoFormat.JSON, b'{"status": "ok", "crmSessionId": "c1"}'),
        (SsoFormat.JSON, b'{"crmSessionId": "c1"}'),
        (SsoFormat.JSON, b'{"status": "success", "crmSessionId": "' + b"c" * 300 + b'"}'),
        (SsoFormat.JSON, b'{"status": "success", "crmSessionId": "a\\nb"}'),
        (SsoFormat.JSON, b"\xff\xfe{}"),
        (SsoFormat.FORM, b"<html>sign in</html>"),
        (SsoFormat.XML, b"<response><status>success</status>"),
        (SsoFormat.XML, b"status=success"),
    ],
)
def test_malformed_answers_are_refused(fmt: SsoFormat, body: bytes) -> None:
    with pytest.raises(MalformedAnswer):
        parse_answer(fmt, body)


@pytest.mark.parametrize(
    "body",
    [
        # billion laughs: entity expansion
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<response><status>failed</status><message>&b;</message></response>",
        # an external entity
        b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<response><status>failed</status><message>&x;</message></response>",
        # a DTD alone, however it is spelt
        b"<!doctype response><response><status>success</status>"
        b"<crmSessionId>c</crmSessionId></response>",
    ],
)
def test_xml_answers_with_a_dtd_or_entities_are_refused(body: bytes) -> None:
    with pytest.raises(MalformedAnswer, match="DTD"):
        parse_answer(SsoFormat.XML, body)

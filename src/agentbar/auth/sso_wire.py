"""The CRM single sign-on wire format: requests encoded, answers parsed — no I/O.

Rules kept here:
- Every answer is untrusted input. It is parsed into an `SsoAnswer` or refused with
  `MalformedAnswer`; nothing of it but a cleaned, bounded `message` may go further.
- XML is parsed by the standard library only after any DTD has been refused, so neither
  external entities nor entity expansion ("billion laughs") can happen.
- `status` is `success` or `failed` (any case); anything else is malformed.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl, urlencode

MESSAGE_LIMIT = 200
"""Characters of the CRM's message passed on to the CRM page."""

SESSION_ID_LIMIT = 200
"""Characters of a crmSessionId (the column's width)."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]+")
"""Control, invisible and bidi-format characters, and lone surrogates (a JSON escape such as
`\\ud800` decodes to one; it cannot be stored or sent on as UTF-8)."""
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class SsoFormat(StrEnum):
    JSON = "json"
    FORM = "form"
    XML = "xml"


class MalformedAnswer(Exception):
    """The CRM's answer is not one this server understands; the reason is for the log only."""


@dataclass(frozen=True)
class SsoAnswer:
    success: bool
    message: str
    crm_session_id: str | None


@dataclass(frozen=True)
class EncodedRequest:
    content_type: str
    body: bytes


def encode_request(fmt: SsoFormat, fields: dict[str, str]) -> EncodedRequest:
    """`fields` as the CRM expects them: a JSON body, `request=<json>`, or `requestxml=<xml>`."""
    if fmt is SsoFormat.JSON:
        return EncodedRequest("application/json", json.dumps(fields).encode())
    form = "application/x-www-form-urlencoded"
    if fmt is SsoFormat.FORM:
        return EncodedRequest(form, urlencode({"request": json.dumps(fields)}).encode())
    root = ET.Element("request")
    for name, value in fields.items():
        ET.SubElement(root, name).text = value
    xml = ET.tostring(root, encoding="unicode")
    return EncodedRequest(form, urlencode({"requestxml": xml}).encode())


def clean_message(raw: object) -> str:
    """The CRM's message as the CRM page may see it: text, no control characters, bounded."""
    if not isinstance(raw, str):
        return ""
    text = " ".join(_CONTROL.sub(" ", raw).split())
    return text[:MESSAGE_LIMIT]


def parse_answer(fmt: SsoFormat, body: bytes) -> SsoAnswer:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedAnswer("the answer is not UTF-8") from None
    if fmt is SsoFormat.JSON:
        return _from_fields(_json_object(text))
    if fmt is SsoFormat.FORM:
        # SPEC §5 answers in JSON whatever the request's encoding; older CRMs answer in kind.
        if text.lstrip().startswith("{"):
            return _from_fields(_json_object(text))
        return _from_fields(_form_fields(text))
    return _from_fields(_xml_fields(text))


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise MalformedAnswer("the answer is not JSON") from None
    if not isinstance(value, dict):
        raise MalformedAnswer("the answer is not a JSON object")
    return value


def _form_fields(text: str) -> dict[str, Any]:
    try:
        pairs = parse_qsl(text.strip(), strict_parsing=True, max_num_fields=20)
    except ValueError:
        raise MalformedAnswer("the answer is not form-encoded") from None
    return dict(pairs)


def _xml_fields(text: str) -> dict[str, Any]:
    if _DTD.search(text):
        raise MalformedAnswer("the XML answer declares a DTD or entities, which are refused")
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        raise MalformedAnswer("the answer is not well-formed XML") from None
    return {child.tag: child.text or "" for child in root}


def _from_fields(fields: dict[str, Any]) -> SsoAnswer:
    status = fields.get("status")
    if not isinstance(status, str) or status.strip().casefold() not in ("success", "failed"):
        raise MalformedAnswer(f"the answer's status is {status!r}, not success or failed")
    success = status.strip().casefold() == "success"
    session_id = fields.get("crmSessionId")
    if isinstance(session_id, int) and not isinstance(session_id, bool):
        session_id = str(session_id)
    if not isinstance(session_id, str) or not session_id.strip():
        session_id = None
    elif len(session_id) > SESSION_ID_LIMIT or _CONTROL.search(session_id):
        raise MalformedAnswer("the answer's crmSessionId is too long or has control characters")
    return SsoAnswer(success, clean_message(fields.get("message")), session_id)

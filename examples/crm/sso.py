"""The CRM's single sign-on endpoint, which agentbar's server (never a browser) calls.

agentbar POSTs `{"userId", "password", "command": "login"}` or `{"command": "logout",
"crmSessionId"}` as a JSON body, as a form field `request=<json>`, or as a form field
`requestxml=<xml>` (older CRMs); the answer is JSON (XML for an XML request) with `status`,
`message` and, after a login, `crmSessionId`.

A login's password is either the user's CRM password or the one-time ticket a CRM page got for
its own session; with the ticket, agentbar's session and the page's CRM session are one
`crmSessionId`, so ending either ends both.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from examples.crm.db import CrmDatabase

_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class BadSsoRequest(ValueError):
    """The request is in none of the three formats, or lacks a field."""


def decode(content_type: str, body: bytes) -> tuple[dict[str, str], bool]:
    """The request's fields, and whether it came as XML (so the answer goes back as XML)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadSsoRequest("the request is not UTF-8") from None
    if content_type.startswith("application/json"):
        return _json_fields(text), False
    if content_type.startswith("application/x-www-form-urlencoded"):
        form = parse_qs(text, max_num_fields=10)
        if "request" in form:
            return _json_fields(form["request"][0]), False
        if "requestxml" in form:
            return _xml_fields(form["requestxml"][0]), True
        raise BadSsoRequest("a form request carries 'request' or 'requestxml'")
    raise BadSsoRequest(f"unsupported content type {content_type!r}")


def _json_fields(text: str) -> dict[str, str]:
    try:
        value: Any = json.loads(text)
    except ValueError:
        raise BadSsoRequest("the request is not JSON") from None
    if not isinstance(value, dict):
        raise BadSsoRequest("the request is not a JSON object")
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


def _xml_fields(text: str) -> dict[str, str]:
    if _DTD.search(text):
        raise BadSsoRequest("XML with a DTD or entities is refused")
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        raise BadSsoRequest("the request is not well-formed XML") from None
    return {child.tag: child.text or "" for child in root}


def answer(fields: dict[str, str], as_xml: bool, status_code: int = 200) -> Response:
    if not as_xml:
        return JSONResponse(fields, status_code=status_code)
    root = ET.Element("response")
    for name, value in fields.items():
        ET.SubElement(root, name).text = value
    return Response(ET.tostring(root), status_code, media_type="application/xml")


def handle(db: CrmDatabase, fields: dict[str, str]) -> dict[str, str]:
    command = fields.get("command")
    if command == "login":
        user_id, password = fields.get("userId", ""), fields.get("password", "")
        if not user_id or not password:
            return {"status": "failed", "message": "user id and password are required"}
        session_id = db.redeem_ticket(user_id, password)
        if session_id is None and db.check_password(user_id, password) is not None:
            session_id, _ = db.open_session(user_id, with_cookie=False)
        if session_id is None:
            return {"status": "failed", "message": "wrong CRM user id or password"}
        return {"status": "success", "message": "", "crmSessionId": session_id}
    if command == "logout":
        if db.end_session(fields.get("crmSessionId", "")):
            return {"status": "success", "message": ""}
        return {"status": "failed", "message": "unknown CRM session"}
    raise BadSsoRequest(f"unknown command {command!r}")


async def endpoint(request: Request) -> Response:
    db: CrmDatabase = request.app.state.db
    as_xml = False
    try:
        fields, as_xml = decode(request.headers.get("content-type", ""), await request.body())
        return answer(handle(db, fields), as_xml)
    except BadSsoRequest as error:
        return answer({"status": "failed", "message": str(error)}, as_xml, 400)

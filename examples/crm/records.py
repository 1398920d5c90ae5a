"""The CRM's JSON endpoints that `crm.js` calls from the toolbar's handlers: the screen pop's
record lookup, the call events that make up the timeline, and whom to call next.

The timeline is the CRM's own record, kept in its database: the page reports what the toolbar
told it, and the server files it under the contact the call belongs to.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from examples.crm.auth import current_session, database
from examples.crm.db import Contact
from examples.crm.pages import new_contact_url
from examples.crm.phones import InvalidPhone, display, normalise

EVENT_KINDS = ("transfer", "conference", "hangup", "disposition")
TEXT_LIMIT = 500

CALL_LABELS = {
    "inbound": "Inbound call from",
    "click_to_dial": "Click-to-dial call to",
    "manual": "Manual call to",
    "preview": "Preview call to",
    "progressive": "Auto call to",
    "predictive": "Auto call to",
    "callback": "Callback to",
}


class BadRequest(ValueError):
    pass


def _problem(message: str, status_code: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status_code)


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        value = json.loads(await request.body())
    except ValueError:
        raise BadRequest("the body is not JSON") from None
    if not isinstance(value, dict):
        raise BadRequest("the body is not a JSON object")
    return value


def _text(body: dict[str, Any], name: str, required: bool = True) -> str:
    value = body.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise BadRequest(f"'{name}' is not text")
    text = str(value).strip()
    if required and not text:
        raise BadRequest(f"'{name}' is required")
    if len(text) > TEXT_LIMIT:
        raise BadRequest(f"'{name}' is longer than {TEXT_LIMIT} characters")
    return text


def _describe_call(call_type: str, phone_e164: str, campaign: str, transferred_from: str) -> str:
    label = CALL_LABELS.get(call_type, f"{call_type.replace('_', ' ').capitalize()} call with")
    text = f"{label} {display(phone_e164)} · {campaign}"
    if transferred_from:
        text += f" (transferred, was {transferred_from})"
    return text


async def screen_pop(request: Request) -> Response:
    """The record for a call the toolbar popped: the contact it came from or goes to (by the
    `customerId` a click-to-dial carried, else by number), or where to create one."""
    session = current_session(request)
    if session is None:
        return _problem("signed out", 401)
    try:
        body = await _json_object(request)
        call_id = _text(body, "callId")
        phone_e164 = normalise(_text(body, "phone"))
        call_type = _text(body, "callType")
        campaign = _text(body, "campaign", required=False)
        customer_id = _text(body, "customerId", required=False)
        transferred_from = _text(body, "transferredFrom", required=False)
    except (BadRequest, InvalidPhone) as error:
        return _problem(str(error))
    db = database(request)
    contact: Contact | None = None
    if customer_id.isdigit():
        contact = db.contact(int(customer_id))
    if contact is None:
        contact = db.contact_by_phone(phone_e164)
    existing = db.call(call_id)
    if existing is not None and existing.contact_id is not None:
        contact = db.contact(existing.contact_id)
    db.record_call(
        call_id,
        contact.contact_id if contact else None,
        phone_e164,
        call_type,
        campaign,
        session.user.user_id,
        _describe_call(call_type, phone_e164, campaign, transferred_from),
    )
    if contact is None:
        return JSONResponse(
            {"contactId": None, "recordName": display(phone_e164),
             "url": new_contact_url(phone_e164, call_id)}
        )  # fmt: skip
    return JSONResponse(
        {"contactId": contact.contact_id, "recordName": contact.name,
         "url": f"/contacts/{contact.contact_id}"}
    )  # fmt: skip


async def call_event(request: Request) -> Response:
    """A transfer, conference, hang-up or disposition of a call, onto its contact's timeline."""
    session = current_session(request)
    if session is None:
        return _problem("signed out", 401)
    try:
        body = await _json_object(request)
        kind = _text(body, "kind")
        detail = _text(body, "detail")
    except BadRequest as error:
        return _problem(str(error))
    if kind not in EVENT_KINDS:
        return _problem(f"'kind' is one of {', '.join(EVENT_KINDS)}, not '{kind}'")
    db = database(request)
    call = db.call(request.path_params["call_id"])
    if call is None:
        return _problem("this CRM has no such call", 404)
    db.add_interaction(call, session.user.user_id, kind, detail)
    return JSONResponse({"contactId": call.contact_id})


async def next_lead(request: Request) -> Response:
    """The lead to call after this one (`?after=<contactId>`), for dispose-and-dial."""
    session = current_session(request)
    if session is None:
        return _problem("signed out", 401)
    after = request.query_params.get("after", "")
    lead = database(request).next_lead(int(after) if after.isdigit() else None)
    if lead is None:
        return JSONResponse({"lead": None})
    return JSONResponse(
        {"lead": {"contactId": lead.contact_id, "name": lead.name, "phone": lead.phone_e164}}
    )

"""The CRM's pages: sign-in, the lead list, a contact with its timeline, the new-contact form.

Every signed-in page is served whole (a link or a refresh works), or — when `crm.js` navigates
inside the app, which keeps the toolbar's iframe and its call alive — as the `<main>` fragment
only (request header `X-CRM-Fragment`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from examples.crm.auth import clear_cookie, current_session, database, set_cookie
from examples.crm.db import DuplicatePhone, Session
from examples.crm.phones import InvalidPhone, display, normalise

FRAGMENT_HEADER = "x-crm-fragment"
STATUSES = ("lead", "customer")


async def form_fields(request: Request) -> dict[str, str]:
    """An url-encoded form body; the last value of each field."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {name: values[-1] for name, values in parse_qs(body, max_num_fields=50).items()}


def _templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


def render(
    request: Request, session: Session, name: str, status_code: int = 200, **context: Any
) -> Response:
    fragment = FRAGMENT_HEADER in request.headers
    ticket = None if fragment else database(request).issue_ticket(session.session_id)
    return _templates(request).TemplateResponse(
        request,
        name,
        {
            "fragment": fragment,
            "user": session.user,
            "ticket": ticket,
            "agentbar": request.app.state.agentbar_url,
            "display": display,
            **context,
        },
        status_code=status_code,
    )


def signed_out(request: Request) -> Response:
    if FRAGMENT_HEADER in request.headers:
        return JSONResponse({"error": "signed out"}, status_code=401)
    return RedirectResponse("/login", status_code=303)


async def home(request: Request) -> Response:
    return RedirectResponse("/leads", status_code=303)


async def login_form(request: Request) -> Response:
    return _templates(request).TemplateResponse(
        request,
        "login.html",
        {"error": None, "user_id": "", "notice": request.query_params.get("notice")},
    )


async def login(request: Request) -> Response:
    fields = await form_fields(request)
    user_id, password = fields.get("user_id", "").strip(), fields.get("password", "")
    db = database(request)
    if db.check_password(user_id, password) is None:
        return _templates(request).TemplateResponse(
            request,
            "login.html",
            {"error": "Wrong user id or password.", "user_id": user_id, "notice": None},
            status_code=401,
        )
    _, token = db.open_session(user_id, with_cookie=True)
    assert token is not None
    response = RedirectResponse("/leads", status_code=303)
    set_cookie(response, token)
    return response


async def logout(request: Request) -> Response:
    """End the CRM session. The page has already logged the toolbar out (`doLogout`); when the
    toolbar ended first, agentbar's SSO logout has ended this session already."""
    session = current_session(request)
    if session is not None:
        database(request).end_session(session.session_id)
    response = RedirectResponse("/login?notice=signed+out", status_code=303)
    clear_cookie(response)
    return response


async def lead_list(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return signed_out(request)
    wanted = request.query_params.get("status")
    status = wanted if wanted in STATUSES else None
    contacts = database(request).contacts(status)
    return render(request, session, "leads.html", title="Leads", contacts=contacts, status=status)


async def contact_page(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return signed_out(request)
    db = database(request)
    contact = db.contact(request.path_params["contact_id"])
    if contact is None:
        return render(request, session, "missing.html", 404, title="No such contact")
    return render(
        request,
        session,
        "contact.html",
        title=contact.name,
        contact=contact,
        timeline=db.timeline(contact.contact_id),
    )


async def timeline_fragment(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return signed_out(request)
    db = database(request)
    contact_id = request.path_params["contact_id"]
    return _templates(request).TemplateResponse(
        request, "timeline.html", {"timeline": db.timeline(contact_id)}
    )


async def new_contact_form(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return signed_out(request)
    values = {
        "name": "",
        "company": "",
        "email": "",
        "phone": request.query_params.get("phone", ""),
        "status": "lead",
        "call_id": request.query_params.get("call", ""),
    }
    return render(
        request, session, "new_contact.html", title="New contact", values=values, errors=[]
    )


async def add_contact(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return signed_out(request)
    fields = await form_fields(request)
    values = {
        name: fields.get(name, "").strip()
        for name in ("name", "company", "email", "phone", "status", "call_id")
    }
    errors: list[str] = []
    if not values["name"]:
        errors.append("A name is required.")
    elif len(values["name"]) > 100:
        errors.append("The name is longer than 100 characters.")
    if values["email"] and "@" not in values["email"]:
        errors.append(f"'{values['email']}' is not an e-mail address.")
    if values["status"] not in STATUSES:
        errors.append("The status is lead or customer.")
    phone_e164 = ""
    try:
        phone_e164 = normalise(values["phone"])
    except InvalidPhone as error:
        errors.append(f"{str(error).capitalize()}.")
    db = database(request)
    if phone_e164 and (existing := db.contact_by_phone(phone_e164)) is not None:
        errors.append(f"{existing.name} already has {display(phone_e164)}.")
    if not errors:
        try:
            contact_id = db.add_contact(
                values["name"],
                values["company"],
                values["email"],
                values["phone"],
                phone_e164,
                values["status"],
            )
        except DuplicatePhone as error:
            errors.append(f"{str(error).capitalize()}.")
        else:
            if values["call_id"]:
                db.link_call(values["call_id"], contact_id)
            return RedirectResponse(f"/contacts/{contact_id}", status_code=303)
    return render(
        request,
        session,
        "new_contact.html",
        422,
        title="New contact",
        values=values,
        errors=errors,
    )


def new_contact_url(phone: str, call_id: str) -> str:
    return "/contacts/new?" + urlencode({"phone": phone, "call": call_id})

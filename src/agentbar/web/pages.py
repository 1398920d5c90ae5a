"""The pages a CRM loads: the toolbar (for its iframe), the glue script, harmless chat assets."""

from __future__ import annotations

import json
import re
from functools import cache
from html import escape
from importlib.resources import files

from fastapi import APIRouter, HTTPException, Response
from fastapi.responses import FileResponse

from agentbar.web.deps import BrowserPhonesDep, CrmSettingsDep
from agentbar.web.security import TOOLBAR_PAGE_PATH, own_page_headers

router = APIRouter()

_GLUE_NAME = re.compile(r"ameyo-integration(-v[0-9][0-9A-Za-z._-]*)?\.js")
_STATIC = files("agentbar") / "static"


@cache
def _asset(path: str) -> str:
    return (_STATIC / path).read_text(encoding="utf-8")


@router.api_route(TOOLBAR_PAGE_PATH, methods=["GET", "HEAD"], include_in_schema=False)
async def toolbar_page(crm_settings: CrmSettingsDep, phones: BrowserPhonesDep) -> Response:
    allowed = crm_settings.allowed_origins()
    config = json.dumps({"allowedOrigins": allowed, "socketPath": "/api/v1/socket"})
    html = _asset("toolbar/toolbar.html").replace("{{CONFIG}}", escape(config, quote=True))
    janus = (phones.janus_url,) if phones.janus_url else ()
    headers = own_page_headers(framed_by=allowed, connects_to=janus)
    return Response(html, media_type="text/html; charset=utf-8", headers=headers)


@router.get("/ameyowebaccess/toolbar/vendor/{name}", include_in_schema=False)
async def phone_script(name: str, phones: BrowserPhonesDep) -> Response:
    """The browser phone's Janus client and WebRTC adapter, from the operating system's
    packages (Debian's libjs-janus-gateway and libjs-webrtc-adapter)."""
    path = phones.script(name)
    if path is None:
        raise HTTPException(
            404, f"no script '{name}': the browser phone needs Janus configured and installed"
        )
    return FileResponse(path, media_type="text/javascript; charset=utf-8")


@router.get("/ameyowebaccess/toolbar/js/{name}", include_in_schema=False)
async def glue_script(name: str) -> Response:
    """Every `ameyo-integration-v<N>.js` is the current glue: old CRMs keep their URL."""
    if name == "agentbar.d.ts":
        # The glue's types, for CRM developers who write TypeScript.
        return Response(
            _asset("integration/agentbar.d.ts"),
            media_type="application/typescript; charset=utf-8",
            headers={"Cache-Control": "no-cache"},
        )
    if not _GLUE_NAME.fullmatch(name):
        raise HTTPException(404, f"no script '{name}'; the glue is ameyo-integration.js")
    return Response(
        _asset("integration/ameyo-integration.js"),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "no-cache"},
    )


_CHAT_ANSWERS = {".css": "text/css", ".js": "text/javascript", ".json": "application/json"}


@router.get("/ameyochatjs/{path:path}", include_in_schema=False)
async def chat_assets(path: str) -> Response:
    """Older glue files fetch chat assets at page load; answer with empty, valid documents."""
    for suffix, media_type in _CHAT_ANSWERS.items():
        if path.endswith(suffix):
            return Response("{}" if suffix == ".json" else "", media_type=media_type)
    return Response("<!doctype html><title></title>", media_type="text/html")

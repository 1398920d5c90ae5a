"""What the server hands a CRM page: the glue for any version, the toolbar, harmless chat assets."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import CRM_ORIGIN
from tests.support.servers import AgentbarServer


@pytest.mark.parametrize(
    "name", ["ameyo-integration.js", "ameyo-integration-v1.js", "ameyo-integration-v12.3.js"]
)
def test_the_glue_script_is_served_for_any_version(server: AgentbarServer, name: str) -> None:
    response = httpx.get(f"{server.base_url}/ameyowebaccess/toolbar/js/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "window.ameyo.integration = integration" in response.text


def test_the_glue_typings_are_served(server: AgentbarServer) -> None:
    response = httpx.get(f"{server.base_url}/ameyowebaccess/toolbar/js/agentbar.d.ts")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/typescript")
    assert "interface AmeyoIntegration" in response.text


def test_other_scripts_are_not_found(server: AgentbarServer) -> None:
    response = httpx.get(f"{server.base_url}/ameyowebaccess/toolbar/js/jquery.js")
    assert response.status_code == 404


def test_the_toolbar_may_be_framed_only_by_allowed_crms(server: AgentbarServer) -> None:
    response = httpx.get(
        f"{server.base_url}/ameyowebaccess/toolbar-crm.htm?origin={CRM_ORIGIN}/page?a=1&b=2"
    )
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert f"frame-ancestors {CRM_ORIGIN}" in policy
    assert "script-src 'self'" in policy
    assert 'data-testid="login-username"' in response.text
    # The page carries the allow-list for the toolbar's own check, HTML-escaped in an attribute.
    assert "&quot;allowedOrigins&quot;: [&quot;http://crm.test:8081&quot;]" in response.text


def test_every_other_page_refuses_to_be_framed(server: AgentbarServer) -> None:
    for path in ("/healthz", "/ameyowebaccess/toolbar/js/ameyo-integration.js", "/docs"):
        response = httpx.get(f"{server.base_url}{path}")
        assert response.headers["content-security-policy"] == "frame-ancestors 'none'", path


@pytest.mark.parametrize(
    ("path", "media_type", "body"),
    [
        ("/ameyochatjs/css/chat.css", "text/css", ""),
        ("/ameyochatjs/js/chat.js", "text/javascript", ""),
        ("/ameyochatjs/chat.html", "text/html", "<!doctype html><title></title>"),
    ],
)
def test_chat_assets_of_older_glue_files_are_answered_harmlessly(
    server: AgentbarServer, path: str, media_type: str, body: str
) -> None:
    response = httpx.get(f"{server.base_url}{path}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert response.text == body

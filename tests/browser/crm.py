"""The fixture CRM pages and a helper to read what their handlers recorded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

PAGES = Path(__file__).parent / "pages"


def crm_pages(agentbar_url: Callable[[], str], extra_html: str = "") -> Callable[[str], str | None]:
    template = (PAGES / "crm.html").read_text()

    def render(path: str) -> str | None:
        if not path.startswith("/crm"):
            return None
        return template.replace("{{AGENTBAR}}", agentbar_url()).replace("{{EXTRA}}", extra_html)

    return render


def static_page(name: str) -> Callable[[str], str | None]:
    text = (PAGES / name).read_text()
    return lambda path: text


def handler_calls(page: Page, name: str) -> list[list[Any]]:
    calls: list[dict[str, Any]] = page.evaluate("window.__handlerCalls")
    return [call["args"] for call in calls if call["name"] == name]


def wait_for_handler(page: Page, name: str, count: int = 1) -> list[Any]:
    """Wait until handler `name` has been called `count` times; its arguments that time."""
    page.wait_for_function(
        "([name, count]) => window.__handlerCalls.filter(c => c.name === name).length >= count",
        arg=[name, count],
    )
    return handler_calls(page, name)[count - 1]


def log_in_to_campaign(page: Page, agent: str, campaign: str) -> None:
    """Log `agent` in from the CRM page (extension bound by getExtensionInfo) and pick
    `campaign` in the toolbar."""
    wait_for_handler(page, "loginStatusHandler")
    page.evaluate(f"ameyo.integration.doLogin('{agent}', '{agent}', 'AUTH_TYPE_PASSWORD')")
    wait_for_handler(page, "selectExtensionHandler")
    page.frame_locator("#ameyoIframe").get_by_test_id("campaign-select").select_option(
        label=campaign
    )
    wait_for_handler(page, "selectCampaignHandler")

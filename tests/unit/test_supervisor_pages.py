"""The supervisor's pages as files: the report page under the same strict policy as the floor
page, every script and style sheet they name served, and uPlot served from where
`scripts/setup` installs it, or a 404 that says so."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from agentbar.web import supervisor_page
from agentbar.web.app import create_app
from tests.unit.test_web_layer import StandInProvisioning, stand_in_services


def client() -> httpx.AsyncClient:
    app = create_app(stand_in_services(StandInProvisioning()))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost")


@pytest.fixture
def chart_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(supervisor_page, "CHART_DIR", tmp_path)
    return tmp_path


@pytest.mark.parametrize("path", ["/supervisor", "/supervisor/reports"])
async def test_each_page_loads_without_a_token_under_a_strict_policy(
    path: str, chart_dir: Path
) -> None:
    for name in supervisor_page.CHART_FILES:
        (chart_dir / name).write_text("/* uPlot */", encoding="utf-8")
    async with client() as http:
        page = await http.get(path)
        assert page.status_code == 200
        assert 'data-testid="token-form"' in page.text
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        named = re.findall(r'(?:src|href)="(/supervisor/static/[^"]+)"', page.text)
        assert len(named) == 4  # uPlot's script and style sheet, the page's own two
        for url in named:
            assert (await http.get(url)).status_code == 200, url


async def test_uplot_is_served_with_its_media_types(chart_dir: Path) -> None:
    (chart_dir / "uPlot.iife.min.js").write_text("var uPlot;", encoding="utf-8")
    (chart_dir / "uPlot.min.css").write_text(".uplot {}", encoding="utf-8")
    (chart_dir / "uPlot.esm.js").write_text("export default 1;", encoding="utf-8")
    async with client() as http:
        script = await http.get("/supervisor/static/vendor/uPlot.iife.min.js")
        style = await http.get("/supervisor/static/vendor/uPlot.min.css")
        other = await http.get("/supervisor/static/vendor/uPlot.esm.js")
    assert (script.status_code, script.text) == (200, "var uPlot;")
    assert script.headers["content-type"].startswith("text/javascript")
    assert style.headers["content-type"].startswith("text/css")
    assert other.status_code == 404  # only the two files the pages load


async def test_missing_uplot_is_a_404_that_names_the_fix(chart_dir: Path) -> None:
    async with client() as http:
        answer = await http.get("/supervisor/static/vendor/uPlot.iife.min.js")
    assert answer.status_code == 404
    assert answer.json() == {
        "detail": "no file 'uPlot.iife.min.js': the charts need uPlot, which scripts/setup installs"
    }

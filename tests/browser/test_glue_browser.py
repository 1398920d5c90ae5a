"""The glue script in real Chromium, CRM page and agentbar on different origins: the methods
the core tests do not reach (the "also known" ones), the promise API, the embed doctor, hostile
framing and origins, and a CRM that carries its own copy of an older glue file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.crm import PAGES, crm_pages, handler_calls, wait_for_handler
from tests.support.servers import AgentbarServer, PageServer, agentbar_server, page_server

pytestmark = pytest.mark.browser

# Handlers crm.html does not record; registered by name, one object each, as §1.4 allows.
MORE_HANDLERS = """
<script>
  ["showCrmDetailed", "embedErrorHandler", "getDispositionCodeWithClassHandler",
   "disposeAndDialHandler"].forEach(function (name) {
    var holder = {};
    holder[name] = function () {
      window.__handlerCalls.push({ name: name, args: Array.prototype.slice.call(arguments) });
    };
    ameyo.integration.registerCustomFunction(name, holder);
  });
</script>
"""


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[PageServer, AgentbarServer]]:
    base: list[str] = []
    with (
        page_server(crm_pages(lambda: base[0], MORE_HANDLERS)) as crm,
        agentbar_server(tmp_path / "agentbar", [crm.origin]) as server,
    ):
        base.append(server.base_url)
        yield crm, server


def answers(page: Page, name: str, count: int = 1) -> Any:
    return wait_for_handler(page, name, count)[0]


def test_the_also_known_methods_do_what_they_say(
    page: Page, servers: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = servers
    page.goto(crm.url("/crm/desk"))
    toolbar = page.frame_locator("#ameyoIframe")
    # Default base URL: where the glue script itself came from.
    assert page.evaluate("ameyo.integration.getBaseUrl()") == f"{server.base_url}/"
    page.evaluate(
        """() => {
        const record = (name) => (answer) =>
          window.__handlerCalls.push({ name: name, args: [answer] });
        window.__record = record;
        // Called before the toolbar has loaded: queued, then sent in order.
        ameyo.integration.hideUI(["dial-number", "dial", "auto-call"]);
        ameyo.integration.setLoginInfo("agent1", "agent1");
      }"""
    )
    wait_for_handler(page, "loginStatusHandler")
    expect(toolbar.get_by_test_id("login-username")).to_have_value("agent1")
    page.evaluate("ameyo.integration.doLogin('agent1', 'agent1', 'Auth.Type.Password')")
    assert answers(page, "loginHandler") == "success"
    # getExtensionInfo() auto-binding.
    assert wait_for_handler(page, "selectExtensionHandler")[1]["phone"] == "1001"
    expect(toolbar.get_by_test_id("dial")).to_be_hidden()
    expect(toolbar.get_by_test_id("dial-number")).to_be_hidden()
    expect(toolbar.get_by_test_id("ready")).to_be_visible()

    # selectExtension(callContextId, phone): another extension, and the campaign named.
    page.evaluate("ameyo.integration.selectExtension('Inbound Support', '1002')")
    status, extension = wait_for_handler(page, "modifyExtensionHandler")
    assert (status, extension) == ("success", {"extensionName": "SIP 1002", "phone": "1002"})
    assert answers(page, "selectCampaignHandler").startswith("Inbound Support(")
    page.evaluate("ameyo.integration.selectExtension(null, '9999')")
    reason = wait_for_handler(page, "selectExtensionHandler", 2)[0]
    assert reason == "no extension with phone '9999' is provisioned"
    # setExtensionInfo({name, phone}) binds at once.
    page.evaluate("ameyo.integration.setExtensionInfo({name: 'SIP 1001', phone: '1001'})")
    assert wait_for_handler(page, "modifyExtensionHandler", 2)[1]["phone"] == "1001"

    toolbar.get_by_test_id("ready").click()
    assert answers(page, "readyHandler") == "available"
    call_id = server.place_call("+14085550100")
    _, params, request_id = wait_for_handler(page, "showCrm")
    [detailed] = wait_for_handler(page, "showCrmDetailed")
    assert (detailed["requestId"], detailed["callId"]) == (request_id, call_id)

    # setRecordInfoForCrt by the customer's CRT id, callback last; stored on the call.
    page.evaluate(
        "crt => ameyo.integration.setRecordInfoForCrt(crt, 'acct-9', 'Jane', 'contact', {},"
        " __record('crtCallback'))",
        params["customerCrtObjectId"],
    )
    assert answers(page, "crtCallback") == {"result": {"status": "success"}}
    [row] = server.query("SELECT record_id FROM calls WHERE call_id = ?", call_id)
    assert row["record_id"] == "acct-9"
    page.evaluate("ameyo.integration.setRecordInfoForCrt('nope', 'x', __record('crtRefused'))")
    refused = answers(page, "crtRefused")["result"]
    assert (refused["status"], refused["code"]) == ("failed", "unknown_call")

    # refreshTelephony: the toolbar reads its state afresh (after being told a wrong one).
    status = toolbar.get_by_test_id("status")
    expect(status).to_have_text("on call")
    expect(status).not_to_have_attribute("data-due", "")  # no view of the call's still due
    page.frame(url=lambda url: url.startswith(server.base_url)).evaluate(  # type: ignore[union-attr]
        "document.querySelector('[data-testid=status]').textContent = 'stale'"
    )
    assert status.inner_text() == "stale"
    page.evaluate("ameyo.integration.refreshTelephony('x')")
    # Drawn once the snapshot's round trip over the socket is back: waited for, not raced.
    expect(status).to_have_text("on call")

    server.customer_hangs_up(call_id)
    wait_for_handler(page, "hangupHandler")
    page.evaluate("ameyo.integration.getDispositionCodesWithDispositionClass()")
    [codes] = wait_for_handler(page, "getDispositionCodeWithClassHandler")
    assert wait_for_handler(page, "handleDispositionCodes") == [codes]
    assert codes[0] == {"dispositionClass": "Resolved", "dispositionCodes": ["Sale", "Info Given"]}
    page.evaluate("ameyo.integration.disposeCallByDisposition('Sale')")
    assert answers(page, "handleDisposeCallByDispositionCode") == "success"
    assert answers(page, "disposeCallByDispositionCodeHandler") == "success"

    # hideUI([]) shows everything again; setBaseUrl changes where the glue talks.
    page.evaluate("ameyo.integration.hideUI([])")
    toolbar.get_by_test_id("dial").wait_for(state="visible")
    page.evaluate("ameyo.integration.setBaseUrl('https://elsewhere.example/')")
    assert page.evaluate("ameyo.integration.getBaseUrl()") == "https://elsewhere.example/"


def test_the_promise_api_resolves_and_rejects_every_request(
    page: Page, servers: tuple[PageServer, AgentbarServer]
) -> None:
    crm, server = servers
    page.goto(crm.url("/crm/promise"))
    result = page.evaluate(
        """async () => {
        const frame = await new Promise((resolve) => {
          const look = () => document.getElementById("ameyoIframe")
            ? resolve(document.getElementById("ameyoIframe")) : setTimeout(look, 10);
          look();
        });
        const bar = window.__bar = await AgentBar.attach(frame);
        const failure = (p) => p.then(() => null, (e) => [e.code, e.message]);
        return {
          policy: await failure(bar.login("agent1", "agent1", "LDAP")),
          password: await failure(bar.login("agent1", "wrong")),
          login: await bar.login("agent1", "agent1"),
        };
      }"""
    )
    assert result["policy"] == ["auth_policy_incorrect", "auth policy incorrect"]
    assert result["password"] == ["invalid_username_or_password", "invalid username or password"]
    assert result["login"] == {"status": "success"}

    wait_for_handler(page, "selectExtensionHandler")
    refused = page.evaluate("window.__bar.dial('+14085551212').then(() => null, e => e.code)")
    assert refused == "choose_a_campaign_before_dialling"
    page.frame_locator("#ameyoIframe").get_by_test_id("campaign-select").select_option(
        label="Outbound Sales"
    )
    wait_for_handler(page, "selectCampaignHandler")
    result = page.evaluate(
        """async () => {
        const bar = window.__bar;
        const pops = [];
        const onPop = (phone, params, requestId) => pops.push([phone, params.callId, requestId]);
        bar.on("showCrm", onPop);
        const dialled = await bar.dial("+14085551212", { customerId: "c-1" });
        while (!pops.length) await new Promise((r) => setTimeout(r, 20));
        bar.off("showCrm", onPop);
        return { dialled, pops };
      }"""
    )
    assert result["pops"][0][:2] == ["+14085551212", result["dialled"]["callId"]]
    page.frame_locator("#ameyoIframe").get_by_test_id("hangup").click()
    wait_for_handler(page, "hangupHandler")
    result = page.evaluate(
        """async () => {
        const bar = window.__bar;
        const failure = (p) => p.then(() => null, (e) => [e.code, e.message]);
        const codes = await bar.dispositionCodes();
        const bad = await failure(bar.dispose("No Such Code"));
        // A refusal of another request (the plain API's, sent first) is not this one's.
        ameyo.integration.disposeCallByDisposition("Also No Such Code");
        const disposed = await bar.dispose("Sale", { note: "via promise" });
        const again = await failure(bar.dispose("Sale"));
        const out = await bar.logout();
        const afterLogout = await failure(bar.dispositionCodes());
        return { codes, bad, disposed, again, out, afterLogout };
      }"""
    )
    assert result["codes"][0]["dispositionClass"] == "Resolved"
    assert "No Such Code" in result["bad"][1]
    assert result["disposed"] == {"status": "success"}
    refusals = [
        call["args"][0]
        for call in page.evaluate("window.__handlerCalls")
        if call["name"] == "handleFailedDispositionNotifyGeneric"
    ]
    assert any("Also No Such Code" in reason for reason in refusals)
    assert result["again"] is not None
    assert result["out"] == {"status": "success"}
    assert result["afterLogout"] is not None
    [row] = server.query("SELECT disposition_code, disposition_note FROM calls")
    assert (row["disposition_code"], row["disposition_note"]) == ("Sale", "via promise")


def test_a_request_the_toolbar_never_answers_rejects_in_bounded_time(
    page: Page, servers: tuple[PageServer, AgentbarServer]
) -> None:
    crm, _ = servers
    page.goto(crm.url("/crm/bounded"))
    wait_for_handler(page, "onLoadHandler")
    # The iframe goes away: nobody will ever answer.
    code = page.evaluate(
        """async () => {
        const bar = await AgentBar.attach(document.getElementById("ameyoIframe"),
                                          { timeoutMs: 300 });
        document.getElementById("ameyoIframe").remove();
        return bar.logout().then(() => "resolved", (e) => e.code);
      }"""
    )
    assert code == "timeout"


def bad_origin_page(agentbar: list[str], origin_param: str) -> Any:
    def render(path: str) -> str:
        return f"""<!doctype html><html><head>
<script src="{agentbar[0]}/ameyowebaccess/toolbar/js/ameyo-integration.js"></script>
<script>
  window.__handlerCalls = [];
  var rec = {{}};
  ["onLoadHandler", "loginHandler", "embedErrorHandler"].forEach(function (n) {{
    rec[n] = function () {{
      window.__handlerCalls.push({{name: n, args: [].slice.call(arguments)}});
    }};
    ameyo.integration.registerCustomFunction(n, rec);
  }});
</script></head><body>
<iframe id="ameyoIframe" src="{agentbar[0]}/ameyowebaccess/toolbar-crm.htm?origin={origin_param}">
</iframe></body></html>"""

    return render


def test_an_origin_off_the_allow_list_is_diagnosed_and_no_login_is_possible(
    page: Page, tmp_path: Path
) -> None:
    base: list[str] = []
    with (
        page_server(bad_origin_page(base, "http://not-allowed.example/crm")) as crm,
        agentbar_server(tmp_path / "agentbar", [crm.origin]) as server,
    ):
        base.append(server.base_url)
        page.goto(crm.url("/crm"))
        toolbar = page.frame_locator("#ameyoIframe")
        panel = toolbar.get_by_test_id("embed-error")
        assert panel.get_attribute("data-code") == "origin_not_allowed"
        assert "http://not-allowed.example is not on" in panel.inner_text()
        assert "AGENTBAR_ALLOWED_ORIGINS" in panel.inner_text()
        # The page embedding it IS allowed (the browser says so), so it is told why.
        code, details = wait_for_handler(page, "embedErrorHandler")
        assert code == "origin_not_allowed"
        assert "AGENTBAR_ALLOWED_ORIGINS" in details["fix"]
        page.evaluate("ameyo.integration.doLogin('agent1', 'agent1', 'AUTH_TYPE_PASSWORD')")
        expect(toolbar.get_by_test_id("login-username")).to_be_hidden()
        assert handler_calls(page, "onLoadHandler") == []
        assert handler_calls(page, "loginHandler") == []
        assert server.query("SELECT count(*) AS n FROM sessions")[0]["n"] == 0


def test_a_malformed_origin_and_a_toolbar_opened_alone_are_diagnosed(
    page: Page, tmp_path: Path
) -> None:
    base: list[str] = []
    with (
        page_server(bad_origin_page(base, "not-a-url")) as crm,
        agentbar_server(tmp_path / "agentbar", [crm.origin]) as server,
    ):
        base.append(server.base_url)
        page.goto(crm.url("/crm"))
        assert wait_for_handler(page, "embedErrorHandler")[0] == "origin_malformed"
        page.goto(f"{server.base_url}/ameyowebaccess/toolbar-crm.htm?origin={crm.origin}/")
        panel = page.get_by_test_id("embed-error")
        assert panel.get_attribute("data-code") == "not_framed"
        assert "iframe" in panel.inner_text()


def test_a_server_that_goes_away_is_diagnosed_to_agent_and_crm(page: Page, tmp_path: Path) -> None:
    base: list[str] = []
    with page_server(crm_pages(lambda: base[0], MORE_HANDLERS)) as crm:
        with agentbar_server(tmp_path / "agentbar", [crm.origin]) as server:
            base.append(server.base_url)
            page.goto(crm.url("/crm/away"))
            wait_for_handler(page, "loginStatusHandler")
        # The server has stopped: the socket cannot reconnect, nor can /healthz answer.
        code, details = wait_for_handler(page, "embedErrorHandler")
        assert code == "server_unreachable"
        assert server.base_url in details["message"]
        panel = page.frame_locator("#ameyoIframe").get_by_test_id("embed-error")
        assert panel.get_attribute("data-code") == "server_unreachable"


def test_a_third_origin_cannot_frame_the_toolbar(page: Page, tmp_path: Path) -> None:
    base: list[str] = []

    def framer(path: str) -> str:
        return (
            '<iframe id="stolen" src="'
            f'{base[0]}/ameyowebaccess/toolbar-crm.htm?origin={base[1]}/"></iframe>'
        )

    with (
        page_server(crm_pages(lambda: base[0])) as crm,
        page_server(framer) as third,
        agentbar_server(tmp_path / "agentbar", [crm.origin]) as server,
    ):
        base.extend([server.base_url, third.origin])

        def refused(message: ConsoleMessage) -> bool:
            return "frame-ancestors" in message.text

        with page.expect_event("console", refused) as violation:
            page.goto(third.url("/"))
        assert "has been blocked" in violation.value.text
        frame = page.frame_locator("#stolen")
        assert frame.get_by_test_id("status").count() == 0
        assert frame.get_by_test_id("login-username").count() == 0


def test_a_crm_with_its_own_old_glue_file_works_by_changing_only_the_iframe_url(
    page: Page, tmp_path: Path
) -> None:
    base: list[str] = []
    old_glue = (PAGES / "old-glue.js").read_text()
    template = (PAGES / "crm-old.html").read_text().replace("{{OLD_GLUE}}", old_glue)
    with (
        page_server(lambda path: template.replace("{{AGENTBAR}}", base[0])) as crm,
        agentbar_server(tmp_path / "agentbar", [crm.origin]) as server,
    ):
        base.append(server.base_url)
        page.goto(crm.url("/crm/old?x=1"))
        wait_for_handler(page, "onLoadHandler")
        assert answers(page, "loginStatusHandler") == "logged out"
        page.evaluate("ameyo.integration.doLogin('agent1', 'agent1', 'AUTH_TYPE_PASSWORD')")
        assert answers(page, "loginHandler") == "success"
        status, extension = wait_for_handler(page, "selectExtensionHandler")
        assert (status, extension) == ("success", {"extensionName": "SIP 1001", "phone": "1001"})
        toolbar = page.frame_locator("#ameyoIframe")
        toolbar.get_by_test_id("campaign-select").select_option(label="Inbound Support")
        wait_for_handler(page, "selectCampaignHandler")
        toolbar.get_by_test_id("ready").click()
        wait_for_handler(page, "readyHandler")

        call_id = server.place_call("+14085550111")
        phone, params, request_id = wait_for_handler(page, "showCrm")
        assert (phone, params["callId"]) == ("+14085550111", call_id)
        assert answers(page, "setRecordInfoForShowCrmCallback") == {"result": {"status": "success"}}
        server.customer_hangs_up(call_id)
        wait_for_handler(page, "hangupHandler")
        page.evaluate("ameyo.integration.getDispositionCodes()")
        assert answers(page, "getDispositionCodesHandler")[1]["dispositionClass"] == "Follow Up"
        page.evaluate("ameyo.integration.disposeCallByDisposition('Nonsense')")
        assert "Nonsense" in answers(page, "failedDispositionNotifyHandler")
        page.evaluate("ameyo.integration.disposeCallByDisposition('Sale')")
        assert answers(page, "disposeCallByDispositionCodeHandler") == "success"
        page.evaluate("ameyo.integration.doLogout()")
        assert answers(page, "logoutHandler") == "success"
        [row] = server.query("SELECT record_id, disposition_code FROM calls")
        assert (row["record_id"], row["disposition_code"]) == (f"old-{request_id}", "Sale")

"""`agentbar admin` against real server processes: each subcommand talks HTTP to the API, and
an export imported into a fresh server exports the same again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import CRM_ORIGIN
from tests.support.servers import ADMIN_TOKEN, AgentbarServer, agentbar_server


def admin(
    server: AgentbarServer, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`agentbar admin ARGS` as its own process, finding server and token in the environment."""
    env = {**os.environ, "AGENTBAR_URL": server.base_url, "AGENTBAR_ADMIN_TOKEN": ADMIN_TOKEN}
    return subprocess.run(
        [sys.executable, "-m", "agentbar", "admin", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def ok(server: AgentbarServer, *args: str, stdin: str | None = None) -> Any:
    done = admin(server, *args, stdin=stdin)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None


def test_each_resource_is_listed_read_changed_and_deleted(server: AgentbarServer) -> None:
    ok(server, "ivrs", "put", "Billing", "-d", "description: pay by phone")
    assert ok(server, "ivrs", "get", "Billing") == {
        "name": "Billing",
        "description": "pay by phone",
        "collectDigits": None,
    }
    assert "Billing" in [i["name"] for i in ok(server, "ivrs", "list")]
    ok(server, "ivrs", "delete", "Billing")
    missing = admin(server, "ivrs", "get", "Billing")
    assert missing.returncode == 1
    assert "HTTP 404: no IVR 'Billing'" in missing.stderr

    campaign = "kind: outbound\ndialMode: preview\ndispositions:\n" + (
        "  - {dispositionClass: Done, dispositionCodes: [Sold, Declined]}\n"
    )
    assert (
        ok(server, "campaigns", "put", "Spring", "-f", "-", stdin=campaign)["dialMode"] == "preview"
    )
    ok(
        server,
        "agents",
        "put",
        "rita",
        "-d",
        '{"name": "Rita", "authPolicy": "sso", "campaigns": ["Spring"]}',
    )
    assert ok(server, "agents", "get", "rita")["authPolicy"] == "sso"
    ok(server, "extensions", "put", "SIP 3001", "-d", "phone: '3001'")
    assert ok(server, "extensions", "get", "SIP 3001") == {
        "name": "SIP 3001",
        "phone": "3001",
        "kind": "phone",
    }
    assert ok(server, "queues", "get", "Inbound Support")["name"] == "Inbound Support"
    assert ok(server, "origins", "put", "-d", "origins: [https://crm.example.com]")["stored"] == [
        "https://crm.example.com"
    ]
    assert ok(server, "sso", "put", "-d", "url: https://crm.example.com/sso")["source"] == "stored"
    assert ok(server, "sso", "delete")["source"] == "none"
    ok(server, "break-reasons", "put", "-d", "[{name: Coaching, productive: true}]")
    assert ok(server, "break-reasons", "get") == [{"name": "Coaching", "productive": True}]
    hook = "url: https://crm.example.com/hook\nsecret: sixteen-chars-or-more"
    ok(server, "webhooks", "put", "crm", "-d", hook)
    assert ok(server, "webhooks", "get", "crm")["url"] == "https://crm.example.com/hook"

    added = ok(server, "leads", "add", "Spring", "-d", "leads: [{phone: '+14155550100'}]")
    listed = ok(server, "leads", "list", "Spring", "--state", "new")
    assert [lead["id"] for lead in listed["leads"]] == added["leadIds"]
    assert ok(server, "leads", "delete", "Spring") == {"removed": added["leadIds"]}

    refused = admin(server, "agents", "put", "zed", "-d", "{name: Zed, authPolicy: password}")
    assert refused.returncode == 1
    assert "HTTP 422: authPolicy 'password' needs a password" in refused.stderr


def test_without_a_token_or_a_server_it_says_so(server: AgentbarServer, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "AGENTBAR_ADMIN_TOKEN"}
    run = [sys.executable, "-m", "agentbar", "admin", "--url", server.base_url, "agents", "list"]
    no_token = subprocess.run(run, env=env, capture_output=True, text=True, timeout=60)
    assert no_token.returncode == 2
    assert "AGENTBAR_ADMIN_TOKEN" in no_token.stderr
    wrong = subprocess.run(
        [*run[:4], "--token", "wrong", *run[4:]],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert wrong.returncode == 1
    assert "HTTP 403" in wrong.stderr
    gone = admin(server, "--url", "http://127.0.0.1:9", "agents", "list")
    assert gone.returncode == 2
    assert "cannot reach http://127.0.0.1:9" in gone.stderr


def test_an_export_imported_into_a_fresh_server_exports_the_same(
    server: AgentbarServer, tmp_path: Path
) -> None:
    ok(
        server,
        "campaigns",
        "put",
        "Renewals",
        "-d",
        """
kind: inbound
routing: ring_all
ringTimeout: 15
defaultDisposition: Renewed
dispositions: [{dispositionClass: Won, dispositionCodes: [Renewed, Upgraded]}]
""",
    )
    ok(
        server,
        "agents",
        "put",
        "rita",
        "-d",
        "{name: Rita, password: correct horse, authPolicy: password, campaigns: [Renewals]}",
    )
    ok(
        server,
        "agents",
        "put",
        "sam",
        "-d",
        "{name: Sam, authPolicy: sso, campaigns: [Renewals, Inbound Support]}",
    )
    ok(server, "extensions", "put", "SIP 3001", "-d", "{phone: '3001', kind: browser}")
    ok(server, "ivrs", "put", "Billing", "-d", "description: pay by phone")
    ok(server, "break-reasons", "put", "-d", "[{name: Coaching, productive: true}, {name: Lunch}]")
    ok(server, "origins", "put", "-d", "origins: [https://crm.example.com]")
    ok(server, "sso", "put", "-d", "{url: 'https://crm.example.com/sso', format: xml}")
    ok(
        server,
        "webhooks",
        "put",
        "crm",
        "-d",
        "{url: 'https://crm.example.com/hook', secret: sixteen-chars-or-more}",
    )

    exported = tmp_path / "agentbar.yaml"
    ok(server, "export", "-o", str(exported))
    document = yaml.safe_load(exported.read_text())
    assert {a["id"]: a["authPolicy"] for a in document["agents"]}["rita"] == "password"
    assert document["sso"] == {"url": "https://crm.example.com/sso", "format": "xml"}
    kinds = {e["name"]: e["kind"] for e in document["extensions"]}
    assert (kinds["SIP 3001"], kinds["SIP 1001"], kinds["Browser 2001"]) == (
        "browser",
        "phone",
        "browser",
    )
    with agentbar_server(tmp_path / "fresh", [CRM_ORIGIN]) as fresh:
        assert admin(fresh, "export").stdout != exported.read_text()
        checked = ok(fresh, "import", str(exported), "--dry-run")
        assert checked["applied"] is False
        applied = ok(fresh, "import", str(exported))
        assert (applied["applied"], applied["agents"], applied["webhooks"]) == (True, 7, 1)
        assert admin(fresh, "export").stdout == exported.read_text()

        # A broken file changes nothing, and says what is wrong.
        document["ivrs"].append({"name": "New One"})
        document["campaigns"][0]["defaultDisposition"] = "Nope"
        broken = tmp_path / "broken.yaml"
        broken.write_text(yaml.safe_dump(document))
        refused = admin(fresh, "import", str(broken))
        assert refused.returncode == 1
        assert "default disposition 'Nope' is not in the plan" in refused.stderr
        assert admin(fresh, "export").stdout == exported.read_text()

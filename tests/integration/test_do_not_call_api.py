"""The do-not-call list on a real server, through the admin API and `agentbar admin`: numbers
written any way are listed in E.164, read page by page and taken off again; a CSV import is all
or nothing, a bad line named with why; every change is audited; a listed number is never dialled."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.integration.test_admin_api import audited
from tests.integration.test_admin_cli import admin, ok
from tests.integration.test_bad_input import stored_counts
from tests.integration.test_outbound_socket import outbound_campaign
from tests.integration.test_slice_socket import log_in
from tests.support.servers import AgentbarServer
from tests.support.toolbar_client import ToolbarClient

API = "/api/v1/do-not-call"
CSV = {"Content-Type": "text/csv"}


def numbers(client: httpx.Client) -> list[str]:
    page = client.get(API, params={"limit": 1000}).json()
    assert page["next"] is None
    return [entry["phone"] for entry in page["numbers"]]


def test_numbers_are_listed_read_paged_and_taken_off_through_the_api(
    server: AgentbarServer,
) -> None:
    with server.admin() as client:
        put = client.put(f"{API}/%2B14085551212", json={"note": "asked on the phone"})
        assert put.status_code == 200
        entry = put.json()
        assert (entry["phone"], entry["note"]) == ("+14085551212", "asked on the phone")
        # Any notation phones accept, URL-encoded; the answer is in E.164.
        again = client.put(f"{API}/%28408%29%20555-1212", json={"note": "asked in writing"})
        assert again.json() == {
            "phone": "+14085551212",
            "note": "asked in writing",
            "addedAt": entry["addedAt"],
        }
        assert client.put(f"{API}/%2B442079460958").json()["note"] is None
        assert client.get(f"{API}/408-555-1212").json()["note"] == "asked in writing"
        missing = client.get(f"{API}/%2B14085551213")
        assert (missing.status_code, missing.json()["detail"]) == (
            404,
            "'+14085551213' is not on the do-not-call list",
        )

        for phone in ("%2B33142685300", "%2B4930901820", "%2B14085551299"):
            assert client.put(f"{API}/{phone}").status_code == 200
        seen: list[str] = []
        cursor: str | None = None
        while True:
            params: dict[str, str | int] = {"limit": 2}
            if cursor is not None:
                params["cursor"] = cursor
            page = client.get(API, params=params).json()
            seen.extend(entry["phone"] for entry in page["numbers"])
            cursor = page["next"]
            if cursor is None:
                break
        assert seen == sorted(
            ["+14085551212", "+14085551299", "+33142685300", "+442079460958", "+4930901820"]
        )

        assert client.delete(f"{API}/%2B14085551299").status_code == 204
        assert client.delete(f"{API}/%2B14085551299").status_code == 404
        assert "+14085551299" not in numbers(client)
    assert audited(server)[-3:] == [
        ("admin_put", "do-not-call '+4930901820'"),
        ("admin_put", "do-not-call '+14085551299'"),
        ("admin_delete", "do-not-call '+14085551299'"),
    ]


def test_bad_input_gets_a_specific_refusal_and_changes_nothing(server: AgentbarServer) -> None:
    with server.admin() as client:
        client.put(f"{API}/%2B14085551212").raise_for_status()
        before = audited(server)
        refusals = [
            (client.put(f"{API}/%2B1%20555"), "'+1 555' is not a possible phone number"),
            (client.get(f"{API}/soon"), "'soon' is not a phone number"),
            (client.delete(f"{API}/soon"), "'soon' is not a phone number"),
            (
                client.put(f"{API}/%2B14085551213", json={"note": "two\nlines"}),
                "a note is one line of text",
            ),
            (
                client.post(f"{API}/import", content=b"+14085551213\n\xff\n", headers=CSV),
                "the file is not UTF-8 text",
            ),
        ]
        for answer, why in refusals:
            assert answer.status_code == 422, answer.text
            assert answer.json()["detail"].startswith(why)
        too_long = client.put(f"{API}/%2B14085551213", json={"note": "n" * 201})
        assert too_long.status_code == 422
        not_csv = client.post(f"{API}/import", json={"phones": ["+14085551213"]})
        assert not_csv.status_code == 415
        assert numbers(client) == ["+14085551212"]
    assert audited(server) == before


def test_an_import_is_all_or_nothing_and_names_the_bad_line(server: AgentbarServer) -> None:
    with server.admin() as client:
        client.put(f"{API}/%2B14085551212", json={"note": "by phone"}).raise_for_status()
        bad = "phone,note\n+14085551213\n\n+1 555,typo\n+14085551214\n"
        refused = client.post(f"{API}/import", content=bad.encode(), headers=CSV)
        assert refused.status_code == 422
        assert refused.json()["detail"] == "line 4: '+1 555' is not a possible phone number"
        assert numbers(client) == ["+14085551212"]

        good = 'phone,note\n+14085551212,from the file\n(408) 555-1213,"Smith, J."\n\n4085551214\n'
        imported = client.post(f"{API}/import", content=good.encode(), headers=CSV)
        assert imported.status_code == 200
        assert imported.json() == {"added": 2, "alreadyListed": 1}
        assert numbers(client) == ["+14085551212", "+14085551213", "+14085551214"]
        assert client.get(f"{API}/%2B14085551212").json()["note"] == "by phone"
        assert client.get(f"{API}/%2B14085551213").json()["note"] == "Smith, J."
    assert audited(server)[-1] == ("admin_import", "do-not-call import: 2 number(s) added")


def test_the_cli_adds_lists_imports_and_removes(server: AgentbarServer, tmp_path: Path) -> None:
    added = ok(server, "do-not-call", "add", "(408) 555-1212", "--note", "asked")
    assert (added["phone"], added["note"]) == ("+14085551212", "asked")
    csv = tmp_path / "numbers.csv"
    csv.write_text('phone,note\n+14085551212\n+442079460958,"London, UK"\n', encoding="utf-8")
    assert ok(server, "do-not-call", "import", str(csv)) == {"added": 1, "alreadyListed": 1}
    assert ok(server, "do-not-call", "import", "-", stdin="+33142685300\n") == {
        "added": 1,
        "alreadyListed": 0,
    }
    listed = ok(server, "do-not-call", "list", "--limit", "1", "--all")
    assert [n["phone"] for n in listed["numbers"]] == [
        "+14085551212",
        "+33142685300",
        "+442079460958",
    ]
    assert listed["next"] is None
    first = ok(server, "do-not-call", "list", "--limit", "2")
    assert (len(first["numbers"]), first["next"]) == (2, "+33142685300")
    ok(server, "do-not-call", "remove", "+33142685300")

    csv.write_text("+14085551299\nx,y,z\n", encoding="utf-8")
    bad = admin(server, "do-not-call", "import", str(csv))
    assert bad.returncode == 1
    assert "HTTP 422: line 2: expected a number and an optional note, found 3 columns" in (
        bad.stderr
    )
    gone = admin(server, "do-not-call", "remove", "+33142685300")
    assert gone.returncode == 1
    assert "HTTP 404: '+33142685300' is not on the do-not-call list" in gone.stderr
    remaining = ok(server, "do-not-call", "list")
    assert [n["phone"] for n in remaining["numbers"]] == ["+14085551212", "+442079460958"]


def test_a_number_listed_through_the_api_is_never_dialled(server: AgentbarServer) -> None:
    with ToolbarClient(server.socket_url, origin=server.base_url) as toolbar:
        campaign_id = outbound_campaign(log_in(toolbar))
        toolbar.expect_ok("extension.select", name="SIP 1001", phone="1001")
        toolbar.expect_ok("campaign.select", campaignId=campaign_id)
        with server.admin() as client:
            assert client.put(f"{API}/%2B14085551212").status_code == 200
        before = stored_counts(server)
        refused = toolbar.request("call.dial", phone="(408) 555-1212", callType="click_to_dial")
        assert refused["error"]["code"] == "do_not_call", refused
        assert "+14085551212 is on the do-not-call list" in refused["error"]["message"]
        assert stored_counts(server) == before
        with server.admin() as client:  # taken off the list: dialled again
            assert client.delete(f"{API}/%2B14085551212").status_code == 204
        toolbar.expect_ok("call.dial", phone="(408) 555-1212", callType="click_to_dial")

"""What a campaign's reports and wallboard measure it by, through the admin API and the YAML
configuration on the real server: stored and answered as sent, exported and imported back
unchanged; bad input is refused naming the setting and why, and changes nothing."""

from __future__ import annotations

from typing import Any

import yaml

from tests.support.servers import AgentbarServer

PLAN = [{"dispositionClass": "Done", "dispositionCodes": ["Resolved", "Escalated"]}]
WALLBOARD = {
    "serviceLevelWarning": 90.5,
    "serviceLevelAlarm": 75.0,
    "waitWarningSeconds": 45,
    "waitAlarmSeconds": 120,
}
SETTINGS: dict[str, Any] = {
    "kind": "inbound",
    "dispositions": PLAN,
    "serviceLevelSeconds": 30,
    "shortAbandonSeconds": 10,
    "wallboard": WALLBOARD,
}
REPORT_FIELDS = ("serviceLevelSeconds", "shortAbandonSeconds", "wallboard")


def test_report_settings_are_answered_as_sent_and_round_trip_through_yaml(
    server: AgentbarServer,
) -> None:
    with server.admin() as admin:
        put = admin.put("/api/v1/campaigns/Support", json=SETTINGS)
        assert put.status_code == 200, put.json()
        view = put.json()
        assert {key: view[key] for key in SETTINGS} == SETTINGS
        assert admin.get("/api/v1/campaigns/support").json() == view
        assert [c for c in admin.get("/api/v1/campaigns").json() if c["name"] == "Support"] == [
            view
        ]

        # Given none, a campaign has the defaults; given part of a wallboard, the rest of it.
        plain = admin.put(
            "/api/v1/campaigns/Plain", json={"kind": "inbound", "dispositions": PLAN}
        ).json()
        assert {key: plain[key] for key in REPORT_FIELDS} == {
            "serviceLevelSeconds": 20,
            "shortAbandonSeconds": 5,
            "wallboard": {
                "serviceLevelWarning": 80.0,
                "serviceLevelAlarm": 60.0,
                "waitWarningSeconds": 30,
                "waitAlarmSeconds": 60,
            },
        }
        part = admin.put(
            "/api/v1/campaigns/Plain",
            json={"kind": "inbound", "dispositions": PLAN, "wallboard": {"waitAlarmSeconds": 90}},
        ).json()
        assert part["wallboard"] == {**plain["wallboard"], "waitAlarmSeconds": 90}

        exported = admin.get("/api/v1/config", params={"format": "yaml"})
        exported.raise_for_status()
        document = yaml.safe_load(exported.text)
        [support] = [c for c in document["campaigns"] if c["name"] == "Support"]
        assert {key: support[key] for key in SETTINGS} == SETTINGS

        # The exported file, changed by hand in YAML and imported, changes just that.
        edited = exported.text.replace("serviceLevelSeconds: 30", "serviceLevelSeconds: 15")
        assert edited != exported.text
        imported = admin.put(
            "/api/v1/config", content=edited, headers={"Content-Type": "application/yaml"}
        )
        assert imported.status_code == 200, imported.json()
        assert admin.get("/api/v1/campaigns/Support").json() == {
            **view,
            "serviceLevelSeconds": 15,
        }
        # ...and the file as exported, imported back, changes nothing.
        admin.put(
            "/api/v1/config", content=exported.text, headers={"Content-Type": "application/yaml"}
        ).raise_for_status()
        assert admin.get("/api/v1/config", params={"format": "yaml"}).text == exported.text


def _wallboard(**changes: Any) -> dict[str, Any]:
    return {"wallboard": {**WALLBOARD, **changes}}


BAD: list[tuple[dict[str, Any], str]] = [
    ({"serviceLevelSeconds": 0}, "serviceLevelSeconds must be from 1 to 600, not 0"),
    ({"serviceLevelSeconds": 601}, "serviceLevelSeconds must be from 1 to 600, not 601"),
    ({"serviceLevelSeconds": 10}, "shortAbandonSeconds (10) must be less than serviceLevelSeconds"),
    ({"serviceLevelSeconds": "soon"}, "serviceLevelSeconds"),
    ({"shortAbandonSeconds": -1}, "shortAbandonSeconds must be from 0 to 60, not -1"),
    ({"shortAbandonSeconds": 61}, "shortAbandonSeconds must be from 0 to 60, not 61"),
    ({"shortAbandonSeconds": 30}, "shortAbandonSeconds (30) must be less than serviceLevelSeconds"),
    ({"shortAbandonSeconds": 2.5}, "shortAbandonSeconds"),
    (
        _wallboard(serviceLevelWarning=101),
        "wallboard.serviceLevelWarning must be a percentage from 0 to 100, not 101",
    ),
    (
        _wallboard(serviceLevelAlarm=-0.5),
        "wallboard.serviceLevelAlarm must be a percentage from 0 to 100, not -0.5",
    ),
    (
        _wallboard(serviceLevelWarning=70),
        "wallboard.serviceLevelWarning (70) must not be below wallboard.serviceLevelAlarm (75)",
    ),
    (_wallboard(waitWarningSeconds=0), "wallboard.waitWarningSeconds must be from 1 to 3600"),
    (_wallboard(waitAlarmSeconds=3601), "wallboard.waitAlarmSeconds must be from 1 to 3600"),
    (
        _wallboard(waitWarningSeconds=121),
        "wallboard.waitWarningSeconds (121) must not be above wallboard.waitAlarmSeconds (120)",
    ),
    (_wallboard(colour="red"), "colour"),
    ({"wallboard": 80}, "wallboard"),
]


def test_bad_report_settings_are_refused_by_name_and_change_nothing(
    server: AgentbarServer,
) -> None:
    with server.admin() as admin:
        admin.put("/api/v1/campaigns/Support", json=SETTINGS).raise_for_status()
        before = admin.get("/api/v1/config").json()
        for change, problem in BAD:
            for name in ("Support", "Brand New"):
                answer = admin.put(f"/api/v1/campaigns/{name}", json={**SETTINGS, **change})
                assert answer.status_code == 422, (change, answer.json())
                assert problem in str(answer.json()["detail"]), (change, answer.json())
            document = {"campaigns": [{"name": "Support", **SETTINGS, **change}]}
            answer = admin.put("/api/v1/config", json=document)
            assert answer.status_code == 422, (change, answer.json())
            assert problem in str(answer.json()["detail"]), (change, answer.json())
        assert admin.get("/api/v1/config").json() == before

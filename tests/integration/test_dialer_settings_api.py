"""A predictive campaign's settings through the admin API and the YAML configuration, on the
real server: stored and answered as sent, exported and imported back unchanged; bad input
is refused naming the setting and why, and changes nothing."""

from __future__ import annotations

from typing import Any

import yaml

from tests.support.servers import AgentbarServer

PLAN = [{"dispositionClass": "Done", "dispositionCodes": ["Sale", "Not Interested"]}]
MESSAGE = "Sorry we missed you: this was Acme Insurance, 0800 555 0100."
SETTINGS: dict[str, Any] = {
    "kind": "outbound",
    "dispositions": PLAN,
    "dialMode": "predictive",
    "abandonLimit": 2.5,
    "abandonWindow": "24h",
    "minRingSeconds": 20,
    "callingHours": "09:00-20:30",
    "timeZone": "America/Chicago",
    "abandonMessage": MESSAGE,
    "maxAttempts": 5,
    "retryDelays": {"busy": 300, "noAnswer": 1800, "machine": 7200, "abandoned": 86400},
    "retryDispositions": {"Not Interested": 2_592_000},
}


def test_a_predictive_campaign_is_answered_as_sent_and_round_trips_through_yaml(
    server: AgentbarServer,
) -> None:
    with server.admin() as admin:
        put = admin.put("/api/v1/campaigns/Dialer", json=SETTINGS)
        assert put.status_code == 200, put.json()
        view = put.json()
        assert {key: view[key] for key in SETTINGS} == SETTINGS
        assert admin.get("/api/v1/campaigns/dialer").json() == view

        # Given no dialer settings, a campaign has the defaults (in the API's units).
        plain = admin.put(
            "/api/v1/campaigns/Plain", json={"kind": "outbound", "dispositions": PLAN}
        ).json()
        assert {key: plain[key] for key in SETTINGS if key not in ("kind", "dispositions")} == {
            "dialMode": "manual",
            "abandonLimit": 3.0,
            "abandonWindow": "30d",
            "minRingSeconds": 15,
            "callingHours": "08:00-21:00",
            "timeZone": None,
            "abandonMessage": None,
            "maxAttempts": 3,
            "retryDelays": {"busy": 600, "noAnswer": 3600, "machine": 14400, "abandoned": 86400},
            "retryDispositions": {},
        }

        exported = admin.get("/api/v1/config", params={"format": "yaml"})
        exported.raise_for_status()
        document = yaml.safe_load(exported.text)
        [dialer] = [c for c in document["campaigns"] if c["name"] == "Dialer"]
        assert {key: dialer[key] for key in SETTINGS} == SETTINGS

        # The exported file, changed by hand in YAML and imported, changes just that.
        edited = exported.text.replace("abandonLimit: 2.5", "abandonLimit: 1.25")
        assert edited != exported.text
        imported = admin.put(
            "/api/v1/config", content=edited, headers={"Content-Type": "application/yaml"}
        )
        assert imported.status_code == 200, imported.json()
        assert admin.get("/api/v1/campaigns/Dialer").json() == {**view, "abandonLimit": 1.25}
        # ...and the file as exported, imported back, changes nothing.
        admin.put(
            "/api/v1/config", content=exported.text, headers={"Content-Type": "application/yaml"}
        ).raise_for_status()
        assert admin.get("/api/v1/config", params={"format": "yaml"}).text == exported.text


BAD: list[tuple[dict[str, Any], str]] = [
    ({"dialMode": "turbo"}, "dialMode"),
    ({"kind": "inbound"}, "dial mode 'predictive' needs an outbound campaign"),
    ({"abandonLimit": 0}, "abandonLimit must be a percentage more than 0 and less than 100"),
    ({"abandonLimit": 100}, "abandonLimit must be a percentage more than 0 and less than 100"),
    ({"abandonLimit": -1}, "not -1"),
    ({"abandonWindow": "1w"}, "abandonWindow: unknown abandon window '1w'"),
    ({"minRingSeconds": 10}, "minRingSeconds must be from 15 (the legal minimum)"),
    ({"callingHours": "22:00-07:00"}, "callingHours"),
    ({"timeZone": "Mars/Olympus_Mons"}, "timeZone: unknown time zone 'Mars/Olympus_Mons'"),
    ({"abandonMessage": None}, "dial mode 'predictive' needs an abandonMessage"),
    ({"abandonMessage": "two\nlines"}, "abandonMessage must be one line"),
    ({"maxAttempts": 0}, "maxAttempts must be from 1 to 20"),
    ({"retryDelays": {"voicemail": 60}}, "retryDelays: unknown outcome 'voicemail'"),
    ({"retryDelays": {"busy": -5}}, "retryDelays.busy must be from 0 to 2592000"),
    ({"retryDispositions": {"Voicemail": 60}}, "retryDispositions: invalid disposition code"),
    ({"retryDispositions": {"sale": 2_592_001}}, "retryDispositions.Sale must be from 0"),
]


def test_bad_dialer_settings_are_refused_by_name_and_change_nothing(
    server: AgentbarServer,
) -> None:
    with server.admin() as admin:
        admin.put("/api/v1/campaigns/Dialer", json=SETTINGS).raise_for_status()
        before = admin.get("/api/v1/config").json()
        for change, problem in BAD:
            for name in ("Dialer", "Brand New"):
                answer = admin.put(f"/api/v1/campaigns/{name}", json={**SETTINGS, **change})
                assert answer.status_code == 422, (change, answer.json())
                assert problem in str(answer.json()["detail"]), (change, answer.json())
            document = {"campaigns": [{"name": "Dialer", **SETTINGS, **change}]}
            answer = admin.put("/api/v1/config", json=document)
            assert answer.status_code == 422, (change, answer.json())
            assert problem in str(answer.json()["detail"]), (change, answer.json())
        assert admin.get("/api/v1/config").json() == before
